import path from "node:path";
import type { Config } from "./config.js";
import type { ConfigLayers } from "./config-layers.js";

/** The directories a relative path can be relative to. */
export interface PathBases {
  /** Where `postoffice` was started. */
  cwd: string;
  /** The base file's directory; the working directory when there is no base file. */
  baseDir: string;
}

/**
 * Resolves the relative paths of the configuration (`server.dataDir`,
 * `auth.jwt.publicKeyFile` and each endpoint's, `plugins`). The base depends only on who set that very key:
 * - a file: that file's directory, so the same file works from any working directory;
 * - a variable or a flag: the working directory, where it was typed;
 * - a default or a preset: the base file's directory (the working directory without one).
 * Setting another key (PORT, --port) therefore never moves the data.
 */
export function resolvePaths(config: Config, layers: ConfigLayers, bases: PathBases): void {
  const dirFor = (pointer: string): string => {
    const origin = layers.originOf(pointer);
    switch (origin?.kind) {
      case "file":
        return path.dirname(origin.file.path);
      case "variable":
      case "flag":
        return bases.cwd;
      case "preset":
      case undefined:
        return bases.baseDir;
    }
  };
  config.server.dataDir = path.resolve(dirFor("/server/dataDir"), config.server.dataDir);
  const jwts = [
    { jwt: config.auth.jwt, pointer: "/auth/jwt" },
    ...config.endpoints.map(({ auth }, i) => ({
      jwt: auth?.jwt,
      pointer: `/endpoints/${i}/auth/jwt`,
    })),
  ];
  for (const { jwt, pointer } of jwts) {
    if (jwt?.publicKeyFile === undefined) continue;
    jwt.publicKeyFile = path.resolve(dirFor(`${pointer}/publicKeyFile`), jwt.publicKeyFile);
  }
  config.plugins = config.plugins.map((file, i) => path.resolve(dirFor(`/plugins/${i}`), file));
}
