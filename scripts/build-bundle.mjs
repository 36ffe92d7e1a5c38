#!/usr/bin/env node
// Part of `npm run build` (after tsc): dist/xmpp-iot.mjs, the agent as one ES module, which the
// systemd unit runs.
//
//   node scripts/build-bundle.mjs [--input dist/src/cli.js] [--output dist/xmpp-iot.mjs]
//
// Why one file: node keeps the source text, module records and top-level code of every module it
// loaded for the life of the process. From dist/ the agent loads ~250 modules (95 of them zod's,
// with every locale); measured with the unit's V8 flags, `import("zod")` alone adds 3.0 MB of heap
// and 6-7 MB of RSS. One tree-shaken module drops what is never called, and on a Pi it is also
// one file read from the SD card at boot instead of hundreds.
//
// serialport (a native addon found by path at run time) and mqtt (loaded only when configured)
// stay in node_modules. Identifiers are kept (no mangling) so stack traces in the journal still
// name the functions.
import { copyFile, mkdir } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build } from "rolldown";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** Loaded by node from node_modules at run time, never bundled. */
export const EXTERNAL = [/^serialport$/, /^@serialport\//, /^mqtt$/];

/** Bundles `input` (a tsc output under dist/) into the single ES module `output`. */
export async function bundle(input, output) {
  await build({
    input,
    external: EXTERNAL,
    platform: "node",
    logLevel: "warn",
    output: {
      file: output,
      format: "esm",
      codeSplitting: false,
      minify: { compress: true, mangle: false },
    },
  });
}

/**
 * The dashboard (web/): a static page, its one script (xmpp.js browser build + uPlot, minified)
 * and styles, in `outDir`; `xmpp-iot dashboard` serves that folder and any web server can.
 */
export async function bundleDashboard(outDir) {
  await mkdir(outDir, { recursive: true });
  await build({
    input: resolve(REPO, "web/main.ts"),
    platform: "browser",
    logLevel: "warn",
    tsconfig: resolve(REPO, "web/tsconfig.json"),
    resolve: { extensionAlias: { ".js": [".ts", ".js"] } },
    // @xmpp/resolve's browser map names "./lib/dns" but imports "./lib/dns.js", so node:dns
    // leaks through; the page always gives a ws(s):// URL and never resolves SRV records.
    plugins: [{
      name: "no-node-dns",
      resolveId: (id) => (id === "node:dns" ? "\0no-node-dns" : null),
      load: (id) => (id === "\0no-node-dns" ? "export default {};" : null),
    }],
    output: { file: resolve(outDir, "app.js"), format: "esm", codeSplitting: false, minify: true, sourcemap: true },
  });
  for (const [from, to] of [["web/index.html", "index.html"], ["web/style.css", "style.css"], ["node_modules/uplot/dist/uPlot.min.css", "uPlot.min.css"]]) {
    await copyFile(resolve(REPO, from), resolve(outDir, to));
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { input: { type: "string", default: "dist/src/cli.js" }, output: { type: "string", default: "dist/xmpp-iot.mjs" }, dashboard: { type: "string", default: "dist/dashboard" } } });
  await bundle(resolve(REPO, values.input), resolve(REPO, values.output));
  if (values.input === "dist/src/cli.js") await bundleDashboard(resolve(REPO, values.dashboard));
}
