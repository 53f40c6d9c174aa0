import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Config } from "../../src/server/config/config.js";
import { ConfigError } from "../../src/server/config/config-error.js";
import { defaultConfig } from "../../src/server/config/defaults.js";
import { loadConfig } from "../../src/server/config/load-config.js";
import { tempConfigDir } from "./temp-config-dir.js";

/** Zero configuration as loaded in `cwd`: the schema's defaults, with the data directory resolved. */
function defaults(cwd: string): Config {
  const config = structuredClone(defaultConfig);
  config.server.dataDir = path.join(cwd, "data");
  return config;
}

describe("loadConfig", () => {
  it("gives the documented defaults with no file, variable or flag", async () => {
    const cwd = await tempConfigDir();
    const { config, files } = await loadConfig({ cwd, env: {}, flags: {} });
    expect(config).toEqual(defaults(cwd));
    // What the first lines of docs/configuration.md promise.
    expect(config.server).toMatchObject({ host: "0.0.0.0", port: 8080, path: "/ws" });
    expect(config.mailbox.store).toBe("sqlite");
    expect(files).toEqual([]);
  });

  it("reads postoffice.yaml from the working directory and fills the rest with defaults", async () => {
    const cwd = await tempConfigDir({
      "postoffice.yaml":
        "server:\n  port: 9000\n  heartbeat:\n    intervalMs: 5000\nlog:\n  level: debug\n",
    });
    const { config, files } = await loadConfig({ cwd, env: {}, flags: {} });
    expect(config.server.port).toBe(9000);
    expect(config.server.heartbeat.intervalMs).toBe(5000);
    expect(config.server.shutdown.drainTimeoutMs).toBe(10000);
    expect(config.log).toEqual({ level: "debug", format: "auto" });
    expect(files).toEqual([path.join(cwd, "postoffice.yaml")]);
  });

  it("reads postoffice.json and fills defaults inside array items", async () => {
    const json = { auth: { tokens: [{ token: "abcdefgh", user: "alice" }] } };
    const cwd = await tempConfigDir({ "postoffice.json": JSON.stringify(json, null, "\t") });
    const { config, files } = await loadConfig({ cwd, env: {}, flags: {} });
    expect(config.auth.tokens).toEqual([{ token: "abcdefgh", user: "alice", roles: [] }]);
    expect(files).toEqual([path.join(cwd, "postoffice.json")]);
  });

  it("fills the defaults of room settings the file leaves out", async () => {
    const cwd = await tempConfigDir({
      "postoffice.yaml":
        'rooms:\n  settings:\n    - match: "support-*"\n      history: 50\n    - match: "*"\n      presence: false\n',
    });
    const { config } = await loadConfig({ cwd, env: {}, flags: {} });
    expect(config.rooms).toEqual({
      maxPerConnection: 100,
      maxMembers: 10000,
      presenceMaxMembers: 1000,
      historyMaxBytes: 67108864,
      emptyRoomIdleMs: 3600000,
      settings: [
        { match: "support-*", presence: true, history: 50 },
        { match: "*", presence: false, history: 0 },
      ],
    });
  });

  it("gives each load its own copy of list defaults", async () => {
    const cwd = await tempConfigDir();
    const first = await loadConfig({ cwd, env: {}, flags: {} });
    first.config.permissions.rooms[0]?.join.push("changed");
    first.config.rooms.settings.push({ match: "x", presence: false, history: 1 });
    const second = await loadConfig({ cwd, env: {}, flags: {} });
    expect(second.config).toEqual(defaults(cwd));
  });

  it("prefers postoffice.yaml over postoffice.yml and postoffice.json", async () => {
    const cwd = await tempConfigDir({
      "postoffice.yaml": "server: { port: 1001 }",
      "postoffice.yml": "server: { port: 1002 }",
      "postoffice.json": '{ "server": { "port": 1003 } }',
    });
    const { config } = await loadConfig({ cwd, env: {}, flags: {} });
    expect(config.server.port).toBe(1001);
  });

  it("reads the file named by --config before POSTOFFICE_CONFIG and the working directory", async () => {
    const cwd = await tempConfigDir({
      "postoffice.yaml": "server: { port: 1001 }",
      "etc/env.yml": "server: { port: 1002 }",
      "etc/flag.yaml": "server: { port: 1003 }",
    });
    const env = { POSTOFFICE_CONFIG: "etc/env.yml" };
    const fromEnv = await loadConfig({ cwd, env, flags: {} });
    expect(fromEnv.config.server.port).toBe(1002);
    const fromFlag = await loadConfig({ cwd, env, flags: { config: "etc/flag.yaml" } });
    expect(fromFlag.config.server.port).toBe(1003);
    expect(fromFlag.files).toEqual([path.join(cwd, "etc/flag.yaml")]);
  });

  it("refuses a named configuration file that does not exist", async () => {
    const cwd = await tempConfigDir();
    const loading = loadConfig({ cwd, env: {}, flags: { config: "missing.yaml" } });
    await expect(loading).rejects.toThrow(ConfigError);
    await expect(loading).rejects.toMatchObject({ code: "config_invalid", source: "--config" });
    await expect(loading).rejects.toThrow(/not found: .*missing\.yaml/);
  });

  it("reports a YAML syntax error with the file and line", async () => {
    const cwd = await tempConfigDir({
      "postoffice.yaml": "server:\n  port: 80\n  host: [\nlog: {}\n",
    });
    const loading = loadConfig({ cwd, env: {}, flags: {} });
    await expect(loading).rejects.toThrow(ConfigError);
    await expect(loading).rejects.toMatchObject({
      source: expect.stringMatching(/^postoffice\.yaml:\d+$/),
    });
    await expect(loading).rejects.toThrow(/postoffice\.yaml.*line \d+/s);
  });

  it("refuses a file whose top level is not a mapping", async () => {
    const cwd = await tempConfigDir({ "postoffice.yaml": "- just\n- a list\n" });
    await expect(loadConfig({ cwd, env: {}, flags: {} })).rejects.toThrow(
      /top level must be a mapping/,
    );
  });

  it("accepts an empty file as zero configuration", async () => {
    const cwd = await tempConfigDir({ "postoffice.yaml": "# nothing yet\n" });
    const { config } = await loadConfig({ cwd, env: {}, flags: {} });
    expect(config).toEqual(defaults(cwd));
  });

  it("merges the POSTOFFICE_ENV overlay over the base: objects merge, arrays replace", async () => {
    const cwd = await tempConfigDir({
      "postoffice.yaml": [
        "server: { port: 9000, host: 127.0.0.1 }",
        "auth:",
        "  tokens:",
        "    - { token: base-token, user: alice }",
        "    - { token: base-token-2, user: bob }",
      ].join("\n"),
      "postoffice.production.yml": [
        "server: { port: 443 }",
        "auth:",
        "  tokens:",
        "    - { token: prod-token, user: carol, roles: [admin] }",
      ].join("\n"),
    });
    const { config, files } = await loadConfig({
      cwd,
      env: { POSTOFFICE_ENV: "production" },
      flags: {},
    });
    expect(config.server.port).toBe(443);
    expect(config.server.host).toBe("127.0.0.1");
    expect(config.auth.tokens).toEqual([{ token: "prod-token", user: "carol", roles: ["admin"] }]);
    expect(files).toEqual([
      path.join(cwd, "postoffice.yaml"),
      path.join(cwd, "postoffice.production.yml"),
    ]);
  });

  it("looks for the overlay beside the named base file", async () => {
    const cwd = await tempConfigDir({
      "etc/main.yaml": "server: { port: 9000 }",
      "etc/postoffice.staging.json": '{ "server": { "port": 9001 } }',
      "postoffice.staging.yaml": "server: { port: 9002 }",
    });
    const env = { POSTOFFICE_CONFIG: "etc/main.yaml", POSTOFFICE_ENV: "staging" };
    const { config } = await loadConfig({ cwd, env, flags: {} });
    expect(config.server.port).toBe(9001);
  });

  it("applies an overlay without a base file, and ignores a named environment with no overlay", async () => {
    const cwd = await tempConfigDir({ "postoffice.test.yaml": "server: { port: 9100 }" });
    const withOverlay = await loadConfig({ cwd, env: { POSTOFFICE_ENV: "test" }, flags: {} });
    expect(withOverlay.config.server.port).toBe(9100);
    expect(withOverlay.files).toEqual([path.join(cwd, "postoffice.test.yaml")]);
    const without = await loadConfig({ cwd, env: { POSTOFFICE_ENV: "production" }, flags: {} });
    expect(without.config.server.port).toBe(8080);
    expect(without.files).toEqual([]);
  });

  it("refuses an overlay name that could leave the directory", async () => {
    const cwd = await tempConfigDir();
    const loading = loadConfig({ cwd, env: { POSTOFFICE_ENV: "../etc" }, flags: {} });
    await expect(loading).rejects.toMatchObject({ name: "ConfigError", source: "POSTOFFICE_ENV" });
  });

  it("lets environment variables beat files and flags beat environment variables", async () => {
    const cwd = await tempConfigDir({
      "postoffice.yaml": "server: { port: 9000, host: 10.0.0.1 }\nlog: { level: warn }",
    });
    const env = { POSTOFFICE_PORT: "9001", POSTOFFICE_HOST: "10.0.0.2" };
    const envOnly = await loadConfig({ cwd, env, flags: {} });
    expect(envOnly.config.server).toMatchObject({ port: 9001, host: "10.0.0.2" });
    expect(envOnly.config.log.level).toBe("warn");
    const withFlags = await loadConfig({ cwd, env, flags: { port: "9002", host: "10.0.0.3" } });
    expect(withFlags.config.server).toMatchObject({ port: 9002, host: "10.0.0.3" });
    const numericFlag = await loadConfig({ cwd, env, flags: { port: 9003 } });
    expect(numericFlag.config.server.port).toBe(9003);
  });

  it("resolves dataDir from a file against the file's directory, and from a variable against the working directory", async () => {
    const cwd = await tempConfigDir({ "etc/postoffice.yaml": "server: { dataDir: ../var/po }" });
    const fromFile = await loadConfig({
      cwd,
      env: { POSTOFFICE_CONFIG: "etc/postoffice.yaml" },
      flags: {},
    });
    expect(fromFile.config.server.dataDir).toBe(path.join(cwd, "var/po"));
    const defaulted = await loadConfig({
      cwd,
      env: { POSTOFFICE_CONFIG: "etc/postoffice.yaml", POSTOFFICE_DATA_DIR: "" },
      flags: {},
    });
    expect(defaulted.config.server.dataDir).toBe(path.join(cwd, "var/po"));
    const fromEnv = await loadConfig({
      cwd,
      env: { POSTOFFICE_CONFIG: "etc/postoffice.yaml", POSTOFFICE_DATA_DIR: "state" },
      flags: {},
    });
    expect(fromEnv.config.server.dataDir).toBe(path.join(cwd, "state"));
  });

  it("resolves the default dataDir against the base file's directory", async () => {
    const cwd = await tempConfigDir({ "etc/postoffice.yaml": "log: { level: warn }" });
    const { config } = await loadConfig({ cwd, env: {}, flags: { config: "etc/postoffice.yaml" } });
    expect(config.server.dataDir).toBe(path.join(cwd, "etc/data"));
  });
});

