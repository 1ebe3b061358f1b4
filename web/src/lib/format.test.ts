import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { count, date, dateTime, label, money, percent, ratePercent, setFormatting } from "./format";

describe("format", () => {
  beforeEach(() => setFormatting({ locale: "en-GB", currency: "EUR" }));
  afterEach(() => setFormatting({ locale: "en-GB", currency: "EUR" }));

  it("formats amounts from their decimal strings, keeping every digit", () => {
    expect(money("1234.5")).toBe("€1,234.50");
    expect(money("-0.05")).toBe("-€0.05");
    // More digits than a double holds: formatted from the string, not from a float.
    expect(money("12345678901234567.89")).toBe("€12,345,678,901,234,567.89");
    expect(money(null)).toBe("—");
    expect(money("")).toBe("—");
  });

  it("follows the company's currency", () => {
    setFormatting({ currency: "USD" });
    expect(money("10")).toBe("US$10.00");
  });

  it("writes every figure and date in the one locale it is given", () => {
    setFormatting({ locale: "de-DE" });
    expect(money("1234.5")).toBe("1.234,50\u00a0€");
    expect(count(1234567)).toBe("1.234.567");
    expect(date("2026-11-24")).toBe("24. Nov. 2026");
    expect(percent("12.5")).toBe("+12,5 %");
    setFormatting({ locale: "en-US" });
    expect(date("2026-11-24")).toBe("Nov 24, 2026");
    expect(dateTime("2026-11-24T15:04:00")).toMatch(/^Nov 24, 0?3:04\sPM$/);
  });

  it("formats counts, dates and labels", () => {
    expect(count(1234567)).toBe("1,234,567");
    expect(date("2026-11-24")).toBe("24 Nov 2026");
    expect(label("partially_paid")).toBe("Partially paid");
  });

  it("shows rates as percentages from the string", () => {
    expect(ratePercent("0.0725")).toBe("7.25 %");
    expect(ratePercent("0.2000")).toBe("20 %");
    expect(ratePercent("0.05")).toBe("5 %");
    expect(ratePercent("0")).toBe("0 %");
    expect(ratePercent("1")).toBe("100 %");
  });
});
