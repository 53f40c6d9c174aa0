import type { ConfigLayers } from "./config-layers.js";
import { parseEnvValue, unreadable } from "./env.js";

/** The flags of `postoffice start` that set keys, or name the base file. */
export interface ConfigFlags {
  config?: string;
  port?: number | string;
  host?: string;
  dialect?: string;
}

/** The last layer: flags win over everything else. */
export function applyFlags(layers: ConfigLayers, flags: ConfigFlags): void {
  if (typeof flags.port === "string") {
    const parsed = parseEnvValue(flags.port, "integer");
    if (!parsed.ok) throw unreadable(["server", "port"], flags.port, "--port", parsed.expected);
    layers.set(["server", "port"], parsed.value, { kind: "flag", name: "--port" });
  } else if (flags.port !== undefined) {
    layers.set(["server", "port"], flags.port, { kind: "flag", name: "--port" });
  }
  if (flags.host !== undefined) {
    layers.set(["server", "host"], flags.host, { kind: "flag", name: "--host" });
  }
  if (flags.dialect !== undefined) {
    layers.set(["server", "dialect"], flags.dialect, { kind: "flag", name: "--dialect" });
  }
}
