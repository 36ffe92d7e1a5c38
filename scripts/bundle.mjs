#!/usr/bin/env node
// npm run bundle: one tarball that installs on a Raspberry Pi with no network.
//
//   node scripts/bundle.mjs [--out DIR] [--skip-build] [--platforms linux-arm,linux-arm64,linux-x64]
//
// Contents (top folder xmpp-iot/): dist/xmpp-iot.mjs (the one-module build the unit runs),
// dist/src + dist/devices (compiled JS, no tests), the production
// node_modules, systemd/ (unit + install.sh), config.example.json, package.json, package-lock.json.
// Output: DIR/xmpp-iot-<version>.tar.gz and DIR/xmpp-iot-firstboot.sh (for the boot partition).
//
// Why copy node_modules from the lockfile instead of `npm ci --omit=dev`: the lockfile already says
// which installed packages are production ones (no "dev": true), and copying them needs no registry
// or cache, so the bundle can be built offline and is exactly what the tests ran against.
// serialport's native binding is loaded by node-gyp-build from prebuilds/<platform>-<arch>/ at run
// time (armv6/armv7 for 32-bit Pi OS, armv8 for 64-bit), so no compiler is needed on the Pi.
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, createReadStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values: options } = parseArgs({
  options: {
    out: { type: "string", default: join(REPO, "bundle") },
    "skip-build": { type: "boolean", default: false },
    platforms: { type: "string", default: "linux-arm,linux-arm64,linux-x64" },
  },
});
const platforms = options.platforms.split(",").map((p) => p.trim()).filter(Boolean);
const outDir = resolve(options.out);

function fail(message) {
  console.error(`bundle: ${message}`);
  process.exit(1);
}

function run(command, args, cwd = REPO) {
  const result = spawnSync(command, args, { cwd, stdio: "inherit" });
  if (result.status !== 0) fail(`${command} ${args.join(" ")} failed (${result.status ?? result.signal})`);
}

if (!options["skip-build"]) run("npm", ["run", "build", "--silent"]);
if (!existsSync(join(REPO, "dist/xmpp-iot.mjs"))) fail("dist/xmpp-iot.mjs is missing: npm run build first");

const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8"));
const lock = JSON.parse(readFileSync(join(REPO, "package-lock.json"), "utf8"));
const staging = mkdtempSync(join(tmpdir(), "xmpp-iot-bundle-"));
const app = join(staging, "xmpp-iot");
mkdirSync(app);

try {
  // Compiled JS without the tests (dist/test, *.test.js beside sources): they need devDependencies.
  const notATest = (path) => !/\.test\.js(\.map)?$/.test(path) && !path.split(sep).includes("__tests__");
  for (const part of ["src", "devices"]) {
    const from = join(REPO, "dist", part);
    if (existsSync(from)) cpSync(from, join(app, "dist", part), { recursive: true, filter: notATest });
  }
  // What the unit runs (scripts/build-bundle.mjs); dist/src stays for `import` and for debugging.
  cpSync(join(REPO, "dist/xmpp-iot.mjs"), join(app, "dist/xmpp-iot.mjs"));

  // Production packages: every lockfile entry under node_modules/ not marked dev. Nested
  // node_modules are separate lockfile entries, so a package is copied without its own.
  let copied = 0;
  for (const [key, entry] of Object.entries(lock.packages ?? {})) {
    if (!key.startsWith("node_modules/") || entry.dev === true || entry.link === true) continue;
    const from = join(REPO, key);
    if (!existsSync(from)) {
      // Optional packages for other platforms are legitimately absent; anything else is broken.
      if (entry.optional === true) continue;
      fail(`${key} is in package-lock.json but not installed: run npm ci`);
    }
    const nested = join(from, "node_modules");
    cpSync(from, join(app, key), { recursive: true, filter: (path) => path !== nested && !path.startsWith(nested + sep) });
    copied += 1;
  }

  // serialport: keep only the requested Linux prebuilds, and never a locally compiled build/
  // (node-gyp-build prefers build/Release over prebuilds, and an x64 build would break the Pi).
  const bindings = join(app, "node_modules/@serialport/bindings-cpp");
  if (!existsSync(bindings)) fail("@serialport/bindings-cpp is not among the production packages");
  rmSync(join(bindings, "build"), { recursive: true, force: true });
  const prebuilds = join(bindings, "prebuilds");
  for (const dir of readdirSync(prebuilds)) {
    if (!platforms.includes(dir)) rmSync(join(prebuilds, dir), { recursive: true, force: true });
  }
  for (const platform of platforms) {
    if (!existsSync(join(prebuilds, platform))) fail(`no serialport prebuild for ${platform}`);
  }

  for (const file of ["package.json", "package-lock.json", "config.example.json", "README.md", "LICENSE"]) {
    if (existsSync(join(REPO, file))) cpSync(join(REPO, file), join(app, file));
  }
  mkdirSync(join(app, "systemd"));
  for (const file of ["xmpp-iot.service", "install.sh", "uninstall.sh", "seed-config.mjs", "copy-app.mjs", "firstboot.sh", "await-active.sh"]) {
    cpSync(join(REPO, "systemd", file), join(app, "systemd", file));
  }
  for (const file of ["install.sh", "uninstall.sh", "firstboot.sh", "await-active.sh"]) chmodSync(join(app, "systemd", file), 0o755);
  writeFileSync(
    join(app, "BUNDLE.json"),
    `${JSON.stringify({ name: pkg.name, version: pkg.version, node: pkg.engines?.node, serialportPrebuilds: platforms, packages: copied }, null, 2)}\n`,
  );

  // Reproducible archive: sorted names, root-owned, fixed mtime, no gzip timestamp.
  mkdirSync(outDir, { recursive: true });
  const tarball = join(outDir, `xmpp-iot-${pkg.version}.tar.gz`);
  const mtime = process.env.SOURCE_DATE_EPOCH ?? gitCommitTime() ?? "0";
  run("tar", [
    "--sort=name", "--owner=0", "--group=0", "--numeric-owner", `--mtime=@${mtime}`,
    "--use-compress-program=gzip -n -9", "-cf", tarball, "-C", staging, "xmpp-iot",
  ]);
  const firstboot = join(outDir, "xmpp-iot-firstboot.sh");
  cpSync(join(REPO, "systemd/firstboot.sh"), firstboot);
  chmodSync(firstboot, 0o755);
  const hash = await sha256(tarball);
  const mib = (statSync(tarball).size / 1024 / 1024).toFixed(1);
  console.log(`bundle: ${relative(process.cwd(), tarball) || tarball} (${mib} MiB, ${copied} packages, prebuilds ${platforms.join(" ")})`);
  console.log(`bundle: sha256 ${hash}`);
  console.log(`bundle: boot-partition helper ${relative(process.cwd(), firstboot) || firstboot}`);
} finally {
  rmSync(staging, { recursive: true, force: true });
}

function gitCommitTime() {
  const result = spawnSync("git", ["log", "-1", "--format=%ct"], { cwd: REPO, encoding: "utf8" });
  return result.status === 0 && /^\d+$/.test(result.stdout.trim()) ? result.stdout.trim() : undefined;
}

function sha256(file) {
  return new Promise((resolvePromise, reject) => {
    const hash = createHash("sha256");
    createReadStream(file).on("data", (chunk) => hash.update(chunk)).on("end", () => resolvePromise(hash.digest("hex"))).on("error", reject);
  });
}
