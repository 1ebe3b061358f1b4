import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// Served by the Python app under /app/; `npm run dev` proxies the API to a running `pulse up`.
const api = process.env.PULSE_API ?? "http://127.0.0.1:8000";
const apiPrefixes = ["/auth", "/customers", "/orders", "/inventory", "/billing", "/query", "/stats", "/health"];

export default defineConfig({
  base: "/app/",
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    target: "es2022",
    chunkSizeWarningLimit: 700,
  },
  server: {
    proxy: Object.fromEntries(apiPrefixes.map((p) => [p, { target: api, changeOrigin: false }])),
  },
});
