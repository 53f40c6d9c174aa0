// A run of the side-by-side benchmark: plans every scenario chosen, runs their steps one after
// the other (each against a fresh server, or the one at --url), bounded by --max-seconds, and
// writes the report: the table on stdout, the JSON and Markdown files, the docs section.
// Returns the exit status: 0, or 3 when the server refused part of the load.
/** @import { Options } from "./options.mjs" */
/** @import { RunReport } from "./report/run-report.mjs" */
/** @import { Step } from "./scenarios/scenario.mjs" */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { cpus } from "node:os";
import { dirname, resolve } from "node:path";
import { ROOT, usage } from "./options.mjs";
import { formatInRepo, updateDocs } from "./report/docs-section.mjs";
import { explainRefusals, Refused, refusalText } from "./report/refusals.mjs";
import { renderMarkdown } from "./report.mjs";
import { Run } from "./run.mjs";
import { SCENARIOS } from "./scenarios/index.mjs";
import { SERVER_LABELS } from "./servers.mjs";
import { probeTarget } from "./target.mjs";

export const EXIT_REFUSED = 3;

/**
 * A package's version, wherever it is installed (undefined if it is not).
 * @param {string} name
 * @returns {string | undefined}
 */
function packageVersion(name) {
  try {
    return createRequire(import.meta.url)(`${name}/package.json`).version;
  } catch {
    return undefined;
  }
}

/**
 * @param {Options} options
 * @returns {Promise<number>}
 */
export async function runSideBySide(options) {
  const run = new Run(options);
  const overrun = setTimeout(() => {
    console.error(`side-by-side: over --max-seconds ${options.maxSeconds}; stopping`);
    run.killAll();
    process.exit(2);
  }, options.maxSeconds * 1000);
  overrun.unref();
  process.once("SIGINT", () => {
    run.killAll();
    process.exit(130);
  });

  /** @type {RunReport} */
  const report = {
    generatedAt: new Date().toISOString(),
    quick: options.quick,
    machine: {
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim() ?? "unknown",
      postofficeVersion: JSON.parse(await readFile(`${ROOT}package.json`, "utf8")).version,
      socketIoVersion: options.url === undefined ? packageVersion("socket.io") : undefined,
      wsVersion: packageVersion("ws"),
    },
    settings: {
      generators: options.generators,
      warmupSeconds: options.warmupMs / 1000,
      socketIoClient: options.sioClient === "wire" ? "wire protocol over ws" : "socket.io-client",
      sourceAddresses: run.spread ? "127.0.0.2–127.0.0.202" : "the system's",
      parse: options.parse,
    },
  };
  let chosen = SCENARIOS.filter((s) => options.scenarios.includes(s.name));
  if (options.url !== undefined) {
    const url = options.url;
    const probe = await probeTarget(url, {
      kind: run.clientKindOf("postoffice"),
      secret: options.secret,
      pid: options.pid,
      user: `${run.id}-probe`,
    });
    if (probe.refusal !== undefined) {
      const [first] = explainRefusals({ opens: { [probe.refusal]: 1 } });
      const hint = first?.hint === undefined ? "" : ` → ${first.hint}`;
      console.error(
        `side-by-side: could not open a connection to ${url} as a benchmark user: ${probe.refusal}${hint}`,
      );
      process.exit(1);
    }
    if (!probe.hasMemory && chosen.some((s) => s.name === "idle")) {
      if (options.only)
        usage(
          `idle memory needs the server's /metrics (${probe.http}/metrics, with metrics.processMetrics on): not reachable`,
        );
      chosen = chosen.filter((s) => s.name !== "idle");
      run.log(
        `side-by-side: idle memory left out: ${probe.http}/metrics has no process memory readings`,
      );
    }
    run.target = probe.server;
    report.target = {
      url: url.toString(),
      auth: options.anonymous ? "anonymous" : "jwt",
      pid: options.pid,
      version: probe.version,
      memoryFrom: options.pid === undefined ? "/metrics" : "/proc (RSS) and /metrics (heap)",
    };
  }

  /** @type {Step[]} */
  const steps = [];
  for (const scenario of chosen) {
    const plan = scenario.plan(run);
    report[scenario.name] = plan.section;
    steps.push(...plan.steps);
  }
  const against =
    options.url === undefined
      ? options.servers.map((s) => SERVER_LABELS[s]).join(", ")
      : options.url.toString();
  run.log(
    `side-by-side: ${steps.length} steps (${chosen.map((s) => s.name).join(", ")}) against ${against}; ` +
      `${options.generators} generator processes; bounded at ${options.maxSeconds} s`,
  );
  /** @type {string[]} */
  const refused = [];
  for (const [i, step] of steps.entries()) {
    run.log(`[${i + 1}/${steps.length}] ${step.scenario} · ${step.label} (${run.elapsed()})`);
    try {
      step.record(await step.run());
    } catch (error) {
      if (!(error instanceof Refused)) throw error;
      // No figure from this step: the refusals would have made it wrong.
      step.record({ refused: error.refusals });
      refused.push(`  - ${step.scenario} · ${step.label}: ${refusalText(error.refusals)}`);
      run.log(`      refused by the server: ${error.message}`);
    }
  }
  report.seconds = Math.round((performance.now() - run.started) / 1000);

  const block = renderMarkdown(report);
  console.log(block);
  const written = [];
  for (const [path, text] of [
    [options.json, `${JSON.stringify(report, null, 2)}\n`],
    [options.markdown, `${block}\n`],
  ])
    if (path !== undefined && path !== "") {
      await mkdir(dirname(resolve(path)), { recursive: true });
      await writeFile(resolve(path), text ?? "");
      written.push(path);
    }
  if (options.docs !== undefined) {
    await updateDocs(resolve(options.docs), block);
    written.push(options.docs);
  }
  formatInRepo(ROOT, written, (message) => run.log(message));
  run.log(`side-by-side: done in ${run.elapsed()}`);
  if (refused.length === 0) return 0;
  console.error(
    `side-by-side: the server refused part of the load; these steps have no figures:\n${refused.join("\n")}`,
  );
  return EXIT_REFUSED;
}

/**
 * --render: the table (and the docs section, unless --quick or --no-docs) from a report's JSON.
 * @param {Options} options
 * @param {string} path
 */
export async function renderFile(options, path) {
  const report = /** @type {RunReport} */ (JSON.parse(await readFile(path, "utf8")));
  const block = renderMarkdown(report);
  console.log(block);
  if (options.docs !== undefined) {
    await updateDocs(resolve(options.docs), block);
    formatInRepo(ROOT, [options.docs], (message) => console.error(message));
  }
}
