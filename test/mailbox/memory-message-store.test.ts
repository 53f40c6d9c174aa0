import { MemoryMessageStore } from "../../src/server/mailbox/memory-message-store.js";
import { messageStoreContract } from "./message-store.contract.js";

messageStoreContract(
  "MemoryMessageStore",
  async (options, clock) => new MemoryMessageStore(options, clock),
);
