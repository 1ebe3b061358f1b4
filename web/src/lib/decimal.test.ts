import { describe, expect, it } from "vitest";
import {
  decimalInput,
  decimalText,
  fractionToPercent,
  fromCents,
  isZero,
  movePoint,
  parseDecimal,
  percentToFraction,
  roundToCents,
  sumAmounts,
  sumCents,
  toCents,
} from "./decimal";

const text = (value: string, locale?: string) => {
  const parsed = parseDecimal(value, locale);
  return parsed === null ? null : decimalText(parsed);
};

describe("parseDecimal, the server's form", () => {
  it("keeps every digit and the scale", () => {
    expect(parseDecimal("12.50")).toEqual({ digits: 1250n, scale: 2 });
    expect(parseDecimal("90071992547409.93")).toEqual({ digits: 9007199254740993n, scale: 2 }); // beyond a double's integers
    expect(parseDecimal(" 7 ")).toEqual({ digits: 7n, scale: 0 });
    expect(parseDecimal(".5")).toEqual({ digits: 5n, scale: 1 });
    expect(parseDecimal("5.")).toEqual({ digits: 5n, scale: 0 });
  });

  it("reads negatives", () => {
    expect(parseDecimal("-3.05")).toEqual({ digits: -305n, scale: 2 });
    expect(text("-0.5")).toBe("-0.5");
    expect(text("+4")).toBe("4");
  });

  it("refuses what is not a plain number, and empty text", () => {
    for (const bad of ["", "   ", "-", ".", "abc", "1e3", "--1", "1.2.3", "1,50", "1 000", null, undefined]) {
      expect(parseDecimal(bad)).toBeNull();
    }
  });
});

describe("parseDecimal, typed in a locale", () => {
  it("takes the comma as the decimal point where the locale writes one", () => {
    expect(text("12,5", "de-DE")).toBe("12.5");
    expect(text("1.234,56", "de-DE")).toBe("1234.56");
    expect(text("-0,75", "de-DE")).toBe("-0.75");
    expect(text("\u22120,75", "de-DE")).toBe("-0.75"); // the typographic minus
    expect(text("1 234,5", "fr-FR")).toBe("1234.5");
    expect(text("1\u202f234,5", "fr-FR")).toBe("1234.5");
  });

  it("takes the comma as a thousands separator where the locale groups with it", () => {
    expect(text("1,234.5", "en-GB")).toBe("1234.5");
    expect(text("1,234,567", "en-US")).toBe("1234567");
    expect(text("-1,234.5", "en-US")).toBe("-1234.5");
  });

  it("reads a point as a thousands separator where the locale groups with it", () => {
    expect(text("1.234", "de-DE")).toBe("1234");
    // A point is a decimal point where the locale does not group with one.
    expect(text("12.5", "fr-FR")).toBe("12.5");
  });

  it("still reads the server's form, so a prefilled amount stays readable", () => {
    expect(text("1436.40", "de-DE")).toBe("1436.40");
    expect(text("0.5", "de-DE")).toBe("0.5");
  });

  it("refuses misplaced separators and empty text", () => {
    for (const bad of ["", "12,5.0", "1,23", "12,34,5", ",234", "1,,234"]) expect(parseDecimal(bad, "en-GB")).toBeNull();
    for (const bad of ["", "1.23,4", "1,2,3", "1 234"]) expect(parseDecimal(bad, "de-DE")).toBeNull();
  });
});

describe("decimalInput", () => {
  it("sends the server's form of what was typed", () => {
    expect(decimalInput(" 12,50 ", "de-DE")).toBe("12.50");
    expect(decimalInput("1,234.50", "en-GB")).toBe("1234.50");
    expect(decimalInput("-3", "en-GB")).toBe("-3");
  });

  it("passes unreadable text on for the server to name, and blank as nothing", () => {
    expect(decimalInput(" 12,5,0 ", "en-GB")).toBe("12,5,0");
    expect(decimalInput("   ", "en-GB")).toBeUndefined();
  });
});

describe("cents", () => {
  it("reads amounts exactly", () => {
    expect(toCents("12.5")).toBe(1250n);
    expect(toCents("12.500")).toBe(1250n);
    expect(toCents("-3.05")).toBe(-305n);
    expect(toCents("12,5", "de-DE")).toBe(1250n);
  });

  it("refuses too many decimals instead of rounding them away, and what is not an amount", () => {
    for (const bad of ["", "abc", "1.005", "0.001", "1e3", "1,50", "--1", null, undefined]) expect(toCents(bad)).toBeNull();
  });

  it("rounds a part of a cent half-up when asked, where a float would not", () => {
    // 1.005 is 1.00499999999999989… as a double; half-up on the decimal gives 1.01.
    expect(roundToCents(parseDecimal("1.005")!)).toBe(101n);
    expect(roundToCents(parseDecimal("-1.005")!)).toBe(-101n);
    expect(roundToCents(parseDecimal("2.004")!)).toBe(200n);
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
    expect(isZero("0,000", "de-DE")).toBe(true);
    expect(isZero("0.01")).toBe(false);
    expect(isZero("abc")).toBe(false);
  });
});

describe("percentages", () => {
  it("moves the point by string, not by multiplying a float", () => {
    expect(decimalText(movePoint({ digits: 75n, scale: 3 }, 2))).toBe("7.5");
    expect(decimalText(movePoint({ digits: 7n, scale: 0 }, 2))).toBe("700");
    expect(fractionToPercent("0.2000")).toBe("20");
    expect(fractionToPercent("0.0725")).toBe("7.25");
    expect(fractionToPercent("1")).toBe("100");
    expect(fractionToPercent("0")).toBe("0");
  });

  it("turns a typed percentage into the fraction the API stores", () => {
    expect(percentToFraction("20")).toBe("0.20");
    expect(percentToFraction("7.5")).toBe("0.075");
    expect(percentToFraction("7,5", "de-DE")).toBe("0.075");
    expect(percentToFraction("100")).toBe("1.00");
    expect(percentToFraction("")).toBeUndefined();
    expect(percentToFraction(" abc ")).toBe("abc");
  });
});
