import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { deviceSchema } from "../../devices/index.js";
import { withChecksum } from "../../devices/nmea/parse.js";
import { formatIssues } from "../../src/config/load.js";
import { runDevice, type DeviceRun } from "./harness.js";
import { createPtyPair, send, type PtyPair } from "./pty.js";
import { eventually } from "../harness/wait.js";

// A GPS on a real socat PTY with the real serialport binding.
describe("nmea driver on a socat PTY", () => {
  let pty: PtyPair | undefined;
  let run: DeviceRun | undefined;
  afterEach(async () => {
    await run?.stop();
    await pty?.close();
  });

  it("GGA and RMC become lat/lon/alt/speed/fix/satellites with SenML units; bad sentences are counted, not published", async () => {
    pty = await createPtyPair();
    run = runDevice({ id: "gps", driver: "nmea", path: pty.a, reconnectMinMs: 50, reconnectMaxMs: 200 });
    await run.start();
    const current = run;
    await eventually(() => current.lastHealth()?.state === "ok", "port open");
    const device = await pty.device();
    await send(device, [
      "$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*48", // wrong checksum
      "$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47",
      withChecksum("GPGSV,3,1,11,03,03,111,00,04,15,270,00,06,01,010,00,13,06,292,00"),
      "GPGGA no dollar",
      "",
    ].join("\r\n"));
    await send(device, Buffer.concat([randomBytes(300).map((b) => (b === 0x0a ? 0x20 : b)), Buffer.from("\r\n")]));
    await send(device, "$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A\r\n");
    await eventually(() => current.readings.length === 8, "8 readings");
    expect(current.values()).toEqual([
      { channel: "lat", value: 48.1173, unit: "lat" },
      { channel: "lon", value: 11.5166667, unit: "lon" },
      { channel: "alt", value: 545.4, unit: "m" },
      { channel: "fix", value: 1 },
      { channel: "satellites", value: 8 },
      { channel: "lat", value: 48.1173, unit: "lat" },
      { channel: "lon", value: 11.5166667, unit: "lon" },
      { channel: "speed", value: 11.524, unit: "m/s" },
    ]);
    expect(current.driver.stats()).toMatchObject({ gga: 1, rmc: 1, ignored: 1, badChecksums: 1 });
    // The random line may overflow the 256-byte bound or be malformed: either way counted once.
    expect((current.driver.stats()["malformed"] ?? 0) + (current.driver.stats()["overflows"] ?? 0)).toBe(2);
  });

  it("unplug and replug of the GPS recovers by itself", async () => {
    pty = await createPtyPair();
    run = runDevice({ id: "gps", driver: "nmea", path: pty.a, reconnectMinMs: 50, reconnectMaxMs: 200 });
    await run.start();
    const current = run;
    await eventually(() => current.lastHealth()?.state === "ok", "port open");
    await pty.unplug();
    await eventually(() => current.lastHealth()?.state === "failing", "failing");
    await pty.plug();
    await eventually(() => current.lastHealth()?.state === "ok", "recovered");
    await send(await pty.device(), `${withChecksum("GNGGA,000000,,,,,0,03,99.99,,,,,,")}\r\n`);
    await eventually(() => current.readings.length === 2, "no-fix readings");
    expect(current.values()).toEqual([{ channel: "fix", value: 0 }, { channel: "satellites", value: 3 }]);
  });

  it("config: unknown channel names and keys are errors naming the field", () => {
    const result = deviceSchema.safeParse({ id: "gps", driver: "nmea", path: "/dev/ttyAMA0", baud: 9600, channels: { latitude: {} } });
    expect(result.success).toBe(false);
    expect(result.success ? [] : formatIssues(result.error.issues)).toEqual([
      "baud: unknown key",
      "channels.latitude: not an NMEA channel; expected one of lat, lon, alt, speed, fix, satellites",
    ]);
  });
});