describe("sources and bases of relative paths", () => {
  it("keeps the default dataDir beside the config file when the port comes from PORT or --port", async () => {
    const cwd = await tempConfigDir({ "sub/postoffice.yaml": "log: { level: warn }\n" });
    const env = { POSTOFFICE_CONFIG: "sub/postoffice.yaml" };
    const plain = await loadConfig({ cwd, env, flags: {} });
    const withPort = await loadConfig({ cwd, env: { ...env, PORT: "9000" }, flags: {} });
    const withFlag = await loadConfig({ cwd, env, flags: { port: "9001" } });
    expect(plain.config.server.dataDir).toBe(path.join(cwd, "sub/data"));
    expect(withPort.config.server.dataDir).toBe(path.join(cwd, "sub/data"));
    expect(withFlag.config.server.dataDir).toBe(path.join(cwd, "sub/data"));
  });

  it("keeps a relative publicKeyFile from the file relative to the file when a variable sets another jwt key", async () => {
    const cwd = await tempConfigDir({
      "sub/postoffice.yaml": "auth:\n  jwt:\n    publicKeyFile: keys/jwt.pem\n",
    });
    const { config } = await loadConfig({
      cwd,
      env: { POSTOFFICE_CONFIG: "sub/postoffice.yaml", POSTOFFICE_JWT_ISSUER: "https://issuer" },
      flags: {},
    });
    expect(config.auth.jwt?.publicKeyFile).toBe(path.join(cwd, "sub/keys/jwt.pem"));
  });

  it("names a defaulted host as the default, not the variable that set the port", async () => {
    const cwd = await tempConfigDir();
    const loading = loadConfig({
      cwd,
      env: { PORT: "9000", POSTOFFICE_ANONYMOUS: "true" },
      flags: {},
    });
    await expect(loading).rejects.toThrow('server.host is "0.0.0.0" (from the default)');
  });

  it("names the file that set a key, not a variable that set its sibling", async () => {
    const cwd = await tempConfigDir({ "postoffice.yaml": "server:\n  host: 0.0.0.0\n" });
    const loading = loadConfig({
      cwd,
      env: { POSTOFFICE_PORT: "9000", POSTOFFICE_ANONYMOUS: "true" },
      flags: {},
    });
    await expect(loading).rejects.toThrow('server.host is "0.0.0.0" (from postoffice.yaml:2)');
  });
});
