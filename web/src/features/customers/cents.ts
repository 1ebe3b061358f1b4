// Sums of amounts shown on screen are done in integer cents, never in binary floating point.
const DECIMAL = /^\s*(-)?(\d+)(?:\.(\d{1,2})0*)?\s*$/;

export function toCents(value: string): bigint {
  const match = DECIMAL.exec(value);
  if (!match) return 0n;
  const [, minus, whole = "0", fraction = ""] = match;
  const cents = BigInt(whole) * 100n + BigInt(fraction.padEnd(2, "0"));
  return minus ? -cents : cents;
}

export function fromCents(cents: bigint): string {
  const negative = cents < 0n;
  const abs = negative ? -cents : cents;
  const text = `${abs / 100n}.${(abs % 100n).toString().padStart(2, "0")}`;
  return negative ? `-${text}` : text;
}

export function sumAmounts(values: Iterable<string>): string {
  let total = 0n;
  for (const value of values) total += toCents(value);
  return fromCents(total);
}
