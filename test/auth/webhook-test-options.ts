import type { WebhookAuthenticatorOptions } from "../../src/server/auth/webhook-authenticator.js";

/** The schema's defaults, with a shorter deadline and no refusal cache unless a test wants one. */
export const webhookTestOptions = {
  timeoutMs: 2000,
  cacheTtlMs: 0,
  refusalCacheTtlMs: 0,
  maxBodyBytes: 65536,
  maxConcurrent: 32,
  maxQueued: 256,
  circuitFailures: 5,
  circuitCooldownMs: 10_000,
  addressBudget: 5,
  addressWindowMs: 60_000,
} satisfies Omit<WebhookAuthenticatorOptions, "url">;
