import { Type } from "typebox";

/**
 * `events` and `plugins`: declared events and the modules that add actions and modifiers to
 * them. Their shape is the rules engine's to check (src/server/events/compile/): it lists every
 * problem with its key and line (`postoffice check`), which a schema could not say as well.
 */

/** `events`: event name → definition (docs/rules.md); GoDispatch's events load as they are. */
export const events = Type.Optional(
  Type.Unsafe<Record<string, unknown>>({
    type: "object",
    namedEntries: true,
    description:
      "Declared events, by name: each with `target`, `allow`, `payload` (a JSON Schema), `modifiers`, `actions` and `export` (to the AMQP exchange; see docs/rules.md). GoDispatch's `events:` load as they are. Compiled at start and on reload; `postoffice check` lists every problem.",
  }),
);

/** `plugins`: ES modules exporting actions and modifiers. */
export const plugins = Type.Array(Type.String({ minLength: 1 }), {
  default: [],
  description:
    "Paths of ES modules that export actions and modifiers (`defineAction`, `defineModifier`) for `events`. A relative path is resolved by who set it, as described above. Loaded once per path: a changed module needs a restart.",
});
