import { defineConfig } from "@playwright/test";
import base from "./playwright.config";

// `make screenshots`: the main pages at 1366×768 into docs/screenshots/.
export default defineConfig({ ...base, testDir: "shots", testMatch: "*.shots.ts", workers: 1 });
