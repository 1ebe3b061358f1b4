import { defineConfig } from "vitest/config";

// Unit tests of the browser-side logic (src/**/*.test.ts); the pages are tested in e2e/.
export default defineConfig({ test: { include: ["src/**/*.test.ts"], environment: "node" } });
