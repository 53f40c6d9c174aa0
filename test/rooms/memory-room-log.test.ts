import { MemoryRoomLog } from "../../src/server/rooms/memory-room-log.js";
import { roomLogContract } from "./room-log.contract.js";

roomLogContract("MemoryRoomLog", async () => new MemoryRoomLog());
