// RFC 6238 codes for the browser tests, from the secret the enrolment page shows: what an
// authenticator app computes (HMAC-SHA1, 30-second steps, six digits).
import { createHmac } from "node:crypto";

function base32(secret: string): Buffer {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const char of secret.replace(/=+$/, "").toUpperCase()) {
    const value = alphabet.indexOf(char);
    if (value < 0) throw new Error(`not base32: ${char}`);
    bits += value.toString(2).padStart(5, "0");
  }
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** The code of the time step `offset` steps from now (the server accepts one step either side). */
export function totpCode(secret: string, offset = 0): string {
  const step = Math.floor(Date.now() / 1000 / 30) + offset;
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac("sha1", base32(secret)).update(counter).digest();
  const at = mac[mac.length - 1] & 0x0f;
  const value = (mac.readUInt32BE(at) & 0x7fffffff) % 1_000_000;
  return value.toString().padStart(6, "0");
}
