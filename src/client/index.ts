export * from "../protocol/index.js";
export { type ClientReason, PostofficeError } from "./errors.js";
export { PostofficeClient } from "./postoffice-client.js";
export type * from "./types.js";
