import { Type } from "typebox";
import type { JsonObject } from "../../../protocol/index.js";
import { refuse } from "../refusal.js";
import { defineModifier, type StepDefinition } from "../step-definition.js";
import type { TokenVerifier } from "../token-verifier.js";

/**
 * GoDispatch's `secure`: the payload carries a second JWT in `token`, issued by the
 * application's backend for this one action, checked with the configured `auth.jwt`
 * settings (keys, algorithms, issuer, audience, leeway). Its claims are then `{$token.<claim>}`.
 * Unlike GoDispatch, the token is taken out of the payload, so `{.payload}` never forwards it.
 */
export function secureModifier(tokens: TokenVerifier | undefined): StepDefinition {
  return defineModifier({
    name: "secure",
    description: "Checks a second JWT in `payload.token`; its claims become `{$token.<claim>}`.",
    params: Type.Object({
      claims: Type.Array(Type.String({ minLength: 1 }), {
        default: [],
        description:
          "Claims the token must have; when set, `{$token.<claim>}` may name only these.",
      }),
    }),
    prepare() {
      return tokens === undefined
        ? "secure checks tokens with auth.jwt, which has no key here (set auth.jwt.secret, publicKey, publicKeyFile or jwksUrl)"
        : undefined;
    },
    async run(ctx, { claims }) {
      const payload = ctx.payload;
      const token =
        typeof payload === "object" && payload !== null && !Array.isArray(payload)
          ? payload.token
          : undefined;
      if (typeof token !== "string" || token === "") {
        return refuse("forbidden", `${ctx.eventName} needs a token in payload.token.`, {
          reason: ctx.step,
        });
      }
      let verified: Readonly<Record<string, unknown>>;
      try {
        verified = await (tokens as TokenVerifier).verify(token);
      } catch (error) {
        const why = error instanceof Error ? error.message : "it does not verify";
        return refuse("forbidden", `The token in payload.token was refused: ${why}.`, {
          reason: ctx.step,
        });
      }
      const missing = claims.find((claim) => !Object.hasOwn(verified, claim));
      if (missing !== undefined) {
        return refuse("forbidden", `The token in payload.token has no claim ${missing}.`, {
          reason: ctx.step,
        });
      }
      const { token: _token, ...rest } = payload as JsonObject;
      ctx.payload = rest;
      ctx.tokenClaims = verified;
      return undefined;
    },
  });
}
