#!/usr/bin/env node
// CPU per JWT verification, in microseconds, through the built JwtAuthenticator:
//
//   fresh HS256       a new token each time (the connection-rate case: nothing to reuse)
//   fresh RS256       the same with a 2048-bit RSA key
//   same ... token    one token verified again and again (a client reconnecting with its
//                     token): what the verified-token cache saves where there is one
//
// For each: the promise path (`await authenticate()`), the same through the chain the gateway
// calls (chain → logged → JWT), and the synchronous one (`authenticateSync()`) where the
// authenticator has it. Each figure is the best and the median
// of `--rounds` rounds (on a shared machine, noise only ever adds). Every loop is bounded in
// count and in time. Run it under `nice`, after `npm run build`:
//
//   nice -n 5 node bench/jwt-verify.mjs [--count 20000] [--rounds 5] [--json FILE] [--dist DIR]
import { createHmac, createSign, generateKeyPairSync } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: {
    dist: { type: "string", default: fileURLToPath(new URL("../dist", import.meta.url)) },
    count: { type: "string", default: "20000" },
    rounds: { type: "string", default: "5" },
    json: { type: "string" },
    "max-seconds": { type: "string", default: "120" },
  },
});
// --dist: another build (a copy of an older dist/) to compare with.
/** @param {string} path @returns {Promise<any>} a module of the build under --dist */
const built = (path) => import(pathToFileURL(join(resolve(args.dist), path)).href);
const { JwtAuthenticator } = await built("server/auth/jwt-authenticator.js");
const { ChainAuthenticator } = await built("server/auth/chain-authenticator.js");
const { LoggedAuthenticator } = await built("server/auth/logged-authenticator.js");
const COUNT = Number(args.count);
// RSA verifies cost ~20× an HMAC; fewer of them keep the run short.
const RSA_COUNT = Math.max(100, Math.round(COUNT / 5));
const DEADLINE = performance.now() + Number(args["max-seconds"]) * 1000;
const ROUNDS = Math.max(1, Number(args.rounds));
const WARM_UP = 500;
const SECRET = "benchmark-secret-of-enough-length-for-hs256";

/** @param {unknown} value */
const b64url = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");
const now = Math.floor(Date.now() / 1000);
/** @param {number} i */
const claims = (i) => ({ sub: `user-${i}`, roles: ["member"], iat: now, exp: now + 3600 });

/** @param {number} i */
function hs256(i) {
  const head = `${b64url({ alg: "HS256", typ: "JWT" })}.${b64url(claims(i))}`;
  return `${head}.${createHmac("sha256", SECRET).update(head).digest("base64url")}`;
}

const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
/** @param {number} i */
function rs256(i) {
  const head = `${b64url({ alg: "RS256", typ: "JWT" })}.${b64url(claims(i))}`;
  return `${head}.${createSign("RSA-SHA256").update(head).sign(rsa.privateKey).toString("base64url")}`;
}

/**
 * µs of CPU (user + system) and of wall time per verification of `tokens`, one after another.
 * `verify` returns a promise (awaited) or nothing (the synchronous path: no microtask at all).
 * @typedef {(token: string) => Promise<unknown> | undefined | void} Verify
 * @typedef {{ verifications: number, cpuMicros: number, wallMicros: number }} Measure
 * @param {string[]} tokens
 * @param {Verify} verify
 * @returns {Promise<Measure>}
 */
async function measure(tokens, verify) {
  // Warm up on tokens of the same shape, so that the JIT and the caches of keys are settled.
  for (const token of tokens.slice(0, WARM_UP)) await verify(token);
  let pending;
  const cpu = process.cpuUsage();
  const wall = performance.now();
  let done = 0;
  for (const token of tokens.slice(WARM_UP)) {
    pending = verify(token);
    if (pending !== undefined) await pending;
    done++;
    if ((done & 1023) === 0 && performance.now() > DEADLINE) break;
  }
  const used = process.cpuUsage(cpu);
  return {
    verifications: done,
    cpuMicros: round((used.user + used.system) / done),
    wallMicros: round(((performance.now() - wall) * 1000) / done),
  };
}

