import { spawnSync } from "node:child_process";
import { readlinkSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { describePortError } from "../../devices/serial-port/port.js";
import { createPtyPair, type PtyPair } from "./pty.js";

const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;

// A real EACCES: socat's PTY is root-only (crw-------), and an unprivileged process opens it
// with the real bindings-cpp. The message it gets must turn into the dialout advice.
describe.skipIf(!isRoot)("permission denied on a real tty", () => {
  let pty: PtyPair | undefined;
  afterEach(async () => { await pty?.close(); });

  it("the binding's own EACCES message becomes 'add the user to the dialout group'", async () => {
    pty = await createPtyPair();
    const device = readlinkSync(pty.a);
    const script = fileURLToPath(new URL("./open-port.cjs", import.meta.url));
    const result = spawnSync(process.execPath, [script, device], { uid: NOBODY, gid: NOBODY, encoding: "utf8", timeout: 10_000, cwd: fileURLToPath(new URL("../..", import.meta.url)) });
    expect(result.status, result.stderr).toBe(0);
    const { error } = JSON.parse(result.stdout) as { error: string | null };
    expect(error).toMatch(/Permission denied/);
    expect(describePortError(device, new Error(error ?? ""))).toBe(
      `permission denied on ${device}: add the user to the dialout group (sudo usermod -aG dialout $USER) and log in again`,
    );
  });
});
