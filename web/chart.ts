/** A line chart of recent samples on a <canvas>, drawn by hand: no chart library. */
export interface ChartOptions {
  color: string;
  /** How many samples the x axis holds (the newest is at the right edge). */
  capacity: number;
  /** Seconds between samples, for the axis labels. */
  intervalSeconds: number;
  /** The smallest gap between two grid lines: 1 for counts, so that no line reads 0.5. */
  minStep?: number;
  /** Format a y-axis value. */
  format?: (value: number) => string;
}

const PAD = { left: 44, right: 12, top: 10, bottom: 22 };
const GRID = "#e6e9ee";
const LABEL = "#68707a";

export function drawChart(
  canvas: HTMLCanvasElement,
  values: number[],
  options: ChartOptions,
): void {
  const { color, capacity, intervalSeconds, minStep = 0.25, format = String } = options;
  // Draw at the screen's resolution, whatever the CSS size.
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  if (width === 0 || height === 0) return;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  const ctx = canvas.getContext("2d");
  if (ctx === null) return;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);

  const plotWidth = width - PAD.left - PAD.right;
  const plotHeight = height - PAD.top - PAD.bottom;
  const step = Math.max(minStep, niceCeiling(Math.max(0, ...values) / 4));
  const max = step * 4;
  const x = (index: number): number =>
    PAD.left + plotWidth * ((capacity - values.length + index) / Math.max(1, capacity - 1));
  const y = (value: number): number => PAD.top + plotHeight * (1 - value / max);

  // Horizontal grid lines with their values.
  ctx.font = "11px system-ui, sans-serif";
  ctx.lineWidth = 1;
  ctx.textBaseline = "middle";
  ctx.textAlign = "right";
  for (let line = 0; line <= 4; line++) {
    const value = step * line;
    const lineY = Math.round(y(value)) + 0.5;
    ctx.strokeStyle = GRID;
    ctx.beginPath();
    ctx.moveTo(PAD.left, lineY);
    ctx.lineTo(width - PAD.right, lineY);
    ctx.stroke();
    ctx.fillStyle = LABEL;
    ctx.fillText(format(value), PAD.left - 6, lineY);
  }

  // Time labels: the span of the axis, its middle, now.
  const span = (capacity - 1) * intervalSeconds;
  ctx.textBaseline = "alphabetic";
  const bottom = height - 6;
  ctx.textAlign = "left";
  ctx.fillText(`−${span}s`, PAD.left, bottom);
  ctx.textAlign = "center";
  ctx.fillText(`−${span / 2}s`, PAD.left + plotWidth / 2, bottom);
  ctx.textAlign = "right";
  ctx.fillText("now", width - PAD.right, bottom);

  if (values.length === 0) return;
  // The area under the line, then the line.
  ctx.beginPath();
  ctx.moveTo(x(0), y(0));
  for (const [index, value] of values.entries()) ctx.lineTo(x(index), y(value));
  ctx.lineTo(x(values.length - 1), y(0));
  ctx.closePath();
  ctx.globalAlpha = 0.12;
  ctx.fillStyle = color;
  ctx.fill();
  ctx.globalAlpha = 1;
  ctx.beginPath();
  for (const [index, value] of values.entries()) {
    if (index === 0) ctx.moveTo(x(index), y(value));
    else ctx.lineTo(x(index), y(value));
  }
  ctx.strokeStyle = color;
  ctx.lineWidth = 2;
  ctx.lineJoin = "round";
  ctx.stroke();
}

/** The smallest 1, 2 or 5 × 10^n at or above `value`, for a readable axis. */
export function niceCeiling(value: number): number {
  if (value <= 0) return 0;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (value <= step * magnitude) return step * magnitude;
  return 10 * magnitude;
}
