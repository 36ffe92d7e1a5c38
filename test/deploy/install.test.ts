import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// install.sh and uninstall.sh run for real against scratch roots (--root): files, modes, the
// user in the root's own passwd, the enable symlink, idempotence and the Node version gate.
const REPO = fileURLToPath(new URL("../..", import.meta.url));
const isRoot = process.getuid?.() === 0;
let scratch: string;
let app: string;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "xmpp-iot-install-"));
  // A small app: the real compiled CLI (the installer runs its `check`), one production and one
  // development package in node_modules and the lockfile that tells them apart. The bundle test
  // and installed-agent.test.ts install the real thing.
  app = join(scratch, "app");
  mkdirSync(join(app, "dist"), { recursive: true });
  mkdirSync(join(app, "node_modules/serialport"), { recursive: true });
  mkdirSync(join(app, "node_modules/typescript"), { recursive: true });
  cpSync(join(REPO, "dist/xmpp-iot.mjs"), join(app, "dist/xmpp-iot.mjs"));
  writeFileSync(join(app, "node_modules/serialport/package.json"), "{}\n");
  writeFileSync(join(app, "node_modules/typescript/package.json"), "{}\n");
  writeFileSync(join(app, "package.json"), '{"name":"xmpp-iot"}\n');
  writeFileSync(join(app, "package-lock.json"), JSON.stringify({ packages: { "": {}, "node_modules/serialport": {}, "node_modules/typescript": { dev: true } } }));
  cpSync(join(REPO, "systemd"), join(app, "systemd"), { recursive: true });
  cpSync(join(REPO, "config.example.json"), join(app, "config.example.json"));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function run(script: string, args: string[], env: Record<string, string> = {}): { status: number | null; out: string } {
  const result = spawnSync("/bin/bash", [join(app, "systemd", script), ...args], {
    encoding: "utf8",
    env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", ...env },
    timeout: 60_000,
  });
  return { status: result.status, out: `${result.stdout}${result.stderr}` };
}

