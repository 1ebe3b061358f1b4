// Formatting for display only: amounts arrive as decimal strings and are never turned into
// floats for arithmetic; Intl formats the string as it is.
let currency = "EUR";

export function setCurrency(code: string): void {
  currency = code;
}

const moneyFormats = new Map<string, Intl.NumberFormat>();

export function money(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === "") return "—";
  let format = moneyFormats.get(currency);
  if (!format) {
    format = new Intl.NumberFormat("en-GB", { style: "currency", currency });
    moneyFormats.set(currency, format);
  }
  // Intl accepts a decimal string and keeps its exact digits.
  return format.format(value as unknown as number);
}

const integer = new Intl.NumberFormat("en-GB");
export function count(value: number | string | null | undefined): string {
  if (value === null || value === undefined || value === "") return "—";
  return integer.format(value as unknown as number);
}

export function percent(value: number | string | null | undefined, digits = 1): string {
  if (value === null || value === undefined || value === "") return "—";
  const n = Number(value);
  return `${n > 0 ? "+" : ""}${n.toFixed(digits)} %`;
}

const dateFormat = new Intl.DateTimeFormat("en-GB", { day: "2-digit", month: "short", year: "numeric" });
const dateTimeFormat = new Intl.DateTimeFormat("en-GB", {
  day: "2-digit",
  month: "short",
  hour: "2-digit",
  minute: "2-digit",
});

export function date(value: string | null | undefined): string {
  if (!value) return "—";
  const d = new Date(value.length === 10 ? `${value}T00:00:00` : value);
  return Number.isNaN(d.getTime()) ? value : dateFormat.format(d);
}

export function dateTime(value: string | null | undefined): string {
  if (!value) return "—";
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? value : dateTimeFormat.format(d);
}

export function label(value: string): string {
  const text = value.replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A tax rate sent as a fraction ("0.0725") shown as a percentage ("7.25 %"), by moving the
 * decimal point in the string rather than multiplying a float. */
export function ratePercent(value: string): string {
  const match = /^(\d+)(?:\.(\d*))?$/.exec(value);
  if (!match) return value;
  const fraction = (match[2] ?? "").padEnd(2, "0");
  const whole = BigInt(`${match[1]}${fraction.slice(0, 2)}`).toString();
  const rest = fraction.slice(2).replace(/0+$/, "");
  return `${whole}${rest ? `.${rest}` : ""} %`;
}
