import { describe, expect, it } from "vitest";
import { authorizationUrl, challengeOf, readCallback } from "./pkce";

class MemoryStorage {
  private items = new Map<string, string>();
  get length() {
    return this.items.size;
  }
  clear() {
    this.items.clear();
  }
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  key(index: number) {
    return [...this.items.keys()][index] ?? null;
  }
  removeItem(key: string) {
    this.items.delete(key);
  }
  setItem(key: string, value: string) {
    this.items.set(key, value);
  }
}

const config = { authorization_endpoint: "https://id.example.com/auth?kc=1", client_id: "pulse-web", scopes: "openid email" };

describe("PKCE", () => {
  it("computes the S256 challenge of RFC 7636 appendix B", async () => {
    expect(await challengeOf("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).toBe(
      "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    );
  });

  it("asks for a code with an S256 challenge of a fresh verifier, and checks the state on return", async () => {
    const storage = new MemoryStorage() as unknown as Storage;
    const url = new URL(await authorizationUrl(config, "https://erp.example.com", "/orders", storage));
    expect(url.origin + url.pathname).toBe("https://id.example.com/auth");
    expect(url.searchParams.get("kc")).toBe("1");
    expect(url.searchParams.get("response_type")).toBe("code");
    expect(url.searchParams.get("redirect_uri")).toBe("https://erp.example.com/app/sso/callback");
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    const state = url.searchParams.get("state")!;

    const forged = readCallback(`?code=abc&state=${state}x`, storage);
    expect(forged.ok).toBe(false);
    // The attempt is spent by any return, right or wrong: a replayed callback finds nothing.
    await authorizationUrl(config, "https://erp.example.com", "/orders", storage);
    const again = new URL(await authorizationUrl(config, "https://erp.example.com", "/orders", storage));
    const outcome = readCallback(`?code=abc&state=${again.searchParams.get("state")}`, storage);
    expect(outcome.ok).toBe(true);
    if (outcome.ok) {
      expect(outcome.from).toBe("/orders");
      expect(await challengeOf(outcome.verifier)).toBe(again.searchParams.get("code_challenge"));
      expect(outcome.verifier).toMatch(/^[A-Za-z0-9_-]{43,128}$/);
    }
    expect(readCallback(`?code=abc&state=${again.searchParams.get("state")}`, storage).ok).toBe(false);
  });

  it("reports the provider's refusal", () => {
    const storage = new MemoryStorage() as unknown as Storage;
    const outcome = readCallback("?error=access_denied&error_description=Nope", storage);
    expect(outcome).toEqual({ ok: false, message: "The sign-on provider refused: Nope" });
  });
});
