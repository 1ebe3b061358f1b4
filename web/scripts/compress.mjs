// Writes a .gz beside every built asset, so the server can send it without compressing per request,
// and prints the totals (VERBOSE=1: each file's raw and gzip size).
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { gzipSync, constants } from "node:zlib";

const dist = new URL("../dist/", import.meta.url).pathname;

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (/\.(js|css|html|svg|json)$/.test(name)) yield path;
  }
}

let count = 0;
let rawTotal = 0;
let gzTotal = 0;
for (const path of files(dist)) {
  const raw = readFileSync(path);
  const gz = gzipSync(raw, { level: constants.Z_BEST_COMPRESSION });
  writeFileSync(`${path}.gz`, gz);
  count += 1;
  rawTotal += raw.length;
  gzTotal += gz.length;
  if (process.env.VERBOSE) {
    console.log(`${relative(dist, path).padEnd(48)} ${String(raw.length).padStart(8)} B  gzip ${String(gz.length).padStart(7)} B`);
  }
}
console.log(`compressed ${count} files: ${(rawTotal / 1024).toFixed(0)} kB, ${(gzTotal / 1024).toFixed(0)} kB gzip`);
