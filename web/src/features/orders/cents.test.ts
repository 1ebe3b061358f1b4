import { describe, expect, it } from "vitest";
import { fromCents, parseDecimal, roundToCents } from "../../lib/decimal";
import { lineFigures, sumLines } from "./cents";

describe("order line arithmetic (the server's rule: net and tax rounded half-up per line)", () => {
  it("prices a line to the cent", () => {
    // 12.35 × 2 = 24.70; 7.5 % of it is 1.8525 → 1.85.
    expect(lineFigures("12.35", "0.075", 2)).toEqual({ net: 2470n, tax: 185n });
  });

  it("rounds a tie up, where a float would not", () => {
    // 1.005 is 1.00499999999999989… as a double; half-up on the decimal gives 1.01.
    expect(roundToCents(parseDecimal("1.005")!)).toBe(101n);
    // 0.05 × 10 % = 0.005 → 0.01.
    expect(lineFigures("0.05", "0.10", 1)).toEqual({ net: 5n, tax: 1n });
  });

  it("prices a unit price with more than two decimals per line, not per unit", () => {
    // 0.333 × 3 = 0.999 → 1.00 (per unit it would be 0.33 × 3 = 0.99).
    expect(lineFigures("0.333", "0", 3).net).toBe(100n);
  });

  it("counts a bad quantity as nothing", () => {
    expect(lineFigures("10.00", "0.20", 0)).toEqual({ net: 0n, tax: 0n });
    expect(lineFigures("10.00", "0.20", 1.5)).toEqual({ net: 0n, tax: 0n });
  });

  it("sums lines into the order's totals", () => {
    const totals = sumLines([lineFigures("189.00", "0.20", 2), lineFigures("24.99", "0.20", 1)]);
    expect([fromCents(totals.subtotal), fromCents(totals.tax), fromCents(totals.total)]).toEqual(["402.99", "80.60", "483.59"]);
  });
});
