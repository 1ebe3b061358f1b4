// Amounts, prices and rates travel as decimal strings. This is the one place that reads
// them: as the server writes them ("-12.50"), or as a person types them in a locale
// ("1.234,5" in German, "1,234.5" in English). Digits are kept in a BigInt with a scale, so
// nothing is lost to binary floating point; sums shown on screen are done in integer cents,
// and the server's own figures stay authoritative.

/** A decimal number: DIGITS × 10^-SCALE ("-12.50" is { digits: -1250n, scale: 2 }). */
export interface Decimal {
  digits: bigint;
  scale: number;
}

const pow10 = (n: number): bigint => 10n ** BigInt(n);
const CANONICAL = /^([+-]?)(\d*)(?:\.(\d*))?$/;
const separatorsByLocale = new Map<string, { decimal: string; group: string }>();

function separators(locale: string): { decimal: string; group: string } {
  let found = separatorsByLocale.get(locale);
  if (!found) {
    const parts = new Intl.NumberFormat(locale, { useGrouping: true }).formatToParts(12345.6);
    found = {
      decimal: parts.find((p) => p.type === "decimal")?.value ?? ".",
      group: parts.find((p) => p.type === "group")?.value ?? ",",
    };
    separatorsByLocale.set(locale, found);
  }
  return found;
}

/** Typed text in LOCALE's way as the canonical form: the locale's decimal separator becomes
 * ".", and its group separators go where they stand in whole groups of three. A point is also
 * a decimal point where the locale does not group with it. Null when it is not a number. */
function canonical(text: string, locale: string): string | null {
  const { decimal, group } = separators(locale);
  // Spaces of any width group digits in the locales that group with a space.
  const spaced = /\s/u.test(group);
  const unsigned = text.replace(/^[+\-\u2212]/, "");
  const sign = unsigned.length < text.length ? (text[0] === "+" ? "+" : "-") : "";
  const pointIsDecimal = decimal === "." || group !== ".";
  const cut = unsigned.lastIndexOf(decimal) >= 0 ? unsigned.lastIndexOf(decimal) : pointIsDecimal ? unsigned.lastIndexOf(".") : -1;
  const whole = cut >= 0 ? unsigned.slice(0, cut) : unsigned;
  const fraction = cut >= 0 ? unsigned.slice(cut + 1) : undefined;
  const groups = spaced ? whole.split(/\s/u) : whole.split(group);
  const grouped = groups.length === 1 || (groups[0] !== "" && groups[0]!.length <= 3 && groups.slice(1).every((g) => g.length === 3));
  if (!grouped) return null;
  const digits = groups.join("");
  if (!/^\d*$/.test(digits) || (fraction !== undefined && !/^\d*$/.test(fraction))) return null;
  return fraction === undefined ? `${sign}${digits}` : `${sign}${digits}.${fraction}`;
}

function read(plain: string | null): Decimal | null {
  const match = plain === null ? null : CANONICAL.exec(plain);
  if (!match) return null;
  const [, sign, whole = "", fraction = ""] = match;
  if (whole === "" && fraction === "") return null;
  const magnitude = BigInt(`${whole}${fraction}` || "0");
  return { digits: sign === "-" ? -magnitude : magnitude, scale: fraction.length };
}

/** The decimal in TEXT, or null when TEXT is empty or not a plain number. Without a LOCALE
 * only the server's form is read ("-1234.5"); with one, first what a person types there
 * ("1.234,5" in German), then the server's form (a prefilled "1436.40" stays readable). */
export function parseDecimal(text: string | null | undefined, locale?: string): Decimal | null {
  if (text === null || text === undefined) return null;
  const trimmed = text.trim();
  return (locale === undefined ? null : read(canonical(trimmed, locale))) ?? read(trimmed);
}

/** The server's form of a decimal, with exactly its scale's digits ({ 5n, 3 } → "0.005"). */
export function decimalText({ digits, scale }: Decimal): string {
  const negative = digits < 0n;
  const text = (negative ? -digits : digits).toString().padStart(scale + 1, "0");
  const body = scale === 0 ? text : `${text.slice(0, -scale)}.${text.slice(-scale)}`;
  return negative ? `-${body}` : body;
}

/** The same value with no trailing zeros after the point ({ 2000n, 4 } → { 2n, 1 }). */
function trimmed({ digits, scale }: Decimal): Decimal {
  while (scale > 0 && digits % 10n === 0n) {
    digits /= 10n;
    scale -= 1;
  }
  return { digits, scale };
}

/** The value times 10^PLACES, by moving the point (a fraction "0.075" → 7.5 %, and back). */
export function movePoint({ digits, scale }: Decimal, places: number): Decimal {
  return scale >= places ? { digits, scale: scale - places } : { digits: digits * pow10(places - scale), scale: 0 };
}

/** Typed text for the API: the canonical string when it reads as a number in LOCALE, the text
 * as typed otherwise (so the server's message names the field), undefined when blank. */
export function decimalInput(text: string, locale: string): string | undefined {
  if (text.trim() === "") return undefined;
  const value = parseDecimal(text, locale);
  return value === null ? text.trim() : decimalText(value);
}

/** "0.2000" → "20": a stored fraction as a percentage, without trailing zeros; other text as it is. */
export function fractionToPercent(value: string): string {
  const fraction = parseDecimal(value);
  return fraction === null ? value : decimalText(trimmed(movePoint(fraction, 2)));
}

/** "7.5" → "0.075": a typed percentage as the fraction the API stores; undefined when blank,
 * and text that is not a number passed on for the server to refuse by name. */
export function percentToFraction(text: string, locale?: string): string | undefined {
  if (text.trim() === "") return undefined;
  const percent = parseDecimal(text, locale);
  return percent === null ? text.trim() : decimalText(movePoint(percent, -2));
}

/** NUMERATOR / DENOMINATOR rounded half-up (away from zero on a tie), as the server's ROUND_HALF_UP. */
export function divideHalfUp(numerator: bigint, denominator: bigint): bigint {
  const negative = numerator < 0n !== denominator < 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  const q = (n * 2n + d) / (d * 2n);
  return negative ? -q : q;
}

/** A decimal as whole cents, rounded half-up ("1.005" → 101n). */
export function roundToCents({ digits, scale }: Decimal): bigint {
  return scale <= 2 ? digits * pow10(2 - scale) : divideHalfUp(digits, pow10(scale - 2));
}

/** Cents of an amount ("12.5" → 1250n), or null when it is not one or has a part of a cent. */
export function toCents(value: string | null | undefined, locale?: string): bigint | null {
  const amount = parseDecimal(value, locale);
  if (amount === null) return null;
  const exact = trimmed(amount);
  return exact.scale <= 2 ? roundToCents(exact) : null;
}

/** The decimal string of an amount in cents (1250n → "12.50"). */
export function fromCents(cents: bigint): string {
  return decimalText({ digits: cents, scale: 2 });
}

export function sumCents(values: Iterable<string>): bigint {
  let total = 0n;
  for (const value of values) total += toCents(value) ?? 0n;
  return total;
}

export function isZero(value: string | null | undefined, locale?: string): boolean {
  return parseDecimal(value, locale)?.digits === 0n;
}

/** The sum of decimal strings, as a decimal string. */
export function sumAmounts(values: Iterable<string>): string {
  return fromCents(sumCents(values));
}
