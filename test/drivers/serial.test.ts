import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { PMS5003_FRAME, pms5003Frame } from "../../devices/serial/fixtures.js";
import { encodeSds011 } from "../../devices/serial/sds011.js";
import { runDevice, type DeviceRun } from "./harness.js";
import { createPtyPair, send, type PtyPair } from "./pty.js";
import { eventually } from "../harness/wait.js";

// Real pseudo-terminals (socat) and the real node-serialport binding: the driver opens A, the test
// writes into B as the sensor would.
describe("serial driver on a socat PTY", () => {
  let pty: PtyPair | undefined;
  let run: DeviceRun | undefined;
  afterEach(async () => {
    await run?.stop();
    await pty?.close();
    run = undefined;
    pty = undefined;
  });

  async function open(config: Record<string, unknown>): Promise<{ pty: PtyPair; run: DeviceRun }> {
    pty = await createPtyPair();
    run = runDevice({ id: "meter", driver: "serial", path: pty.a, reconnectMinMs: 50, reconnectMaxMs: 200, ...config });
    await run.start();
    const current = run;
    await eventually(() => current.lastHealth()?.state === "ok", "port open");
    return { pty, run };
  }

  it("json: each key is a channel, units from config, unknown keys without unit", async () => {
    const { pty, run } = await open({ format: "json", channels: { temperature: { unit: "Cel" }, humidity: { unit: "%RH" } } });
    const device = await pty.device();
    await send(device, '{"temperature":21.5,"humidity":40}\n{"temperature":22,"door":"open"}\n');
    await eventually(() => run.readings.length === 4, "4 readings");
    expect(run.values()).toEqual([
      { channel: "temperature", value: 21.5, unit: "Cel" },
      { channel: "humidity", value: 40, unit: "%RH" },
      { channel: "temperature", value: 22, unit: "Cel" },
      { channel: "door", value: "open" },
    ]);
  });

  it("garbage (random bytes, invalid JSON, wrong types, a 200 kB line without newline) is counted and skipped; the next good line arrives", async () => {
    const { pty, run } = await open({ format: "json", maxLineLength: 4096, channels: { temperature: { unit: "Cel" } } });
    const device = await pty.device();
    await send(device, '{"temperature":20}\n');
    await send(device, Buffer.concat([randomBytes(2048), Buffer.from("\n")]));
    await send(device, "{not json\n");
    await send(device, '{"temperature":"hot"}\n');
    await send(device, "[1,2,3]\n");
    await send(device, Buffer.alloc(200 * 1024, "x"));
    await send(device, '\n{"temperature":21.25}\n');
    await eventually(() => run.readings.length === 2, "the good line after the garbage");
    expect(run.values()).toEqual([
      { channel: "temperature", value: 20, unit: "Cel" },
      { channel: "temperature", value: 21.25, unit: "Cel" },
    ]);
    const stats = run.driver.stats();
    expect(stats["overflows"]).toBe(1);
    expect(stats["badValues"]).toBe(1);
    expect(stats["garbageLines"]).toBeGreaterThanOrEqual(3);
    expect(run.lastHealth()?.state).toBe("ok");
    // Bounded-rate logging: five kinds of bad input, one warning per 10 s window (two if a slow
    // machine straddles a window boundary).
    const warnings = run.logs.filter((l) => l.msg === "bad input from device skipped").length;
    expect(warnings).toBeGreaterThanOrEqual(1);
    expect(warnings).toBeLessThanOrEqual(2);
  });

  it("a value its channel's type cannot hold is the driver's bad value, whatever made the channel a number", async () => {
    const { pty, run } = await open({ format: "json", channels: { level: { scale: 0.1 } } });
    await send(await pty.device(), '{"level":"hot"}\n{"level":215}\n');
    await eventually(() => run.readings.length === 1, "the good line");
    expect(run.values()).toEqual([{ channel: "level", value: 21.5 }]);
    expect(run.driver.stats()["badValues"]).toBe(1);
    expect(run.pipeline.stats().rejected).toBe(0);
  });

  it("kv, csv and regex lines deliver exactly the values written", async () => {
    const { pty, run } = await open({ format: "kv", channels: { t: { unit: "Cel" }, h: { unit: "%RH" } } });
    await send(await pty.device(), "t=21.5 h=40\nt=-3 h=99.5\n");
    await eventually(() => run.readings.length === 4, "kv readings");
    expect(run.values().map((v) => v.value)).toEqual([21.5, 40, -3, 99.5]);
    await run.stop();
    await pty.close();

    const csv = await open({ format: "csv", columns: ["temperature", "-", "pressure"], channels: { pressure: { unit: "hPa" } } });
    await send(await csv.pty.device(), "21.5,ignored,1013.2\n1,2\n22,x,1000\n");
    await eventually(() => csv.run.readings.length === 4, "csv readings");
    expect(csv.run.values()).toEqual([
      { channel: "temperature", value: 21.5 },
      { channel: "pressure", value: 1013.2, unit: "hPa" },
      { channel: "temperature", value: 22 },
      { channel: "pressure", value: 1000, unit: "hPa" },
    ]);
    expect(csv.run.driver.stats()["garbageLines"]).toBe(1);
    await csv.run.stop();
    await csv.pty.close();

    const regex = await open({ format: "regex", pattern: "^T=(?<temperature>-?[\\d.]+)C RH=(?<humidity>[\\d.]+)%$" });
    await send(await regex.pty.device(), "T=-4.5C RH=80%\nboot v1.2\n");
    await eventually(() => regex.run.readings.length === 2 && regex.run.driver.stats()["garbageLines"] === 1, "regex readings");
    expect(regex.run.values()).toEqual([{ channel: "temperature", value: -4.5 }, { channel: "humidity", value: 80 }]);
  });

  it("sds011: binary frames between noise give PM2.5/PM10 in ug/m3; a bad checksum is counted", async () => {
    const { pty, run } = await open({ format: "sds011" });
    const corrupt = encodeSds011(50, 60);
    corrupt[8] = (corrupt[8] ?? 0) ^ 0xff;
    await send(await pty.device(), Buffer.concat([randomBytes(64).map((b) => (b === 0xaa ? 0 : b)), encodeSds011(14, 14.8), corrupt, Buffer.from([0xaa, 0x01]), encodeSds011(123.4, 999.9)]));
    await eventually(() => run.readings.length === 4, "two frames");
    expect(run.values()).toEqual([
      { channel: "pm2_5", value: 14, unit: "ug/m3" },
      { channel: "pm10", value: 14.8, unit: "ug/m3" },
      { channel: "pm2_5", value: 123.4, unit: "ug/m3" },
      { channel: "pm10", value: 999.9, unit: "ug/m3" },
    ]);
    expect(run.driver.stats()).toMatchObject({ frames: 2, badChecksums: 1 });
    expect(run.driver.stats()["garbageBytes"]).toBeGreaterThanOrEqual(66);
  });

  it("frame (PMS5003 config: start bytes, length, sum16): fields become channels; noise and bad checksums are counted", async () => {
    const { pty, run } = await open({ format: "frame", frame: PMS5003_FRAME, channels: { pm2_5: { unit: "ug/m3" }, pm10: { unit: "ug/m3" } } });
    const corrupt = pms5003Frame(9, 9, 9);
    corrupt[31] = (corrupt[31] ?? 0) ^ 0x01;
    await send(await pty.device(), Buffer.concat([Buffer.from("noise\n"), pms5003Frame(3, 12, 25), corrupt, randomBytes(100).map((b) => (b === 0x42 ? 0 : b)), pms5003Frame(4, 13, 26)]));
    await eventually(() => run.readings.length === 6, "two frames");
    expect(run.values()).toEqual([
      { channel: "pm1_0", value: 3 }, { channel: "pm2_5", value: 12, unit: "ug/m3" }, { channel: "pm10", value: 25, unit: "ug/m3" },
      { channel: "pm1_0", value: 4 }, { channel: "pm2_5", value: 13, unit: "ug/m3" }, { channel: "pm10", value: 26, unit: "ug/m3" },
    ]);
    expect(run.driver.stats()).toMatchObject({ frames: 2, badChecksums: 1 });
  });

  it("a writable channel writes the line built from its template", async () => {
    const { pty, run } = await open({ format: "kv", writeTemplate: "SET {channel} {value}\n", channels: { relay: { type: "boolean", writable: true }, setpoint: { writable: true, writeTemplate: "SP={value}\r\n" } } });
    const device = await pty.device();
    let received = "";
    device.on("data", (chunk: Buffer) => { received += chunk.toString(); });
    expect(run.driver.writableChannels()).toEqual(["relay", "setpoint"]);
    await run.driver.write("relay", true);
    await run.driver.write("setpoint", 21.5);
    await eventually(() => received === "SET relay true\nSP=21.5\r\n", "the written lines");
    await expect(run.driver.write("nothing", 1)).rejects.toMatchObject({ code: "UNKNOWN_CHANNEL" });
  });

  it("unplug (socat killed) marks the device failing and retries; replug at the same path recovers by itself", async () => {
    const { pty, run } = await open({ format: "json", channels: { temperature: { unit: "Cel" } } });
    await send(await pty.device(), '{"temperature":1}\n');
    await eventually(() => run.readings.length === 1, "first reading");
    await pty.unplug();
    await eventually(() => run.lastHealth()?.state === "failing", "failing health");
    expect(run.lastHealth()?.reason).toMatch(/A disconnected \(unplugged\?\)/);
    // Several reopen attempts fail while the port is gone, each with backoff.
    await eventually(() => (run.driver.stats()["openFailures"] ?? 0) >= 2, "reopen attempts");
    expect(run.lastHealth()?.reason).toMatch(/A not found \(unplugged\?\)/);
    await pty.plug();
    await eventually(() => run.lastHealth()?.state === "ok", "recovered health");
    await send(await pty.device(), '{"temperature":2}\n');
    await eventually(() => run.readings.length === 2, "reading after replug");
    expect(run.values().map((v) => v.value)).toEqual([1, 2]);
    expect(run.driver.stats()).toMatchObject({ disconnects: 1, opens: 2 });
  });
});
