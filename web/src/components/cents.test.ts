import { describe, expect, it } from "vitest";
import { fromCents, isZero, sumAmounts, sumCents, toCents } from "./cents";

describe("cents", () => {
  it("reads plain amounts exactly", () => {
    expect(toCents("12.5")).toBe(1250n);
    expect(toCents("12.50")).toBe(1250n);
    expect(toCents("12.500")).toBe(1250n);
    expect(toCents(" 7 ")).toBe(700n);
    expect(toCents("-3.05")).toBe(-305n);
    expect(toCents("90071992547409.93")).toBe(9007199254740993n); // beyond a double's integers
  });

  it("refuses what is not a plain amount", () => {
    for (const bad of ["", "abc", "1.005", "1e3", "1,50", "--1", null, undefined]) expect(toCents(bad)).toBeNull();
  });

  it("writes cents back as decimal strings", () => {
    expect(fromCents(123456n)).toBe("1234.56");
    expect(fromCents(-5n)).toBe("-0.05");
    expect(fromCents(0n)).toBe("0.00");
  });

  it("adds without binary rounding", () => {
    // 0.1 + 0.2 in floating point is 0.30000000000000004.
    expect(sumAmounts(["0.10", "0.20"])).toBe("0.30");
    expect(sumCents(["19.99", "0.01", "-20.00"])).toBe(0n);
    expect(isZero("0.00")).toBe(true);
    expect(isZero("0.01")).toBe(false);
  });
});
