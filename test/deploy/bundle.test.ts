import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Builds the real bundle (npm run build + scripts/bundle.mjs), then installs it the way a Pi would
// on first boot: from a "boot partition" folder, no registry, no repo on the module path.
const REPO = fileURLToPath(new URL("../..", import.meta.url));
let scratch: string;
let tarball: string;
let listing: string[];

function sh(command: string, args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): { status: number | null; out: string } {
  const result = spawnSync(command, args, {
    cwd: options.cwd ?? scratch,
    encoding: "utf8",
    timeout: 240_000,
    // No NODE_PATH and no npm config: modules must come from the bundle itself.
    env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: scratch, ...options.env },
  });
  return { status: result.status, out: `${result.stdout}${result.stderr}` };
}

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "xmpp-iot-bundle-test-"));
  // `npm test` builds dist first (pretest); rebuilding here would rewrite dist under other test
  // files that run it in parallel. Standalone: `npm run build && npx vitest run test/deploy`.
  if (!existsSync(join(REPO, "dist/xmpp-iot.mjs"))) expect(sh("npm", ["run", "build", "--silent"], { cwd: REPO }).status).toBe(0);
  const built = sh("node", [join(REPO, "scripts/bundle.mjs"), "--skip-build", "--out", join(scratch, "out")], { cwd: REPO });
  expect(built.out).toContain("bundle: ");
  expect(built.status).toBe(0);
  const version = (JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string }).version;
  tarball = join(scratch, "out", `xmpp-iot-${version}.tar.gz`);
  listing = sh("tar", ["-tzvf", tarball]).out.trim().split("\n");
}, 300_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const names = (): string[] => listing.map((line) => line.split(/\s+/).slice(5).join(" "));

