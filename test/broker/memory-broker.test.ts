import { MemoryBroker } from "../../src/server/broker/memory-broker.js";
import { brokerContract } from "./broker.contract.js";

brokerContract("MemoryBroker", async (onHandlerError) => new MemoryBroker(onHandlerError));
