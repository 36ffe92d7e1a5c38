// install.sh helper: copies what the service runs from a bundle or a built checkout into DEST.
// Plain JS with no dependencies (runs before node_modules is in place).
//
//   node copy-app.mjs SRC DEST
//
// Production packages only: every package-lock.json entry under node_modules/ not marked dev
// (the rule scripts/bundle.mjs uses), so a checkout's vitest, typescript and rolldown stay behind.
// Compiled tests (dist/test, *.test.js) stay behind too: they need those devDependencies.
import { cpSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join, sep } from "node:path";

const [src, dest] = process.argv.slice(2);
if (!src || !dest) {
  console.error("usage: copy-app.mjs SRC DEST");
  process.exit(2);
}
mkdirSync(dest, { recursive: true });

const notATest = (path) => !/\.test\.js(\.map)?$/.test(path) && !path.split(sep).includes("__tests__");
mkdirSync(join(dest, "dist"), { recursive: true });
cpSync(join(src, "dist/xmpp-iot.mjs"), join(dest, "dist/xmpp-iot.mjs"));
for (const part of ["src", "devices"]) {
  if (existsSync(join(src, "dist", part))) cpSync(join(src, "dist", part), join(dest, "dist", part), { recursive: true, filter: notATest });
}
for (const entry of ["package.json", "package-lock.json", "config.example.json", "README.md", "LICENSE", "BUNDLE.json", "docs", "systemd"]) {
  if (existsSync(join(src, entry))) cpSync(join(src, entry), join(dest, entry), { recursive: true });
}

const lockFile = join(src, "package-lock.json");
if (!existsSync(lockFile)) {
  console.error(`copy-app: ${lockFile} is missing: cannot tell production packages from development ones`);
  process.exit(1);
}
const lock = JSON.parse(readFileSync(lockFile, "utf8"));
let copied = 0;
let missing = [];
for (const [key, entry] of Object.entries(lock.packages ?? {})) {
  if (!key.startsWith("node_modules/") || entry.dev === true || entry.link === true) continue;
  const from = join(src, key);
  if (!existsSync(from)) {
    // Optional packages for other platforms are legitimately absent.
    if (entry.optional !== true) missing.push(key);
    continue;
  }
  // Nested node_modules are separate lockfile entries: copy each package without its own.
  const nested = join(from, "node_modules");
  cpSync(from, join(dest, key), { recursive: true, filter: (path) => path !== nested && !path.startsWith(nested + sep) });
  copied += 1;
}
if (missing.length > 0) {
  console.error(`copy-app: production packages missing in ${src}: ${missing.join(", ")} (run npm ci, or install from the bundle)`);
  process.exit(1);
}
console.log(`copy-app: ${copied} production packages`);
