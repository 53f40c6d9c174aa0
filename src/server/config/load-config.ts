import path from "node:path";
import type { Config } from "./config.js";
import { type ConfigFile, loaderVariables, readBaseFile, readOverlayFile } from "./config-file.js";
import { applyFlags, type ConfigFlags } from "./config-flags.js";
import { ConfigLayers } from "./config-layers.js";
import type { ConfigSources } from "./config-sources.js";
import { checkAcrossKeys } from "./cross-key-checks.js";
import { applyEnvironment, envVariables } from "./env.js";
import { readEnvFile } from "./env-file.js";
import { readGoDispatchForms } from "./godispatch-forms.js";
import { isPresetName, type PresetName, presets } from "./presets.js";
import { resolvePaths } from "./relative-paths.js";
import { validate } from "./validate-config.js";

export type { ConfigFlags } from "./config-flags.js";

export interface LoadConfigOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  flags: ConfigFlags;
}

export interface LoadedConfig {
  config: Config;
  /** Absolute paths of the files actually read, base first. */
  files: string[];
  /** Who set each key, for the messages of checks made after loading. */
  sources: ConfigSources;
}

/**
 * Builds the configuration of this node. Later wins: schema defaults, the preset, base file,
 * overlay file (`POSTOFFICE_ENV`), environment variables (with `.env` in `cwd` under them, for
 * the keys marked `envFile`), CLI flags. Throws `ConfigError` for
 * anything that should stop the start, naming the key, what it accepts and who set it.
 * Checks that need a component (permissions, origins) are the composition root's
 * (compose/load-node-config.ts), made with `sources`.
 */
export async function loadConfig(options: LoadConfigOptions): Promise<LoadedConfig> {
  const { cwd, env, flags } = options;
  const base = await readBaseFile(cwd, env, flags.config);
  const baseDir = base === undefined ? cwd : path.dirname(base.path);
  const overlay = await readOverlayFile(baseDir, env[loaderVariables.overlay]);
  const files = [base, overlay].flatMap((file) => (file === undefined ? [] : [file]));

  // Read only when a key takes its variables from it: until then a `.env` here is not ours.
  const envFile = envVariables.some((v) => v.envFile) ? await readEnvFile(cwd) : {};
  const layers = mergeSources(options, files, envFile);
  const config = validate(layers.value, layers);
  resolvePaths(config, layers, { cwd, baseDir });
  checkAcrossKeys(config, layers);
  return { config, files: files.map((file) => file.path), sources: layers };
}

/**
 * Files, variables and flags, over the preset they name. Which preset that is, only the merged
 * sources can tell: they are merged once to learn it and again on top of it. An unknown name
 * applies nothing and is refused by the schema.
 */
function mergeSources(
  options: LoadConfigOptions,
  files: readonly ConfigFile[],
  envFile: Readonly<Record<string, string>>,
): ConfigLayers {
  const merge = (preset?: PresetName) => {
    const layers = new ConfigLayers(options.cwd);
    if (preset !== undefined) {
      // A copy: ajv fills defaults into the merged value, which may share lists with the layer.
      layers.apply(structuredClone(presets[preset]), { kind: "preset", name: preset });
    }
    for (const file of files) layers.apply(readGoDispatchForms(file.value), { kind: "file", file });
    applyEnvironment(layers, options.env, envFile);
    applyFlags(layers, options.flags);
    return layers;
  };
  const layers = merge();
  const name = layers.value.preset;
  return isPresetName(name) && name !== "none" ? merge(name) : layers;
}
