// Builds the studio into dist/: index.html, assets/studio.js (three.js bundled in, no CDN) and
// assets/studio.css. The gateway serves dist/ at / (services/gateway/.../studio.py).
import { build } from "esbuild";
import { copyFile, mkdir, rm } from "node:fs/promises";

const out = "dist";
await rm(out, { recursive: true, force: true });
await mkdir(`${out}/assets`, { recursive: true });
await build({
  entryPoints: { studio: "src/main.ts" },
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: true,
  sourcemap: true,
  legalComments: "linked",
  outdir: `${out}/assets`,
  logLevel: "warning",
});
await build({
  entryPoints: { studio: "src/styles.css" },
  bundle: true,
  minify: true,
  outdir: `${out}/assets`,
  logLevel: "warning",
});
await copyFile("src/index.html", `${out}/index.html`);
console.log(`studio built into web/${out}/`);
