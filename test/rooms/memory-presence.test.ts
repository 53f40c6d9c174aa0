import { MemoryPresence } from "../../src/server/rooms/memory-presence.js";
import { presenceContract } from "./presence.contract.js";

presenceContract("MemoryPresence", async () => new MemoryPresence());
