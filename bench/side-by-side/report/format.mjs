// How figures are written in the report: numbers with thousands separators, ratios as `4.41×`.

/**
 * @param {number | null | undefined} value
 * @param {number} [digits]
 */
export const num = (value, digits = 0) => {
  if (value === undefined || value === null || Number.isNaN(value)) return "—";
  return value.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
};

/**
 * a ÷ b, when both are known and b is not 0.
 * @param {number | null | undefined} a
 * @param {number | null | undefined} b
 */
export const ratio = (a, b) =>
  a === undefined ||
  a === null ||
  b === undefined ||
  b === null ||
  !Number.isFinite(a) ||
  !Number.isFinite(b) ||
  b === 0
    ? undefined
    : a / b;

/** @param {number | undefined} value */
export const times = (value) => {
  if (value === undefined) return "—";
  if (value >= 0.1) return `${num(value, value >= 10 ? 1 : 2)}×`;
  return `${value.toPrecision(2)}×`;
};
