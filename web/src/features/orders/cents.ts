// Live form totals in integer cents. Amounts and rates arrive as decimal strings; they are
// read digit by digit into BigInt so no binary-float rounding can creep into a displayed sum.
// The server recomputes everything on submit and its figures are the ones that count.
// (components/cents.ts turns cents back into a decimal string.)

interface Decimal {
  digits: bigint; // the value times 10^scale
  scale: number;
}

function parse(value: string): Decimal {
  const text = value.trim();
  const match = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (!match || (match[2] === "" && !match[3])) return { digits: 0n, scale: 0 };
  const sign = match[1] === "-" ? -1n : 1n;
  const whole = match[2] || "0";
  const fraction = match[3] ?? "";
  return { digits: sign * BigInt(whole + fraction), scale: fraction.length };
}

const pow10 = (n: number): bigint => 10n ** BigInt(n);

/** NUMERATOR / DENOMINATOR rounded half-up (away from zero on a tie), as the server's ROUND_HALF_UP. */
function divideHalfUp(numerator: bigint, denominator: bigint): bigint {
  const negative = numerator < 0n !== denominator < 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  const q = (n * 2n + d) / (d * 2n);
  return negative ? -q : q;
}

/** A decimal string as whole cents, rounded half-up. */
export function toCents(value: string): bigint {
  const { digits, scale } = parse(value);
  return scale <= 2 ? digits * pow10(2 - scale) : divideHalfUp(digits, pow10(scale - 2));
}

export interface LineFigures {
  net: bigint;
  tax: bigint;
}

/** One line as the server prices it: net = price × qty to the cent, tax = net × rate to the cent. */
export function lineFigures(price: string, taxRate: string, qty: number): LineFigures {
  const quantity = Number.isSafeInteger(qty) && qty > 0 ? BigInt(qty) : 0n;
  const unit = parse(price);
  const net = divideHalfUp(unit.digits * quantity * 100n, pow10(unit.scale));
  const rate = parse(taxRate);
  const tax = divideHalfUp(net * rate.digits, pow10(rate.scale));
  return { net, tax };
}

export interface Totals {
  subtotal: bigint;
  tax: bigint;
  total: bigint;
}

export function sumLines(lines: LineFigures[]): Totals {
  let subtotal = 0n;
  let tax = 0n;
  for (const line of lines) {
    subtotal += line.net;
    tax += line.tax;
  }
  return { subtotal, tax, total: subtotal + tax };
}
