import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// The shipped unit, checked by systemd's own tools (package `systemd`): `verify` parses it exactly
// as PID 1 would (unknown keys and bad values are warnings there, so any output fails the test),
// and `security --offline` scores the sandbox.
const UNIT = fileURLToPath(new URL("../../systemd/xmpp-iot.service", import.meta.url));
const text = readFileSync(UNIT, "utf8");

function analyze(args: string[]): { status: number | null; out: string } {
  const result = spawnSync("systemd-analyze", args, { encoding: "utf8", timeout: 30_000 });
  return { status: result.status, out: `${result.stdout}${result.stderr}` };
}

/** Every value of a key, in order (a key may repeat, e.g. DeviceAllow=). */
function values(key: string): string[] {
  return text.split("\n").filter((line) => line.startsWith(`${key}=`)).map((line) => line.slice(key.length + 1));
}

describe("systemd/xmpp-iot.service", () => {
  it("passes systemd-analyze verify with no warnings", () => {
    // ExecStart's /usr/bin/node must exist for verify; install.sh rewrites the path when Node
    // lives elsewhere, so a host without it verifies a copy pointing at this test's node.
    let file = UNIT;
    let dir: string | undefined;
    if (spawnSync("test", ["-x", "/usr/bin/node"]).status !== 0) {
      dir = mkdtempSync(join(tmpdir(), "xmpp-iot-unit-"));
      file = join(dir, "xmpp-iot.service");
      writeFileSync(file, text.replaceAll("/usr/bin/node ", `${process.execPath} `));
    }
    try {
      const result = analyze(["verify", file]);
      expect(result.out).toBe("");
      expect(result.status).toBe(0);
    } finally {
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  });

  it("catches a broken unit (so the check above means something)", () => {
    const dir = mkdtempSync(join(tmpdir(), "xmpp-iot-unit-"));
    try {
      const file = join(dir, "xmpp-iot.service");
      writeFileSync(file, text.replace("ProtectSystem=strict", "ProtectSystem=bogus\nFooBar=1"));
      expect(analyze(["verify", file]).out).toMatch(/FooBar|protect system/i);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("is sandboxed: systemd-analyze security scores it OK or better", () => {
    const result = analyze(["security", "--offline=yes", "--no-pager", UNIT]);
    const score = Number(/Overall exposure level for xmpp-iot\.service: ([\d.]+)/.exec(result.out)?.[1]);
    // 10 is unsandboxed; <= 3 is "OK" in systemd's scale. A regression above 2.5 should be a choice.
    expect(score).toBeLessThanOrEqual(2.5);
  });

  it("has the notify, watchdog, restart, user and device settings the agent relies on", () => {
    expect(values("Type")).toEqual(["notify"]);
    expect(values("NotifyAccess")).toEqual(["all"]);
    expect(Number.parseInt(values("WatchdogSec")[0] ?? "", 10)).toBeGreaterThan(0);
    expect(values("Restart")).toEqual(["on-failure"]);
    expect(values("RestartForceExitStatus")).toEqual(["SIGHUP"]);
    expect(values("RestartPreventExitStatus")).toEqual(["78"]);
    expect(values("Wants")).toContain("network-online.target time-sync.target");
    expect(values("After")).toContain("network-online.target time-sync.target");
    expect(values("User")).toEqual(["xmpp-iot"]);
    expect(values("SupplementaryGroups")).toEqual(["dialout gpio"]);
    expect(values("StateDirectory")).toEqual(["xmpp-iot"]);
    expect(values("ExecStart")).toEqual(["/usr/bin/node --max-semi-space-size=1 --optimize-for-size --no-opt /opt/xmpp-iot/dist/xmpp-iot.mjs run --config /etc/xmpp-iot/config.json"]);
    expect(values("NoNewPrivileges")).toEqual(["yes"]);
    expect(values("ProtectSystem")).toEqual(["strict"]);
    expect(values("ProtectHome")).toEqual(["yes"]);
    expect(values("PrivateTmp")).toEqual(["yes"]);
    expect(values("PrivateDevices")).toEqual(["no"]);
    expect(values("DevicePolicy")).toEqual(["closed"]);
    expect(values("DeviceAllow")).toEqual(expect.arrayContaining(["char-ttyUSB rw", "char-ttyACM rw", "char-ttyAMA rw", "char-gpiochip rw"]));
    expect(values("RestrictAddressFamilies")[0]?.split(" ")).toEqual(expect.arrayContaining(["AF_UNIX", "AF_INET", "AF_INET6"]));
    expect(text).not.toMatch(/^MemoryDenyWriteExecute=yes/m);
  });
});
