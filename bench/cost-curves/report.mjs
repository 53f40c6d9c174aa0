// The cost curves' report: the Markdown block of docs/benchmarks.md's "Cost curves" section
// (one small table per curve, each under its chart) and the charts themselves, all from the
// run's JSON, so that `--render` redraws them from a saved run.
/** @import { CatchUpPoint } from "./catch-up.mjs" */
/** @import { FanoutPoint } from "./fanout-curve.mjs" */
/** @import { StoreReport } from "./store-curve.mjs" */
import { markdownTable } from "../lib.mjs";
import { lineChart } from "./svg-chart.mjs";

/**
 * @typedef {object} CurvesReport
 * @property {string} generatedAt
 * @property {boolean} quick
 * @property {{ node: string, cpus: number, cpuModel: string, postofficeVersion: string, loadAverage: number[] }} machine
 *   loadAverage: the 1-minute load when the run started (the machine is shared)
 * @property {{ members: number[], deliveries: number, fanoutDurationSeconds: number, catchUpMails: number[], storeMails: number, mailboxes: number[] }} settings
 * @property {FanoutPoint[]} [fanout]
 * @property {CatchUpPoint[]} [catchUp]
 * @property {StoreReport} [store]
 * @property {number} [seconds]
 * @property {string[]} [reduced] the options whose counts were not the full run's
 */

/** @param {number | null | undefined} v @param {number} [digits] */
const num = (v, digits = 0) =>
  v === null || v === undefined || !Number.isFinite(v)
    ? "—"
    : v.toLocaleString("en-US", { maximumFractionDigits: digits });

/**
 * Each chart of a report: its file name and SVG text.
 * @param {CurvesReport} report
 * @returns {Array<{ file: string, alt: string, svg: string }>}
 */
export function charts(report) {
  const out = [];
  const { fanout, catchUp, store } = report;
  /** @param {Array<number | null>} ys @param {number[]} xs @returns {Array<[number, number]>} */
  const pairs = (xs, ys) =>
    xs.flatMap((x, i) => {
      const y = ys[i];
      return y === null || y === undefined ? [] : [[x, y]];
    });
  if (fanout !== undefined && fanout.length > 0) {
    const members = fanout.map((p) => p.members);
    out.push({
      file: "cost-fanout-throughput.svg",
      alt: "fan-out deliveries per second at saturation by room size",
      svg: lineChart({
        title: "Fan-out at saturation",
        x: "members of the room",
        y: "deliveries/s",
        logX: true,
        series: [
          {
            name: "deliveries/s",
            points: pairs(
              members,
              fanout.map((p) => p.deliveriesPerSecond),
            ),
          },
        ],
      }),
    });
    out.push({
      file: "cost-fanout-latency.svg",
      alt: "fan-out p50 and p99 latency by room size at equal deliveries per second",
      svg: lineChart({
        title: `Fan-out latency at ${num(report.settings.deliveries)} deliveries/s`,
        x: "members of the room",
        y: "ms, publish to delivery",
        logX: true,
        series: [
          {
            name: "p99",
            points: pairs(
              members,
              fanout.map((p) => p.p99Ms),
            ),
          },
          {
            name: "p50",
            points: pairs(
              members,
              fanout.map((p) => p.p50Ms),
            ),
          },
        ],
      }),
    });
  }
  if (catchUp !== undefined && catchUp.length > 0)
    out.push({
      file: "cost-catch-up.svg",
      alt: "catch-up rate in mails per second by mails waiting",
      svg: lineChart({
        title: "Catch-up on connect (SQLite, SDK client)",
        x: "mails waiting",
        y: "mails/s",
        logX: true,
        series: [
          { name: "handed to the client", points: catchUp.map((p) => [p.mails, p.mailsPerSecond]) },
          {
            name: "acknowledgements stored",
            points: catchUp.map((p) => [p.mails, Math.round(p.mails / (p.flushedMs / 1000))]),
          },
        ],
      }),
    });
  if (store !== undefined) {
    const sizes = store.sizes;
    if (sizes.length > 0) {
      out.push({
        file: "cost-store-size.svg",
        alt: "SQLite database size as mail is delivered and acknowledged",
        svg: lineChart({
          title: "SQLite database as mail is delivered and acknowledged",
          x: "mails delivered and acknowledged",
          y: "MB",
          series: [
            { name: "file + WAL", points: sizes.map((s) => [s.mails, s.fileMB]) },
            { name: "log (mail, receipts, indexes)", points: sizes.map((s) => [s.mails, s.logMB]) },
            { name: "idempotency keys kept", points: sizes.map((s) => [s.mails, s.keysMB]) },
          ],
        }),
      });
      out.push({
        file: "cost-store-bytes.svg",
        alt: "bytes per stored log entry and per kept idempotency key",
        svg: lineChart({
          title: "Bytes per stored entry",
          x: "mails delivered and acknowledged",
          y: "bytes",
          series: [
            {
              name: "per log entry (with its indexes)",
              points: sizes.map((s) => [s.mails, s.bytesPerEntry]),
            },
            {
              name: "per kept idempotency key",
              points: sizes.filter((s) => s.keptKeys > 0).map((s) => [s.mails, s.bytesPerKey]),
            },
          ],
        }),
      });
    }
    if (store.heads.length > 0)
      out.push({
        file: "cost-mailbox-heads.svg",
        alt: "heap of mailbox heads by count of mailboxes",
        svg: lineChart({
          title: "Heap of mailboxes with one waiting mail each",
          x: "mailboxes",
          y: "MB of heap",
          logX: store.heads.length > 2,
          series: [{ name: "heap MB", points: store.heads.map((h) => [h.mailboxes, h.heapMB]) }],
        }),
      });
  }
  return out;
}

