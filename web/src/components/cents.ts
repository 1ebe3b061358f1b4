// Amounts travel as decimal strings. Sums and differences shown on screen (an entry's
// totals, what a payment leaves to pay) are done in integer cents so nothing is lost to
// binary floating point; the server's own figures stay authoritative.

const DECIMAL = /^\s*(-)?(\d+)(?:\.(\d{1,2})0*)?\s*$/;

/** Cents of a decimal string ("12.5" → 1250n), or null when it is not a plain amount. */
export function toCents(value: string | null | undefined): bigint | null {
  if (value === null || value === undefined) return null;
  const match = DECIMAL.exec(value);
  if (!match) return null;
  const [, minus, whole, fraction = ""] = match;
  const cents = BigInt(whole ?? "0") * 100n + BigInt(fraction.padEnd(2, "0"));
  return minus ? -cents : cents;
}

/** The decimal string of an amount in cents (1250n → "12.50"). */
export function fromCents(cents: bigint): string {
  const negative = cents < 0n;
  const abs = negative ? -cents : cents;
  const text = `${abs / 100n}.${(abs % 100n).toString().padStart(2, "0")}`;
  return negative ? `-${text}` : text;
}

export function sumCents(values: Iterable<string>): bigint {
  let total = 0n;
  for (const value of values) total += toCents(value) ?? 0n;
  return total;
}

export function isZero(value: string | null | undefined): boolean {
  return toCents(value) === 0n;
}

/** The sum of decimal strings, as a decimal string. */
export function sumAmounts(values: Iterable<string>): string {
  return fromCents(sumCents(values));
}