describe("npm run bundle", () => {
  it("contains serialport prebuilds for 32-bit and 64-bit ARM, and no other OS", () => {
    const prebuilds = names().filter((n) => n.includes("bindings-cpp/prebuilds/") && n.endsWith(".node"));
    const base = "xmpp-iot/node_modules/@serialport/bindings-cpp/prebuilds";
    expect(prebuilds).toEqual(expect.arrayContaining([
      `${base}/linux-arm/@serialport+bindings-cpp.armv6.glibc.node`,
      `${base}/linux-arm/@serialport+bindings-cpp.armv7.glibc.node`,
      `${base}/linux-arm64/@serialport+bindings-cpp.armv8.glibc.node`,
    ]));
    expect(prebuilds.filter((n) => /prebuilds\/(darwin|win32|android)/.test(n))).toEqual([]);
    expect(names().some((n) => n.includes("bindings-cpp/build/"))).toBe(false);
  });

  it("has the compiled agent and production packages only, root-owned, with executable scripts", () => {
    const all = names();
    expect(all).toContain("xmpp-iot/dist/xmpp-iot.mjs");
    expect(all).toContain("xmpp-iot/systemd/xmpp-iot.service");
    for (const pkg of ["@xmpp/client", "mqtt", "pino", "serialport", "zod"]) expect(all).toContain(`xmpp-iot/node_modules/${pkg}/package.json`);
    for (const dev of ["typescript", "vitest", "rolldown", "@types/chai"]) expect(all).not.toContain(`xmpp-iot/node_modules/${dev}/package.json`);
    expect(all.filter((n) => n.startsWith("xmpp-iot/dist/") && (n.startsWith("xmpp-iot/dist/test/") || /\.test\.js$/.test(n)))).toEqual([]);
    expect(listing.filter((line) => !line.includes(" 0/0 "))).toEqual([]);
    expect(listing.find((line) => line.endsWith("xmpp-iot/systemd/install.sh"))).toMatch(/^-rwxr-xr-x/);
  });

  it("is reproducible: the same inputs give the same bytes", () => {
    const hash = (file: string): string => createHash("sha256").update(readFileSync(file)).digest("hex");
    const again = sh("node", [join(REPO, "scripts/bundle.mjs"), "--skip-build", "--out", join(scratch, "again")], { cwd: REPO });
    expect(again.status).toBe(0);
    expect(hash(join(scratch, "again", tarball.split("/").pop() ?? ""))).toBe(hash(tarball));
  });

  it("installs offline from a boot partition via firstboot.sh, and the installed agent runs", () => {
    const boot = join(scratch, "boot");
    const root = join(scratch, "root");
    mkdirSync(boot);
    mkdirSync(join(root, "etc"), { recursive: true });
    writeFileSync(join(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/bash\n");
    writeFileSync(join(root, "etc/group"), "root:x:0:\ndialout:x:20:\ngpio:x:997:\n");
    copyFileSync(tarball, join(boot, tarball.split("/").pop() ?? ""));
    copyFileSync(join(scratch, "out/xmpp-iot-firstboot.sh"), join(boot, "xmpp-iot-firstboot.sh"));
    copyFileSync(join(REPO, "config.example.json"), join(boot, "xmpp-iot-config.json"));
    writeFileSync(join(boot, "xmpp-iot-password"), "pi-secret\n");
    // The image has no Node: a nodejs.org-style tarball on the boot partition provides it. Its
    // node is a stand-in that only answers --version (a real one is ~100 MB).
    const nodeDir = join(scratch, "node-v22.1.0-linux-x64");
    mkdirSync(join(nodeDir, "bin"), { recursive: true });
    writeFileSync(join(nodeDir, "bin/node"), "#!/bin/sh\necho v22.1.0\n", { mode: 0o755 });
    expect(sh("tar", ["-cJf", join(boot, "node-v22.1.0-linux-x64.tar.xz"), "-C", scratch, "node-v22.1.0-linux-x64"]).status).toBe(0);

    const first = sh("/bin/bash", [join(boot, "xmpp-iot-firstboot.sh"), "--root", root], { env: { XMPP_IOT_ARCH: "x64" } });
    expect(first.out).toContain("firstboot: done");
    expect(first.status).toBe(0);
    expect(first.out).toContain("installed Node from node-v22.1.0-linux-x64.tar.xz into /usr/local");
    expect(readFileSync(join(root, "etc/systemd/system/xmpp-iot.service"), "utf8")).toContain("ExecStart=/usr/local/bin/node --max-semi-space-size=1 --optimize-for-size --no-opt /opt/xmpp-iot/dist/xmpp-iot.mjs run");
    expect(readFileSync(join(root, "etc/xmpp-iot/password"), "utf8")).toBe("pi-secret\n");
    expect(existsSync(join(boot, "xmpp-iot-password"))).toBe(false);
    expect(readFileSync(join(boot, "xmpp-iot-firstboot.log"), "utf8")).toContain("installed the app into /opt/xmpp-iot");

    // `check` from the installed copy: proves dist + bundled node_modules are self-contained.
    const config = JSON.parse(readFileSync(join(root, "etc/xmpp-iot/config.json"), "utf8")) as { xmpp: { passwordFile: string } };
    config.xmpp.passwordFile = join(root, "etc/xmpp-iot/password");
    writeFileSync(join(scratch, "check.json"), JSON.stringify(config));
    const cli = join(root, "opt/xmpp-iot/dist/xmpp-iot.mjs");
    const check = sh(process.execPath, [cli, "check", "--config", join(scratch, "check.json")]);
    expect(check.out).toContain("ok");
    expect(check.status).toBe(0);

    // The serialport binding resolves from the bundled prebuilds (this host's platform) and loads.
    const bindings = join(root, "opt/xmpp-iot/node_modules/@serialport/bindings-cpp");
    const probe = sh(process.execPath, ["-e", `
      const dir = ${JSON.stringify(bindings)};
      console.log(require(${JSON.stringify(join(root, "opt/xmpp-iot/node_modules/node-gyp-build"))}).path(dir));
      console.log(typeof require(dir + "/dist/load-bindings.js").asyncOpen);
    `]);
    expect(probe.status).toBe(0);
    expect(probe.out).toContain(`${bindings}/prebuilds/linux-${process.arch}/`);
    expect(probe.out).toContain("function");
  });

  it("firstboot with a config that fails the check installs nothing and says so in its log on the boot partition", () => {
    const boot = join(scratch, "boot-bad");
    const root = join(scratch, "root-bad");
    mkdirSync(boot);
    copyFileSync(tarball, join(boot, tarball.split("/").pop() ?? ""));
    copyFileSync(join(scratch, "out/xmpp-iot-firstboot.sh"), join(boot, "xmpp-iot-firstboot.sh"));
    writeFileSync(join(boot, "xmpp-iot-config.json"), JSON.stringify({ xmpp: { jid: "shed@example.org" }, devices: [{ id: "t", driver: "simulated", channels: { s: { validMin: 30, validMax: 10 } } }] }));
    writeFileSync(join(boot, "xmpp-iot-password"), "pi-secret\n");
    // The stand-in Node tarball of the test above (the image has no Node).
    const nodeDir = join(scratch, "node-v22.1.0-linux-x64");
    mkdirSync(join(nodeDir, "bin"), { recursive: true });
    writeFileSync(join(nodeDir, "bin/node"), "#!/bin/sh\necho v22.1.0\n", { mode: 0o755 });
    expect(sh("tar", ["-cJf", join(boot, "node-v22.1.0-linux-x64.tar.xz"), "-C", scratch, "node-v22.1.0-linux-x64"]).status).toBe(0);
    const run = sh("/bin/bash", [join(boot, "xmpp-iot-firstboot.sh"), "--root", root], { env: { XMPP_IOT_ARCH: "x64" } });
    expect(run.status).toBe(78);
    const log = readFileSync(join(boot, "xmpp-iot-firstboot.log"), "utf8");
    expect(log).toContain("devices[0].channels.s.validMin: 30 is greater than validMax 10; swap them");
    expect(log).toContain("firstboot: the install failed (exit 78, lines above) and nothing was started");
    expect(existsSync(join(root, "etc"))).toBe(false);
    expect(existsSync(join(root, "opt"))).toBe(false);
    // Not installed, so the password stays where the user put it.
    expect(existsSync(join(boot, "xmpp-iot-password"))).toBe(true);
  });
});
