// The options of the side-by-side benchmark: those of the whole run here, each scenario's own
// (with its default and `--quick` values) from its file; parsed and checked before anything
// starts. Options that do not fit stop the run with a message and exit status 64.
/** @import { ParseArgsConfig } from "node:util" */
/** @import { ServerKind } from "./servers.mjs" */
/** @import { ParseMode } from "./clients/frame-reading.mjs" */
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

/** The repository (or the installed package): where results and docs are written. */
export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export const EXIT_USAGE = 64;

/**
 * A numeric option: its default, its default with `--quick` (if other), and whether it takes
 * a comma-separated list of positive numbers.
 * @typedef {{ full: string, quick?: string, list?: boolean }} OptionDefault
 */

/** @type {Record<string, OptionDefault>} */
const RUN_OPTIONS = {
  generators: { full: "2" },
  warmup: { full: "1", quick: "0.5" },
  "max-seconds": { full: "900", quick: "120" },
};

/** @type {ServerKind[]} */
const SERVER_KINDS = ["postoffice", "ws", "socketio"];

/**
 * @typedef {object} Options
 * @property {boolean} quick
 * @property {string[]} scenarios the scenarios to run, in the registry's order
 * @property {boolean} only whether --only chose them
 * @property {ServerKind[]} servers
 * @property {URL | undefined} url a running Postoffice to measure (--url)
 * @property {string | undefined} secret with --url: to sign its users' JWTs
 * @property {boolean} anonymous
 * @property {number | undefined} pid
 * @property {"wire" | "official"} sioClient
 * @property {ParseMode} parse
 * @property {string} json "" for none
 * @property {string} markdown "" for none
 * @property {string | undefined} docs the page whose generated section the run rewrites
 * @property {string | undefined} render a report to render instead of a run
 * @property {boolean} quiet
 * @property {string | undefined} profile
 * @property {number} generators
 * @property {number} warmupMs
 * @property {number} maxSeconds
 * @property {(name: string) => number} number a numeric option's value
 * @property {(name: string) => number[]} list a list option's values
 */

/**
 * @param {string} message
 * @returns {never}
 */
export function usage(message) {
  console.error(`side-by-side: ${message}`);
  process.exit(EXIT_USAGE);
}

/**
 * @param {string[]} argv
 * @param {string[]} scenarioNames every scenario, in the registry's order
 * @param {Record<string, OptionDefault>} scenarioOptions every scenario's numeric options
 * @returns {Options}
 */
