import { oneOf, section } from "./nodes.js";

/** Log levels, least severe first; `silent` writes nothing. */
export const logLevels = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;

/** `log`: logging. */
export const log = section("Logging.", {
  level: oneOf(logLevels, {
    default: "info",
    env: ["POSTOFFICE_LOG_LEVEL"],
    description: "Least severe level written.",
  }),
  format: oneOf(["auto", "json", "pretty"], {
    default: "auto",
    env: ["POSTOFFICE_LOG_FORMAT"],
    description: "`auto` = human-readable on a terminal, JSON otherwise.",
  }),
});
