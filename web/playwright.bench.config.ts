import { defineConfig } from "@playwright/test";
import base from "./playwright.config";

// `make bench-web`: what the browser downloads and how soon the dashboard shows data.
export default defineConfig({ ...base, testDir: "bench", testMatch: "*.bench.ts", workers: 1, timeout: 300_000 });
