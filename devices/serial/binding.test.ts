import pino from "pino";
import { describe, expect, it } from "vitest";
import type { DeviceHealth } from "../../src/device-contract/index.js";
import type { SerialBinding } from "../serial-port/port.js";
import { createSerialDevice } from "./index.js";
import { serialDeviceSchema } from "./schema.js";

// Running as root, a real /dev/tty* never says EACCES here; an injected binding (node-serialport's
// seam) that refuses the open the way bindings-cpp does shows the reason a user gets.
describe("serial driver with an injected binding", () => {
  it("permission denied on open says to join dialout, and keeps retrying", async () => {
    let opens = 0;
    const refusing = {
      list: async () => [],
      open: async (options: { path: string }) => {
        opens++;
        throw new Error(`Error: Permission denied, cannot open ${options.path}`);
      },
    } as unknown as SerialBinding;
    const health: DeviceHealth[] = [];
    const config = serialDeviceSchema.parse({ id: "meter", driver: "serial", path: "/dev/ttyUSB0", format: "json", reconnectMinMs: 10, reconnectMaxMs: 20 });
    const driver = createSerialDevice({ deviceId: "meter", log: pino({ level: "silent" }), emit: () => {}, setHealth: (h) => health.push(h) }, config, { binding: refusing });
    await driver.start(new AbortController().signal);
    const deadline = Date.now() + 5000;
    while (opens < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await driver.stop();
    expect(opens).toBeGreaterThanOrEqual(3);
    expect(health.find((h) => h.state === "failing")?.reason).toBe(
      "permission denied on /dev/ttyUSB0: add the user to the dialout group (sudo usermod -aG dialout $USER) and log in again",
    );
    expect(driver.stats()["openFailures"]).toBe(opens);
    expect(health.at(-1)?.state).toBe("stopped");
  });
});

describe("a flapping port", () => {
  it("opens that fail at once back off exponentially instead of looping at the minimum delay", async () => {
    let opens = 0;
    // A port that opens fine and dies on the first read, like a USB adapter on a bad cable.
    const flapping = {
      list: async () => [],
      open: async (options: { path: string; baudRate: number }) => {
        opens++;
        let open = true;
        return {
          get isOpen() { return open; },
          openOptions: options,
          read: async () => { await new Promise((r) => setTimeout(r, 1)); throw Object.assign(new Error("EIO: device gone"), { canceled: false }); },
          write: async () => {},
          update: async () => {},
          set: async () => {},
          get: async () => ({ cts: false, dsr: false, dcd: false }),
          getBaudRate: async () => ({ baudRate: options.baudRate }),
          flush: async () => {},
          drain: async () => {},
          close: async () => { open = false; },
        };
      },
    } as unknown as SerialBinding;
    const config = serialDeviceSchema.parse({ id: "m", driver: "serial", path: "/dev/ttyUSB0", format: "kv", reconnectMinMs: 20, reconnectMaxMs: 2000 });
    const driver = createSerialDevice({ deviceId: "m", log: pino({ level: "silent" }), emit: () => {}, setHealth: () => {} }, config, { binding: flapping });
    await driver.start(new AbortController().signal);
    await new Promise((r) => setTimeout(r, 700));
    await driver.stop();
    // 20, 40, 80, 160, 320 ms (each at least half that): at most 7 opens in 700 ms; a reset on
    // every open would give ~35.
    expect(opens).toBeGreaterThanOrEqual(3);
    expect(opens).toBeLessThanOrEqual(7);
    expect(driver.stats()["disconnects"]).toBe(opens);
  });
});
