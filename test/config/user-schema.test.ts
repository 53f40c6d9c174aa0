import { describe, expect, it } from "vitest";
import { compileUserSchema } from "../../src/server/config/compile-user-schema.js";
import { loadConfig } from "../../src/server/config/load-config.js";
import { tempConfigDir } from "./temp-config-dir.js";

async function loadYaml(yaml: string) {
  const cwd = await tempConfigDir({ "postoffice.yaml": yaml });
  return loadConfig({ cwd, env: {}, flags: {} });
}

const messageSchema = [
  "validation:",
  "  message:",
  "    type: object",
  "    required: [text]",
  "    properties:",
  "      text: { type: string, maxLength: 500 }",
  "",
].join("\n");

describe("validation.message", () => {
  it("is absent unless set", async () => {
    const { config } = await loadYaml("");
    expect(config.validation).toEqual({});
  });

  it("loads a valid JSON Schema as written, and the runtime gets the function compiled at load", async () => {
    const { config } = await loadYaml(messageSchema);
    const schema = config.validation.message;
    expect(schema).toEqual({
      type: "object",
      required: ["text"],
      properties: { text: { type: "string", maxLength: 500 } },
    });
    if (schema === undefined) throw new Error("expected validation.message");
    const validate = compileUserSchema(schema);
    expect(compileUserSchema(schema)).toBe(validate);
    expect(validate({ text: "hello", to: "alice" })).toBe(true);
    expect(validate({ text: 42 })).toBe(false);
    expect(validate.errors?.[0]?.instancePath).toBe("/text");
  });

  it("refuses a schema ajv cannot compile, at /validation/message with ajv's message", async () => {
    const loading = loadYaml("validation:\n  message:\n    type: nope\n");
    await expect(loading).rejects.toMatchObject({
      name: "ConfigError",
      code: "config_invalid",
      path: "/validation/message",
      expected: "a JSON Schema object",
      source: "postoffice.yaml:3",
      message: expect.stringMatching(
        /^Invalid configuration at \/validation\/message: not a valid JSON Schema \(ajv: schema is invalid: data\/type must be equal to one of the allowed values.*\) \(from postoffice\.yaml:3\)$/,
      ),
    });
  });

  it("refuses a schema that is not a mapping, saying a JSON Schema object is expected", async () => {
    const loading = loadYaml("validation:\n  message: string\n");
    await expect(loading).rejects.toMatchObject({
      path: "/validation/message",
      message:
        'Invalid configuration at /validation/message: expected a JSON Schema object, got "string" (from postoffice.yaml:2)',
    });
  });

  it("loads two configurations whose schemas share an $id", async () => {
    const withId = `${messageSchema}    $id: https://example.com/message.json\n`;
    const first = await loadYaml(withId);
    const second = await loadYaml(withId);
    expect(second.config.validation.message).toEqual(first.config.validation.message);
  });

  it("refuses an async schema, which cannot check frames as they arrive", async () => {
    await expect(
      loadYaml("validation:\n  message:\n    $async: true\n    type: object\n"),
    ).rejects.toThrow(/async schema/);
  });
});