/** An image-like root: its own passwd/group with dialout but no gpio (a plain Debian box). */
function imageRoot(name: string): string {
  const root = join(scratch, name);
  mkdirSync(join(root, "etc"), { recursive: true });
  writeFileSync(join(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/bash\n");
  writeFileSync(join(root, "etc/group"), "root:x:0:\ndialout:x:20:\n");
  writeFileSync(join(root, "etc/shadow"), "root:*:19000:0:99999:7:::\n", { mode: 0o640 });
  writeFileSync(join(root, "etc/gshadow"), "root:*::\ndialout:*::\n", { mode: 0o640 });
  return root;
}

const mode = (path: string): string => (statSync(path).mode & 0o7777).toString(8);
const gidOf = (root: string, group: string): number =>
  Number(readFileSync(join(root, "etc/group"), "utf8").split("\n").find((l) => l.startsWith(`${group}:`))?.split(":")[2]);

describe("install.sh --root", () => {
  let root: string;

  it("installs app, user, config, password and an enabled unit with the right modes", () => {
    root = imageRoot("image");
    const { status, out } = run("install.sh", ["--root", root], { XMPP_IOT_PASSWORD: "s3cret" });
    expect(out).toContain("installed into");
    expect(status).toBe(0);

    expect(readFileSync(join(root, "etc/passwd"), "utf8")).toMatch(/^xmpp-iot:x:\d+:\d+:xmpp-iot agent:\/var\/lib\/xmpp-iot:\/usr\/sbin\/nologin$/m);
    expect(readFileSync(join(root, "etc/group"), "utf8")).toMatch(/^gpio:x:\d+:$/m);
    expect(gidOf(root, "dialout")).toBe(20);

    const etc = join(root, "etc/xmpp-iot");
    expect(mode(etc)).toBe("750");
    expect(mode(join(etc, "config.json"))).toBe("640");
    expect(mode(join(etc, "password"))).toBe("640");
    if (isRoot) {
      const gid = gidOf(root, "xmpp-iot");
      for (const path of [etc, join(etc, "config.json"), join(etc, "password")]) {
        expect(statSync(path).uid).toBe(0);
        expect(statSync(path).gid).toBe(gid);
      }
    }
    expect(readFileSync(join(etc, "password"), "utf8")).toBe("s3cret\n");
    const config = JSON.parse(readFileSync(join(etc, "config.json"), "utf8")) as { xmpp: Record<string, unknown>; outbox: { path: string } };
    expect(config.xmpp["password"]).toBeUndefined();
    expect(config.xmpp["passwordFile"]).toBe("/etc/xmpp-iot/password");
    expect(config.outbox.path).toBe("/var/lib/xmpp-iot/outbox");

    const unit = join(root, "etc/systemd/system/xmpp-iot.service");
    expect(mode(unit)).toBe("644");
    expect(readFileSync(unit, "utf8")).toContain("ExecStart=/usr/bin/node --max-semi-space-size=1 --optimize-for-size --no-opt /opt/xmpp-iot/dist/xmpp-iot.mjs run --config /etc/xmpp-iot/config.json");
    const wants = join(root, "etc/systemd/system/multi-user.target.wants/xmpp-iot.service");
    expect(lstatSync(wants).isSymbolicLink()).toBe(true);
    expect(readlinkSync(wants)).toBe("/etc/systemd/system/xmpp-iot.service");

    expect(existsSync(join(root, "opt/xmpp-iot/dist/xmpp-iot.mjs"))).toBe(true);
    expect(existsSync(join(root, "opt/xmpp-iot/node_modules/serialport/package.json"))).toBe(true);
    // Production packages only: the lockfile marks typescript as a development one.
    expect(existsSync(join(root, "opt/xmpp-iot/node_modules/typescript"))).toBe(false);
    expect(readFileSync(join(root, "etc/tmpfiles.d/xmpp-iot.conf"), "utf8")).toContain("z /etc/xmpp-iot/* 0640 root xmpp-iot -");
    // The glob re-applies the mode to every file there (e.g. one copied in by hand, world-readable).
    chmodSync(join(etc, "password"), 0o644);
    const tmpfiles = spawnSync("systemd-tmpfiles", [`--root=${root}`, "--create", "xmpp-iot.conf"], { encoding: "utf8" });
    expect(tmpfiles.status, tmpfiles.stderr).toBe(0);
    expect(mode(join(etc, "password"))).toBe("640");
  });

  it("the installed unit passes systemd-analyze verify", () => {
    // Verified by path, not with --root: a scratch root has no sysinit.target or
    // multi-user.target to resolve dependencies against; the host's systemd package has them.
    const result = spawnSync("systemd-analyze", ["verify", join(root, "etc/systemd/system/xmpp-iot.service")], { encoding: "utf8" });
    expect(`${result.stdout}${result.stderr}`).toBe("");
    expect(result.status).toBe(0);
  });

  it("is idempotent: a re-run keeps config and password and leaves no temporaries", () => {
    const etc = join(root, "etc/xmpp-iot");
    const edited = readFileSync(join(etc, "config.json"), "utf8").replace('"greenhouse-pi"', '"edited-by-hand"');
    writeFileSync(join(etc, "config.json"), edited);
    const { status, out } = run("install.sh", ["--root", root], { XMPP_IOT_PASSWORD: "other" });
    expect(status).toBe(0);
    expect(out).toContain("kept the existing /etc/xmpp-iot/config.json");
    expect(readFileSync(join(etc, "config.json"), "utf8")).toBe(edited);
    expect(readFileSync(join(etc, "password"), "utf8")).toBe("s3cret\n");
    expect(mode(join(etc, "config.json"))).toBe("640");
    expect(readFileSync(join(root, "etc/passwd"), "utf8").match(/^xmpp-iot:/gm)).toHaveLength(1);
    expect(readdirSync(join(root, "opt")).sort()).toEqual(["xmpp-iot"]);
    expect(readdirSync(etc).sort()).toEqual(["config.json", "password"]);
  });

  it("uninstall keeps config, outbox and user; --purge removes them", () => {
    mkdirSync(join(root, "var/lib/xmpp-iot/outbox"), { recursive: true });
    writeFileSync(join(root, "var/lib/xmpp-iot/outbox/0001.jsonl"), "{}\n");
    let result = run("uninstall.sh", ["--root", root]);
    expect(result.status).toBe(0);
    expect(existsSync(join(root, "etc/systemd/system/xmpp-iot.service"))).toBe(false);
    expect(existsSync(join(root, "etc/systemd/system/multi-user.target.wants/xmpp-iot.service"))).toBe(false);
    expect(existsSync(join(root, "opt/xmpp-iot"))).toBe(false);
    expect(existsSync(join(root, "etc/xmpp-iot/password"))).toBe(true);
    expect(existsSync(join(root, "var/lib/xmpp-iot/outbox/0001.jsonl"))).toBe(true);
    expect(readFileSync(join(root, "etc/passwd"), "utf8")).toContain("xmpp-iot:");

    result = run("uninstall.sh", ["--root", root, "--purge"]);
    expect(result.status).toBe(0);
    expect(existsSync(join(root, "etc/xmpp-iot"))).toBe(false);
    expect(existsSync(join(root, "var/lib/xmpp-iot"))).toBe(false);
    expect(readFileSync(join(root, "etc/passwd"), "utf8")).not.toContain("xmpp-iot:");
    expect(readFileSync(join(root, "etc/group"), "utf8")).toMatch(/^dialout:x:20:$/m);
  });

  it("works in a bare scratch root without a passwd file, with --prefix and --no-enable", () => {
    const root = join(scratch, "bare");
    mkdirSync(root);
    const { status, out } = run("install.sh", ["--root", root, "--prefix", "/usr/local/lib/xmpp-iot", "--no-enable"]);
    expect(status).toBe(0);
    expect(out).toContain("the user xmpp-iot is not created");
    expect(readFileSync(join(root, "etc/systemd/system/xmpp-iot.service"), "utf8")).toContain("/usr/local/lib/xmpp-iot/dist/xmpp-iot.mjs run");
    expect(existsSync(join(root, "etc/systemd/system/multi-user.target.wants"))).toBe(false);
    expect(existsSync(join(root, "usr/local/lib/xmpp-iot/dist/xmpp-iot.mjs"))).toBe(true);
  });

  it.each([
    ["v18.19.0", false],
    ["v20.9.0", false],
    ["v20.10.0", true],
    ["v22.1.0", true],
  ])("gates on Node >= 20.10: %s -> %s", (version, accepted) => {
    const root = join(scratch, `node-${version}`);
    mkdirSync(join(root, "usr/bin"), { recursive: true });
    // A fake node inside the root answers --version; the installer prefers the target's node.
    writeFileSync(join(root, "usr/bin/node"), `#!/bin/sh\necho ${version}\n`, { mode: 0o755 });
    const { status, out } = run("install.sh", ["--root", root, "--config", join(REPO, "config.example.json")]);
    if (accepted) {
      expect(out).toContain(`using Node ${version}`);
      expect(status).toBe(0);
    } else {
      expect(out).toContain("is too old: xmpp-iot needs >= 20.10");
      expect(status).toBe(1);
      expect(existsSync(join(root, "etc/systemd/system/xmpp-iot.service"))).toBe(false);
    }
  });

  it("refuses a live install when not root, and unknown options", () => {
    expect(run("install.sh", ["--bogus"]).status).toBe(1);
    if (!isRoot) expect(run("install.sh", []).out).toContain("run as root");
  });
});
