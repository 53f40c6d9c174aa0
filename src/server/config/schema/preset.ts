import { oneOf } from "./nodes.js";

/** `preset`: a named set of defaults under the operator's own keys (see ../presets.ts). */
export const preset = oneOf(["none", "chat"], {
  default: "none",
  env: ["POSTOFFICE_PRESET"],
  description:
    "`chat`: the Broadcast Server's limits (512-byte frames, 5 messages per second); any key you set still wins.",
});
