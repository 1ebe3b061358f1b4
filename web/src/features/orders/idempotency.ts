// crypto.randomUUID exists only in secure contexts; an install reached over plain http on a
// LAN address still needs a unique key, so fall back to random bytes.
export function newKey(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
