// A line chart as a small standalone SVG: one or more series of points, x on a linear or a
// logarithmic scale, y linear from zero, each point labelled with its value. Hand-written
// (about a hundred lines) rather than a charting library: the cost curves need only this, and
// a file that renders the same in a browser, on GitHub and in an editor, with no script.

/**
 * @typedef {object} Series
 * @property {string} name
 * @property {Array<[number, number]>} points [x, y], in order of x
 */

/**
 * @typedef {object} Chart
 * @property {string} title
 * @property {string} x the x axis's label
 * @property {string} y the y axis's label
 * @property {Series[]} series
 * @property {boolean} [logX] x on a logarithmic scale (room sizes, counts of mail)
 */

const W = 640;
const H = 360;
const M = { left: 78, right: 24, top: 44, bottom: 58 };
const COLOURS = ["#1f6feb", "#d1242f", "#1a7f37", "#9a6700", "#8250df"];

/** @param {string} text */
const xmlText = (text) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/**
 * 1,234,567 as "1.23M", 12,345 as "12.3k": labels short enough for a small chart.
 * @param {number} value
 */
export function shortNumber(value) {
  const abs = Math.abs(value);
  /** @param {number} v @param {string} unit */
  const fmt = (v, unit) => `${Number(v.toPrecision(3))}${unit}`;
  if (abs >= 1e6) return fmt(value / 1e6, "M");
  if (abs >= 1e3) return fmt(value / 1e3, "k");
  return String(Number(value.toPrecision(3)));
}

/**
 * Round steps for an axis from 0 to `max`: 1, 2 or 5 × a power of ten, about five of them.
 * @param {number} max
 */
function ticks(max) {
  if (!(max > 0)) return [0, 1];
  const raw = max / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
  const out = [];
  for (let v = 0; v < max + step; v += step) out.push(v);
  return out;
}

/**
 * @param {Chart} chart
 * @returns {string} the SVG document
 */
export function lineChart({ title, x, y, series, logX = false }) {
  const points = series.flatMap((s) => s.points).filter(([a, b]) => Number.isFinite(a + b));
  const xs = points.map(([a]) => a);
  const yTicks = ticks(Math.max(0, ...points.map(([, b]) => b)));
  const yMax = yTicks.at(-1) ?? 1;
  /** @param {number} v */
  const fx = logX ? Math.log10 : (/** @type {number} */ v) => v;
  let x0 = fx(Math.min(...xs));
  let x1 = fx(Math.max(...xs));
  if (!Number.isFinite(x0) || !Number.isFinite(x1)) [x0, x1] = [0, 1];
  if (x1 === x0) [x0, x1] = [x0 - 1, x1 + 1];
  const pad = (x1 - x0) * 0.06;
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  /** @param {number} v */
  const px = (v) => M.left + ((fx(v) - x0 + pad) / (x1 - x0 + 2 * pad)) * plotW;
  /** @param {number} v */
  const py = (v) => M.top + plotH - (v / yMax) * plotH;
  const r = (/** @type {number} */ v) => v.toFixed(1);

  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12" role="img">`,
    `<title>${xmlText(title)}</title>`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${W / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${xmlText(title)}</text>`,
  ];
  for (const t of yTicks) {
    out.push(
      `<line x1="${M.left}" x2="${W - M.right}" y1="${r(py(t))}" y2="${r(py(t))}" stroke="#d0d7de"/>`,
      `<text x="${M.left - 6}" y="${r(py(t) + 4)}" text-anchor="end">${shortNumber(t)}</text>`,
    );
  }
  // The points' own x when they are few (room sizes), round steps when they are many.
  const distinct = [...new Set(xs)].sort((a, b) => a - b);
  const xTicks = distinct.length <= 8 || logX ? distinct : ticks(Math.max(...distinct)).slice(1);
  for (const v of xTicks)
    out.push(
      `<text x="${r(px(v))}" y="${H - M.bottom + 18}" text-anchor="middle">${shortNumber(v)}</text>`,
    );
  out.push(
    `<line x1="${M.left}" x2="${W - M.right}" y1="${H - M.bottom}" y2="${H - M.bottom}" stroke="#57606a"/>`,
    `<text x="${M.left + plotW / 2}" y="${H - 14}" text-anchor="middle">${xmlText(x)}${logX ? " (log scale)" : ""}</text>`,
    `<text transform="translate(18 ${M.top + plotH / 2}) rotate(-90)" text-anchor="middle">${xmlText(y)}</text>`,
  );
  series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const valid = s.points.filter(([a, b]) => Number.isFinite(a + b));
    const path = valid.map(([a, b]) => `${r(px(a))},${r(py(b))}`).join(" ");
    out.push(`<polyline points="${path}" fill="none" stroke="${colour}" stroke-width="2"/>`);
    // Every point labelled when there are few; the last only when the line is dense.
    valid.forEach(([a, b], k) => {
      out.push(`<circle cx="${r(px(a))}" cy="${r(py(b))}" r="3.5" fill="${colour}"/>`);
      if (valid.length <= 8 || k === valid.length - 1)
        out.push(
          `<text x="${r(px(a))}" y="${r(py(b) - 8)}" text-anchor="middle" fill="${colour}">${shortNumber(b)}</text>`,
        );
    });
    if (series.length > 1)
      out.push(
        `<rect x="${M.left + 10}" y="${M.top + 4 + i * 18}" width="12" height="4" fill="${colour}"/>`,
        `<text x="${M.left + 28}" y="${M.top + 10 + i * 18}">${xmlText(s.name)}</text>`,
      );
  });
  out.push("</svg>", "");
  return out.join("\n");
}
