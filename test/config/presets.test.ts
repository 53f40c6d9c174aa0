import { describe, expect, it } from "vitest";
import { ConfigLayers } from "../../src/server/config/config-layers.js";
import { type LoadConfigOptions, loadConfig } from "../../src/server/config/load-config.js";
import { type PresetName, presets } from "../../src/server/config/presets.js";
import { tempConfigDir } from "./temp-config-dir.js";

async function loadYaml(yaml: string, more: Partial<LoadConfigOptions> = {}) {
  const cwd = await tempConfigDir({ "postoffice.yaml": yaml });
  return loadConfig({ cwd, env: {}, flags: {}, ...more });
}

describe("presets", () => {
  it("chat sets 512-byte frames and 5 messages per second, over the defaults", async () => {
    const { config } = await loadYaml("preset: chat\n");
    expect(config.preset).toBe("chat");
    expect(config.limits.maxFrameBytes).toBe(512);
    expect(config.limits.rate.message).toEqual({ perSecond: 5, burst: 5 });
    expect(config.limits.rate.connection).toEqual({ perSecond: 100, burst: 200 });
    expect(config.limits.outboundBufferBytes).toBe(4194304);
  });

  it("lets a file value beat the preset, key by key", async () => {
    const { config } = await loadYaml(
      "preset: chat\nlimits:\n  maxFrameBytes: 1024\n  rate: { message: { perSecond: 10 } }\n",
    );
    expect(config.limits.maxFrameBytes).toBe(1024);
    expect(config.limits.rate.message).toEqual({ perSecond: 10, burst: 5 });
  });

  it("applies a preset named by POSTOFFICE_PRESET under the file and the variables", async () => {
    const { config } = await loadYaml("limits: { rate: { message: { burst: 8 } } }\n", {
      env: { POSTOFFICE_PRESET: "chat", POSTOFFICE_MAX_FRAME_BYTES: "2048" },
    });
    expect(config.preset).toBe("chat");
    expect(config.limits.maxFrameBytes).toBe(2048);
    expect(config.limits.rate.message).toEqual({ perSecond: 5, burst: 8 });
  });

  it("refuses an unknown preset, listing the ones there are", async () => {
    const loading = loadYaml("", { env: { POSTOFFICE_PRESET: "gaming" } });
    await expect(loading).rejects.toMatchObject({
      name: "ConfigError",
      path: "/preset",
      expected: 'one of "none", "chat"',
      source: "POSTOFFICE_PRESET",
    });
    await expect(loadYaml("preset: toString\n")).rejects.toMatchObject({ path: "/preset" });
  });

  it("has only presets that load on their own", async () => {
    for (const name of Object.keys(presets) as PresetName[]) {
      const { config } = await loadYaml(`preset: ${name}\n`);
      expect(config.preset).toBe(name);
    }
  });

  it("leaves the preset's own values untouched by loading", async () => {
    await loadYaml("preset: chat\n");
    expect(presets.chat).toEqual({
      server: { host: "127.0.0.1" },
      auth: { anonymous: { enabled: true } },
      chat: { enabled: true },
      limits: {
        maxFrameBytes: 512,
        maxStringLength: 500,
        rate: { message: { perSecond: 5, burst: 5 } },
      },
    });
  });

  it("names the preset as the source of the values it set", () => {
    const layers = new ConfigLayers("/");
    layers.apply({ limits: { maxFrameBytes: 512 } }, { kind: "preset", name: "chat" });
    layers.apply({ limits: { maxNestingDepth: 8 } }, { kind: "variable", name: "SOME_VARIABLE" });
    expect(layers.describe("/limits/maxFrameBytes")).toBe("the chat preset");
    expect(layers.describe("/limits/maxNestingDepth")).toBe("SOME_VARIABLE");
  });
});
