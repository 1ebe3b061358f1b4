import { describe, expect, it } from "vitest";
import { diff, readFilters, shown } from "./records";

describe("audit diff", () => {
  it("puts before and after side by side and marks what changed", () => {
    const rows = diff({ before: { role: "clerk", active: true }, after: { role: "viewer", active: true } });
    expect(rows).toEqual([
      { field: "active", before: true, after: true, changed: false },
      { field: "role", before: "clerk", after: "viewer", changed: true },
    ]);
  });

  it("shows fields that only one side has", () => {
    const rows = diff({ before: null, after: { total: "12.50", lines: [{ sku: "A" }] } });
    expect(rows.map((r) => [r.field, shown(r.before), shown(r.after), r.changed])).toEqual([
      ["lines", "—", '[{"sku":"A"}]', true],
      ["total", "—", "12.50", true],
    ]);
  });
});

describe("audit filters", () => {
  it("keeps known, well-formed filters only", () => {
    const params = new URLSearchParams("actor=ada&from=yesterday&to=2026-12-01&offset=3&action=");
    expect(readFilters(params)).toEqual({ actor: "ada", to: "2026-12-01" });
  });
});
