import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { JsonValue } from "../../src/protocol/index.js";
import { parseJsonTextTemplate } from "../../src/server/events/templates/json-text-template.js";
import { compileTemplate, type Template } from "../../src/server/events/templates/template.js";
import {
  MissingPathError,
  type TemplateScope,
} from "../../src/server/events/templates/template-scope.js";

function scope(payload: JsonValue, extra: Partial<TemplateScope> = {}): TemplateScope {
  return {
    eventName: "chat",
    eventId: "e-1",
    ts: 42,
    sender: {
      userId: "alice",
      roles: ["member"],
      claims: { perms: ["kick"], org: { id: 7 } },
      connectionId: "c-1",
    },
    target: { id: "lobby", room: "lobby" },
    payload,
    tokenClaims: undefined,
    ...extra,
  };
}

function compiled(value: unknown): Template {
  const result = compileTemplate(value);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.template;
}

/** JSON values with the strings that break text splicing: quotes, backslashes, HTML, unicode. */
const hostileString = fc.oneof(
  fc.string({ unit: "grapheme" }),
  fc.constantFrom('"', '\\"', "</script>", "{$user.id}", "{.payload}", "\u2028", "😀", "\u0000"),
);
const jsonValue = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    hostileString,
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(
      fc.string().filter((k) => k !== "__proto__"),
      tie("value"),
      { maxKeys: 4 },
    ),
  ),
})).value;

describe("templates are values, not text", () => {
  it("gives any payload back exactly through {.payload} and {.payload.<field>}", () => {
    const whole = compiled({ copy: "{.payload}", field: "{.payload.message}" });
    fc.assert(
      fc.property(jsonValue, (message) => {
        const payload = { message };
        const out = whole.resolve(scope(payload));
        expect(JSON.parse(JSON.stringify(out))).toEqual(
          JSON.parse(JSON.stringify({ copy: payload, field: message })),
        );
      }),
      { numRuns: 300 },
    );
  });

  it("gives any payload back exactly through GoDispatch's JSON-text payloads", () => {
    const parsed = parseJsonTextTemplate(
      '{"user": "{$user.id}", "message": "{.payload.message}", "n": {.payload.n}}',
    );
    if (!parsed.ok) throw new Error(parsed.message);
    const template = compiled(parsed.value);
    fc.assert(
      fc.property(jsonValue, jsonValue, (message, n) => {
        const out = template.resolve(scope({ message, n }));
        expect(out).toEqual({ user: "alice", message, n });
      }),
      { numRuns: 300 },
    );
  });

  it("writes a placeholder inside a longer string as text: strings as they are, the rest as JSON", () => {
    const template = compiled("{$user.id} says {.payload.text} ({.payload.n}, {.payload.o})");
    expect(template.resolve(scope({ text: 'a "quote"', n: 3, o: { a: [1] } }))).toBe(
      'alice says a "quote" (3, {"a":[1]})',
    );
  });

  it("resolves every context placeholder", () => {
    const template = compiled({
      id: "{$user.id}",
      roles: "{$user.roles}",
      org: "{$user.claims.org.id}",
      conn: "{$conn.id}",
      target: "{$target.id}",
      room: "{$target.room}",
      dotTarget: "{.target}",
      event: ["{$event.name}", "{$event.id}", "{$event.ts}"],
      claim: "{$token.room_id}",
    });
    expect(template.resolve(scope({}, { tokenClaims: { room_id: "vip" } }))).toEqual({
      id: "alice",
      roles: ["member"],
      org: 7,
      conn: "c-1",
      target: "lobby",
      room: "lobby",
      dotTarget: "lobby",
      event: ["chat", "e-1", 42],
      claim: "vip",
    });
  });

  it("keeps a template without placeholders as one frozen constant", () => {
    const template = compiled({ status: "ok", list: [1, "two"] });
    expect(template.constant).toBe(true);
    expect(template.resolve(scope({}))).toBe(template.resolve(scope({})));
    expect(Object.isFrozen(template.resolve(scope({})))).toBe(true);
  });

  it("throws a MissingPathError naming the JSON pointer of a path the event does not have", () => {
    const template = compiled({ m: "{.payload.a.b.0}" });
    const error = (() => {
      try {
        template.resolve(scope({ a: { b: [] } }));
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(error).toBeInstanceOf(MissingPathError);
    expect(error).toMatchObject({ pointer: "/payload/a/b/0" });
    expect(() => compiled("{$target.user}").resolve(scope({}))).toThrow(MissingPathError);
    expect(() => compiled("{$token.room_id}").resolve(scope({}))).toThrow(MissingPathError);
    // Only own keys: a prototype's property is not a path of the payload.
    expect(() => compiled("{.payload.constructor}").resolve(scope({}))).toThrow(MissingPathError);
  });

  it("refuses unknown placeholders, unclosed ones and {.user.id}, with what to write instead", () => {
    const problems = (value: unknown) => {
      const result = compileTemplate(value);
      return result.ok ? [] : result.problems.map((p) => `${p.pointer}: ${p.message}`);
    };
    expect(problems({ a: "{$user.name}" })[0]).toMatch(
      /^\/a: \{\$user.name\} is not a known placeholder/,
    );
    expect(problems(["ok", "{.payload.message"])[0]).toMatch(
      /^\/1: "\{.payload.message" opens a placeholder/,
    );
    expect(problems("{.user.id}")[0]).toMatch(/write \{\$user.id\}/);
    expect(problems("{$token}")[0]).toMatch(/name a claim/);
    expect(problems(JSON.parse('{"__proto__": "x"}'))[0]).toMatch(/__proto__ cannot be a key/);
  });
});

describe("GoDispatch's JSON-text payloads", () => {
  it("take a text that is one placeholder as that value", () => {
    expect(parseJsonTextTemplate("{.payload}")).toEqual({ ok: true, value: "{.payload}" });
  });

  it("refuse a text that is not JSON, which GoDispatch could not have sent either", () => {
    const parsed = parseJsonTextTemplate('{"user": {$user.id');
    expect(parsed.ok).toBe(false);
  });
});
