import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../src/logging/log.js";
import { createSdNotify } from "../../src/systemd/sd-notify.js";
import { listenNotify, type NotifyListener } from "./notify-listener.js";

// The protocol is checked against a real AF_UNIX datagram socket (python3 stands in for systemd's
// end) and the real systemd-notify helper: no mocks of either side.
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const fn of cleanups.splice(0)) fn();
});

async function listen(address: string): Promise<NotifyListener> {
  const listener = await listenNotify(address);
  cleanups.push(listener.close);
  return listener;
}

function logCapture(): { log: ReturnType<typeof createLogger>; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(JSON.parse(chunk.toString("utf8")) as Record<string, unknown>);
      callback();
    },
  });
  return { log: createLogger({ level: "debug" }, sink), lines };
}

function scratchSocketPath(): string {
  const dir = mkdtempSync(join(tmpdir(), "xmpp-iot-notify-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, "notify.sock");
}

describe("sd_notify over a real datagram socket", () => {
  it("is a no-op without NOTIFY_SOCKET and never spawns the helper", async () => {
    const { log, lines } = logCapture();
    const notify = createSdNotify({ env: { WATCHDOG_USEC: "1000000" }, log, command: "/nonexistent/systemd-notify" });
    expect(notify.enabled).toBe(false);
    expect(notify.watchdogIntervalMs).toBeUndefined();
    await notify.start(new AbortController().signal);
    await notify.ready("up");
    await notify.status("x");
    await notify.stopping();
    await notify.stop();
    expect(lines.filter((line) => (line["level"] as number) >= 40)).toEqual([]);
  });

  it("sends READY=1 with MAINPID, STATUS (one line) and STOPPING=1 to a path socket", async () => {
    const listener = await listen(scratchSocketPath());
    const { log } = logCapture();
    const notify = createSdNotify({ env: { NOTIFY_SOCKET: listener.address, PATH: process.env["PATH"] }, log });
    expect(notify.enabled).toBe(true);
    await notify.ready("2/2 devices ok");
    await notify.status("outbox 3\nREADY=1");
    await notify.status("outbox 3\nREADY=1"); // unchanged: not sent again
    await notify.stopping("shutting down");
    await notify.stop();
    await listener.waitFor((m) => m.length >= 3);
    expect(listener.messages.map((m) => m.data)).toEqual([
      `MAINPID=${process.pid}\nREADY=1\nSTATUS=2/2 devices ok`,
      "STATUS=outbox 3 READY=1",
      "STOPPING=1\nSTATUS=shutting down",
    ]);
  });

  it("as an unprivileged user the datagram comes from the helper's PID (hence NotifyAccess=all)", async (context) => {
    // Root may put its parent's PID in SCM_CREDENTIALS; the service user (xmpp-iot) cannot, so
    // systemd sees the helper's PID and only accepts it with NotifyAccess=all.
    if (process.getuid?.() !== 0) context.skip();
    const dir = mkdtempSync(join(tmpdir(), "xmpp-iot-notify-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    chmodSync(dir, 0o777);
    const listener = await listen(join(dir, "notify.sock"));
    chmodSync(listener.address, 0o777);
    const wrapper = join(dir, "notify-as-nobody.sh");
    writeFileSync(wrapper, '#!/bin/sh\nexec setpriv --reuid=65534 --regid=65534 --clear-groups systemd-notify "$@"\n', { mode: 0o755 });
    const { log } = logCapture();
    const notify = createSdNotify({ env: { NOTIFY_SOCKET: listener.address, PATH: process.env["PATH"] }, log, command: wrapper });
    await notify.ready();
    await listener.waitFor((m) => m.length >= 1);
    expect(listener.messages[0]?.data).toBe(`MAINPID=${process.pid}\nREADY=1`);
    expect(listener.messages[0]?.pid).not.toBe(process.pid);
  });

  it("reaches an abstract socket given as @name", async () => {
    const listener = await listen(`@xmpp-iot-test-${process.pid}-${Date.now()}`);
    const { log } = logCapture();
    const notify = createSdNotify({ env: { NOTIFY_SOCKET: listener.address }, log });
    await notify.ready();
    await listener.waitFor((m) => m.length >= 1);
    expect(listener.messages[0]?.data).toBe(`MAINPID=${process.pid}\nREADY=1`);
  });

  it("pings WATCHDOG=1 at half of WATCHDOG_USEC until stopped", async () => {
    const listener = await listen(scratchSocketPath());
    const { log } = logCapture();
    const notify = createSdNotify({
      env: { NOTIFY_SOCKET: listener.address, WATCHDOG_USEC: "400000", WATCHDOG_PID: String(process.pid) },
      log,
    });
    expect(notify.watchdogIntervalMs).toBe(200);
    const controller = new AbortController();
    const started = Date.now();
    await notify.start(controller.signal);
    await listener.waitFor((m) => m.filter((x) => x.data === "WATCHDOG=1").length >= 4);
    // One immediate ping, then one per 200 ms: four pings take at least ~600 ms.
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);
    controller.abort();
    await notify.stop();
    const count = listener.messages.length;
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(listener.messages.length).toBe(count);
  });

  it("leaves the watchdog alone when WATCHDOG_PID names another process", () => {
    const { log } = logCapture();
    const notify = createSdNotify({ env: { NOTIFY_SOCKET: "/run/x", WATCHDOG_USEC: "1000000", WATCHDOG_PID: "1" }, log, pid: 4242 });
    expect(notify.watchdogIntervalMs).toBeUndefined();
  });

  it("reports a missing helper once, then stays quiet", async () => {
    const { log, lines } = logCapture();
    const notify = createSdNotify({ env: { NOTIFY_SOCKET: scratchSocketPath() }, log, command: "/nonexistent/systemd-notify" });
    await notify.ready();
    await notify.status("a");
    await notify.stopping();
    const errors = lines.filter((line) => line["level"] === 50);
    expect(errors).toHaveLength(1);
    expect(String(errors[0]?.["msg"])).toContain("systemd-notify not found");
  });

  it("logs, and does not throw, when nobody listens on the socket", async () => {
    const { log, lines } = logCapture();
    const notify = createSdNotify({ env: { NOTIFY_SOCKET: scratchSocketPath() }, log });
    await notify.ready();
    expect(lines.some((line) => line["msg"] === "sd_notify message not delivered")).toBe(true);
  });
});