/**
 * The Markdown block: the run's line, then each curve's chart and table.
 * @param {CurvesReport} report
 * @param {string} chartDir the charts' directory, relative to the page
 */
export function renderMarkdown(report, chartDir) {
  const { machine: m, fanout, catchUp, store } = report;
  const images = new Map(charts(report).map((c) => [c.file, `![${c.alt}](${chartDir}/${c.file})`]));
  /** @param {string} file */
  const image = (file) => images.get(file) ?? "";
  const parts = [
    `Run of ${report.generatedAt.slice(0, 10)}: Node ${m.node}, ${m.cpus} cores (${m.cpuModel}), ` +
      `Postoffice ${m.postofficeVersion}; load average ${num(m.loadAverage[0], 2)} when it started` +
      `${report.quick ? " (`--quick`: small counts)" : ""}; ${num(report.seconds)} s in all.` +
      (report.reduced !== undefined && report.reduced.length > 0
        ? ` Counts other than the full run's: ${report.reduced.join(", ")}.`
        : ""),
  ];
  if (fanout !== undefined && fanout.length > 0)
    parts.push(
      `**Fan-out by room size** (one publisher, a fresh server per size, rooms without presence events; saturation, then paced at ${num(report.settings.deliveries)} deliveries/s for every size):`,
      `${image("cost-fanout-throughput.svg")} ${image("cost-fanout-latency.svg")}`,
      markdownTable(
        fanout.map((p) => ({
          members: num(p.members),
          "deliveries/s at saturation": num(p.deliveriesPerSecond),
          "per server CPU-second": num(p.deliveriesPerServerCpuSecond),
          "paced: publishes/s": num(p.publishesPerSecond),
          "paced: deliveries/s": num(p.pacedDeliveriesPerSecond),
          "p50 ms": num(p.p50Ms, 2),
          "p99 ms": num(p.p99Ms, 2),
          "connect and join all, s": num(p.joinSeconds, 1),
        })),
      ),
    );
  if (catchUp !== undefined && catchUp.length > 0)
    parts.push(
      "**Catch-up on connect** (SQLite store, `synchronous: full`; the SDK client acknowledges each mail after its listener):",
      image("cost-catch-up.svg"),
      markdownTable(
        catchUp.map((p) => ({
          "mails waiting": num(p.mails),
          "mails/s": num(p.mailsPerSecond),
          "welcome, ms": num(p.welcomeMs, 1),
          "first mail, ms": num(p.firstMailMs, 1),
          "last mail, ms": num(p.lastMailMs, 1),
          "acks stored, ms": num(p.flushedMs, 1),
          "acked mails/s": num(p.mails / (p.flushedMs / 1000)),
          "server CPU, s": num(p.serverCpuSeconds, 2),
          "client CPU, s": num(p.clientCpuSeconds, 2),
          "filled at, mails/s": num(p.fillMailsPerSecond),
        })),
      ),
    );
  if (store !== undefined && store.sizes.length > 0) {
    // A few readings of the many: five spread over the run, and the last.
    const step = Math.max(1, Math.floor(store.sizes.length / 5));
    const shown = store.sizes.filter(
      (_, i) => (i + 1) % step === 0 || i === store.sizes.length - 1,
    );
    parts.push(
      `**SQLite database as ${num(store.mails)} mails are delivered and acknowledged** (${store.pairs} pairs, at most ${num(store.maxMessages)} entries a mailbox; the sweep compacts every 10,000 mails; in process, bench/mailbox-store-size.mjs):`,
      `${image("cost-store-size.svg")} ${image("cost-store-bytes.svg")}`,
      markdownTable(
        [...new Set(shown)].map((s) => ({
          "mails delivered": num(s.mails),
          "log entries": num(s.entries),
          "file + WAL, MB": num(s.fileMB, 2),
          "pages used, MB": num(s.usedMB, 2),
          "log, MB": num(s.logMB, 2),
          "B per entry": num(s.bytesPerEntry),
          "kept keys": num(s.keptKeys),
          "keys, MB": num(s.keysMB, 2),
          "B per key": num(s.bytesPerKey),
        })),
      ),
    );
  }
  if (store !== undefined && store.heads.length > 0)
    parts.push(
      "**Mailboxes with one waiting mail each** (heads read into memory, heap after a full GC; in process):",
      image("cost-mailbox-heads.svg"),
      markdownTable(
        store.heads.map((h) => ({
          mailboxes: num(h.mailboxes),
          "heap, MB": num(h.heapMB, 2),
          "B per mailbox": num(h.headBytes),
        })),
      ),
    );
  return parts.join("\n\n");
}
