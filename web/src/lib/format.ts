// Formatting for display only: amounts arrive as decimal strings and are never turned into
// floats for arithmetic; Intl formats the string as it is.
//
// One locale and one currency for every figure, date and time the app shows: the browser's
// locale by default (so the date pickers, which the browser draws in its own locale, agree
// with the tables), and the company's currency. `FormatProvider` (Formatting.tsx) sets them.
import { fractionToPercent, parseDecimal } from "./decimal";

export interface Formatting {
  locale: string;
  currency: string;
}

export function browserLocale(): string {
  return (typeof navigator !== "undefined" && navigator.language) || "en-GB";
}

let current: Formatting = { locale: browserLocale(), currency: "EUR" };
const formats = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();

/** Change the locale or currency every formatter below uses from now on. */
export function setFormatting(next: Partial<Formatting>): void {
  current = { ...current, ...next };
}

export function formatting(): Formatting {
  return current;
}

/** A formatter for the current locale and OPTIONS, made once and kept (Intl's are costly). */
function cached<F>(kind: string, options: object, make: (locale: string) => F): F {
  const key = `${kind}|${current.locale}|${JSON.stringify(options)}`;
  let format = formats.get(key) as F | undefined;
  if (!format) {
    format = make(current.locale);
    formats.set(key, format as Intl.NumberFormat | Intl.DateTimeFormat);
  }
  return format;
}

export function numberFormat(options: Intl.NumberFormatOptions = {}): Intl.NumberFormat {
  return cached("n", options, (locale) => new Intl.NumberFormat(locale, options));
}

export function dateFormat(options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  return cached("d", options, (locale) => new Intl.DateTimeFormat(locale, options));
}

export function money(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === "") return "—";
  // Intl accepts a decimal string and keeps its exact digits.
  return numberFormat({ style: "currency", currency: current.currency }).format(value as unknown as number);
}

export function count(value: number | string | null | undefined): string {
  if (value === null || value === undefined || value === "") return "—";
  return numberFormat().format(value as unknown as number);
}

export function percent(value: number | string | null | undefined, digits = 1): string {
  if (value === null || value === undefined || value === "") return "—";
  const n = Number(value);
  const text = numberFormat({ minimumFractionDigits: digits, maximumFractionDigits: digits, signDisplay: "exceptZero" }).format(n);
  return `${text} %`;
}

const DATE: Intl.DateTimeFormatOptions = { day: "2-digit", month: "short", year: "numeric" };
const DATE_TIME: Intl.DateTimeFormatOptions = { day: "2-digit", month: "short", hour: "2-digit", minute: "2-digit" };

/** A day ("2026-12-02") or a moment, as a date in the locale's way. */
export function date(value: string | null | undefined): string {
  if (!value) return "—";
  const d = new Date(value.length === 10 ? `${value}T00:00:00` : value);
  return Number.isNaN(d.getTime()) ? value : dateFormat(DATE).format(d);
}

export function dateTime(value: string | null | undefined): string {
  if (!value) return "—";
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? value : dateFormat(DATE_TIME).format(d);
}

export function label(value: string): string {
  const text = value.replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A tax rate sent as a fraction ("0.0725") shown as a percentage ("7.25 %"), by moving the
 * decimal point in the string rather than multiplying a float. */
export function ratePercent(value: string): string {
  return parseDecimal(value) === null ? value : `${fractionToPercent(value)} %`;
}
