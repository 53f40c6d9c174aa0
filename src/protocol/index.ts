export * from "./close-codes.js";
export * from "./decode-client-frame.js";
export * from "./error-codes.js";
export * from "./frames.js";
export * from "./guest-ids.js";
export * from "./http-api.js";