/** @param {number} value */
const round = (value) => Math.round(value * 100) / 100;

/**
 * `measure` over `ROUNDS` rounds, each with a fresh authenticator: best and median µs.
 * @param {() => Verify} makeVerify
 * @param {string[]} tokens
 */
async function rounds(makeVerify, tokens) {
  /** @type {Measure[]} */
  const runs = [];
  for (let r = 0; r < ROUNDS && performance.now() < DEADLINE; r++) {
    runs.push(await measure(tokens, makeVerify()));
  }
  /** @param {"cpuMicros" | "wallMicros"} key */
  const pick = (key) => {
    const sorted = runs.map((run) => run[key]).sort((a, b) => a - b);
    return { best: sorted[0], median: sorted[Math.floor(sorted.length / 2)] };
  };
  return {
    rounds: runs.length,
    verifications: runs[0]?.verifications,
    cpuMicros: pick("cpuMicros"),
    wallMicros: pick("wallMicros"),
  };
}

function cases() {
  const hs = { secret: SECRET };
  const rs = { publicKey: rsa.publicKey.export({ type: "spki", format: "pem" }) };
  // Fresh tokens: distinct payloads, so that no verified-token cache can answer. The first
  // WARM_UP are the warm-up's; the measured ones follow.
  /** @param {(i: number) => string} sign @param {number} n */
  const fresh = (sign, n) => Array.from({ length: n + WARM_UP }, (_, i) => sign(i));
  const hsFresh = fresh(hs256, COUNT);
  const rsFresh = fresh(rs256, RSA_COUNT);
  /** @param {string} token */
  const again = (token) => Array.from({ length: COUNT + WARM_UP }, () => token);
  return [
    { name: "fresh HS256", options: hs, tokens: hsFresh },
    { name: "fresh RS256", options: rs, tokens: rsFresh },
    // The same token again and again (a client reconnecting with its token), with the
    // authenticator's default cache (none for a secret, 1,000 verdicts for a public key)...
    { name: "same HS256 token", options: hs, tokens: again(hs256(-1)) },
    { name: "same RS256 token", options: rs, tokens: again(rs256(-1)) },
    // ...and with a cache for a secret too: what a hit costs.
    {
      name: "same HS256 token, cacheSize 1000",
      options: { ...hs, cacheSize: 1000 },
      tokens: again(hs256(-2)),
    },
  ];
}

const QUIET = { warn() {} };
/** @type {Record<string, Record<string, unknown>>} */
const results = {};
for (const { name, options, tokens } of cases()) {
  // A new authenticator each round: fresh tokens never meet a token verified before.
  results[name] = {
    promise: await rounds(() => {
      const jwt = new JwtAuthenticator(options);
      return (/** @type {string} */ token) => jwt.authenticate({ token });
    }, tokens),
    // What the gateway calls: the chain of the composition root, around the logged JWT.
    chain: await rounds(() => {
      const logged = new LoggedAuthenticator("jwt", new JwtAuthenticator(options), QUIET);
      const chain = new ChainAuthenticator([logged]);
      return (/** @type {string} */ token) => chain.authenticate({ token });
    }, tokens),
  };
  if (typeof JwtAuthenticator.prototype.authenticateSync === "function") {
    results[name].sync = await rounds(() => {
      const jwt = new JwtAuthenticator(options);
      return (/** @type {string} */ token) => {
        if (jwt.authenticateSync({ token }) === undefined) throw new Error("not synchronous");
      };
    }, tokens);
  }
  console.error(name, JSON.stringify(results[name]));
}

const report = {
  node: process.version,
  date: new Date().toISOString(),
  count: COUNT,
  rsaCount: RSA_COUNT,
  results,
};
if (args.json) await writeFile(args.json, `${JSON.stringify(report, null, 2)}\n`);
console.log(JSON.stringify(report, null, 2));
