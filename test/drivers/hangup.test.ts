import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { createReopeningPort, type ReopeningPort } from "../../devices/serial-port/port.js";
import type { DeviceHealth } from "../../src/device-contract/index.js";
import { eventually } from "../harness/wait.js";
import { createPtyPair, type PtyPair } from "./pty.js";

// A device that vanishes right after the port opened: the tty then reads 0 bytes forever (the
// kernel hung it up), which the real bindings-cpp retries without end. Without the hang-up check
// about half of these unplugs went unnoticed.
describe("serial port unplugged right after it opened (real socat PTY, real binding)", () => {
  let pty: PtyPair | undefined;
  let port: ReopeningPort | undefined;
  afterEach(async () => {
    await port?.stop();
    await pty?.close();
  });

  it("notices every one of 12 unplugs, each within 2 s", async () => {
    const noticedAfterMs: number[] = [];
    for (let round = 0; round < 12; round++) {
      pty = await createPtyPair();
      const health: DeviceHealth[] = [];
      const current = createReopeningPort(
        { log: pino({ level: "silent" }), setHealth: (h) => health.push(h), onData: () => {} },
        { path: pty.a, baudRate: 9600, reconnectMinMs: 5000, reconnectMaxMs: 5000 },
      );
      port = current;
      current.start(new AbortController().signal);
      await eventually(() => health.at(-1)?.state === "ok", "port open", 5000, { everyMs: 1 });
      const unpluggedAt = Date.now();
      await pty.unplug();
      await eventually(() => health.at(-1)?.state === "failing", `unplug ${round + 1} noticed`, 2000, { everyMs: 5 });
      noticedAfterMs.push(Date.now() - unpluggedAt);
      expect(current.stats().disconnects).toBe(1);
      expect(health.at(-1)?.reason).toMatch(/disconnected \(unplugged\?\)/);
      await current.stop();
      await pty.close();
      port = undefined;
      pty = undefined;
    }
    expect(noticedAfterMs).toHaveLength(12);
  });
});
