// Live form totals in integer cents, priced by the server's rule. Amounts and rates arrive
// as decimal strings and are read by lib/decimal.ts, so no binary-float rounding can creep
// into a displayed sum. The server recomputes everything on submit and its figures count.
import { divideHalfUp, parseDecimal, type Decimal } from "../../lib/decimal";

const ZERO: Decimal = { digits: 0n, scale: 0 };

export interface LineFigures {
  net: bigint;
  tax: bigint;
}

/** One line as the server prices it: net = price × qty to the cent, tax = net × rate to the cent. */
export function lineFigures(price: string, taxRate: string, qty: number): LineFigures {
  const quantity = Number.isSafeInteger(qty) && qty > 0 ? BigInt(qty) : 0n;
  const unit = parseDecimal(price) ?? ZERO;
  const net = divideHalfUp(unit.digits * quantity * 100n, 10n ** BigInt(unit.scale));
  const rate = parseDecimal(taxRate) ?? ZERO;
  const tax = divideHalfUp(net * rate.digits, 10n ** BigInt(rate.scale));
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