export function parseOptions(argv, scenarioNames, scenarioOptions) {
  const numeric = { ...RUN_OPTIONS, ...scenarioOptions };
  /** @type {NonNullable<ParseArgsConfig["options"]>} */
  const config = {
    ...Object.fromEntries(Object.keys(numeric).map((key) => [key, { type: "string" }])),
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    servers: { type: "string" },
    url: { type: "string" },
    secret: { type: "string" },
    anonymous: { type: "boolean", default: false },
    pid: { type: "string" },
    "sio-client": { type: "string", default: "wire" },
    parse: { type: "string", default: "light" },
    json: { type: "string" },
    markdown: { type: "string" },
    docs: { type: "string" },
    "no-docs": { type: "boolean", default: false },
    render: { type: "string" },
    quiet: { type: "boolean", default: false },
    profile: { type: "string" },
  };
  /** @type {Record<string, string | boolean | undefined>} */
  let args;
  try {
    args = /** @type {Record<string, string | boolean | undefined>} */ (
      parseArgs({ args: argv, options: config }).values
    );
  } catch (error) {
    usage(error instanceof Error ? error.message : String(error));
  }
  /** @param {string} name */
  const text = (name) => {
    const value = args[name];
    return typeof value === "string" ? value : undefined;
  };
  const quick = args.quick === true;
  /** @param {string} name */
  const raw = (name) => {
    const preset = numeric[name];
    if (preset === undefined) throw new Error(`no option --${name}`);
    return text(name) ?? (quick ? (preset.quick ?? preset.full) : preset.full);
  };
  /** @param {string} name */
  const list = (name) =>
    raw(name)
      .split(",")
      .map((item) => Number(item.trim()));
  for (const [name, preset] of Object.entries(numeric))
    if (preset.list) {
      const values = list(name);
      if (values.length === 0 || !values.every((v) => Number.isFinite(v) && v > 0))
        usage(`--${name} takes positive numbers, comma-separated`);
    }

  const url = text("url");
  const byUrl = url === undefined ? undefined : targetUrl(url, args);
  const anonymous = args.anonymous === true;
  const secret = text("secret") ?? process.env.POSTOFFICE_JWT_SECRET;
  if (byUrl !== undefined) {
    if (anonymous && text("secret") !== undefined) usage("give --secret or --anonymous, not both");
    if (!anonymous && !secret)
      usage(
        "say how the users authenticate: --secret S (or POSTOFFICE_JWT_SECRET), the server's HS256 JWT secret, or --anonymous for a server in anonymous mode",
      );
  }
  const pidText = text("pid");
  const pid = pidText === undefined ? undefined : Number(pidText);
  if (pid !== undefined && !(Number.isInteger(pid) && pid > 0))
    usage(`--pid must be a process id (got ${pidText})`);
  if (byUrl === undefined && (text("secret") !== undefined || anonymous || pid !== undefined))
    usage("--secret, --anonymous and --pid go with --url");

  const only = text("only");
  const chosen = (only ?? scenarioNames.join(",")).split(",").map((s) => s.trim());
  for (const s of chosen) if (!scenarioNames.includes(s)) usage(`unknown scenario ${s}`);
  const servers = (byUrl === undefined ? (text("servers") ?? SERVER_KINDS.join(",")) : "postoffice")
    .split(",")
    .map((s) => s.trim());
  const unknownServer = servers.find((s) => !SERVER_KINDS.some((kind) => kind === s));
  if (unknownServer !== undefined) usage(`unknown server ${unknownServer}`);
  const parse = text("parse");
  if (parse !== "light" && parse !== "full") usage(`--parse is light or full (got ${parse})`);
  const sioClient = text("sio-client") === "official" ? "official" : "wire";

  const docs =
    byUrl !== undefined
      ? undefined
      : (text("docs") ??
        (quick || args["no-docs"] === true ? undefined : `${ROOT}docs/benchmarks.md`));
  return {
    quick,
    scenarios: scenarioNames.filter((name) => chosen.includes(name)),
    only: only !== undefined,
    servers: /** @type {ServerKind[]} */ (servers),
    url: byUrl,
    secret: anonymous ? undefined : secret,
    anonymous,
    pid,
    sioClient,
    parse,
    // A run against a server by URL writes no files unless asked to.
    json: text("json") ?? (byUrl !== undefined ? "" : `${ROOT}bench/results/side-by-side.json`),
    markdown:
      text("markdown") ?? (byUrl !== undefined ? "" : `${ROOT}bench/results/side-by-side.md`),
    docs,
    render: text("render"),
    quiet: args.quiet === true,
    profile: text("profile"),
    generators: Math.max(1, Number(raw("generators"))),
    warmupMs: Number(raw("warmup")) * 1000,
    maxSeconds: Number(raw("max-seconds")),
    number: (name) => Number(raw(name)),
    list,
  };
}

/**
 * --url: a ws:// or wss:// URL, and none of the options that only go with servers started here.
 * @param {string} text
 * @param {Record<string, string | boolean | undefined>} args
 */
function targetUrl(text, args) {
  /** @type {URL | undefined} */
  let url;
  try {
    url = new URL(text);
  } catch {
    usage(`--url is not a URL: ${text}`);
  }
  if (url.protocol !== "ws:" && url.protocol !== "wss:")
    usage(`--url must be a ws:// or wss:// URL (got ${text})`);
  if (args.servers !== undefined)
    usage("--url measures the server at that URL only: leave out --servers");
  if (args.docs !== undefined) usage("--url never writes the docs page: leave out --docs");
  return url;
}
