import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { deviceSchema } from "../../devices/index.js";
import { runDevice, type DeviceRun } from "./harness.js";
import { eventually } from "../harness/wait.js";

// The kernel's /sys/bus/iio/devices layout rebuilt in a temp dir (root is configurable): the real
// driver reads these files exactly as it reads sysfs on a Pi. No I2C hardware is involved here.
describe("iio driver on a fake /sys/bus/iio/devices tree", () => {
  let root = "";
  let run: DeviceRun | undefined;
  const device = (entry: string, files: Record<string, string>): void => {
    mkdirSync(join(root, entry), { recursive: true });
    for (const [file, text] of Object.entries(files)) {
      // Whole-file replace, as sysfs never shows a half-written value.
      writeFileSync(join(root, entry, `${file}.tmp`), text);
      renameSync(join(root, entry, `${file}.tmp`), join(root, entry, file));
    }
  };
  const bme280 = { name: "bme280\n", in_temp_input: "21500\n", in_humidityrelative_input: "45123\n", in_pressure_input: "101.325000\n", in_temp_oversampling_ratio: "2\n" };
  afterEach(async () => {
    await run?.stop();
    run = undefined;
    rmSync(root, { recursive: true, force: true });
  });

  it("finds the device by name, not by N, and publishes every channel in SenML units", async () => {
    root = mkdtempSync(join(tmpdir(), "xmpp-iot-iio-"));
    device("iio:device0", { name: "ads1115\n", in_voltage0_raw: "16000\n", in_voltage1_raw: "-800\n", in_voltage_scale: "0.125000000\n" });
    device("iio:device1", bme280);
    device("iio:device2", { name: "bh1750\n", in_illuminance_raw: "1000\n", in_illuminance_scale: "0.833333\n" });
    device("iio:device3", { name: "tmp007\n", in_temp_raw: "100\n", in_temp_offset: "-50\n", in_temp_scale: "500\n" });
    run = runDevice({ id: "air", driver: "iio", deviceName: "bme280", root, intervalMs: 100 });
    await run.start();
    const air = run;
    await eventually(() => air.readings.length >= 3, "three bme280 readings");
    expect(air.values().slice(0, 3)).toEqual([
      { channel: "humidityrelative", value: 45.123, unit: "%RH" },
      { channel: "pressure", value: 101325, unit: "Pa" },
      { channel: "temp", value: 21.5, unit: "Cel" },
    ]);
    expect(air.lastHealth()?.state).toBe("ok");
    await air.stop();

    run = runDevice({ id: "adc", driver: "iio", deviceName: "ads1115", root, intervalMs: 100, channels: { battery: { source: "voltage0", precision: 2 }, voltage1: {} } });
    await run.start();
    const adc = run;
    await eventually(() => adc.readings.length >= 2, "two ads1115 readings");
    expect(adc.values().slice(0, 2)).toEqual([{ channel: "battery", value: 2, unit: "V" }, { channel: "voltage1", value: -0.1, unit: "V" }]);
    await adc.stop();

    for (const [name, expected] of [["bh1750", { channel: "illuminance", value: 833.333, unit: "lx" }], ["tmp007", { channel: "temp", value: 25, unit: "Cel" }]] as const) {
      run = runDevice({ id: "x", driver: "iio", deviceName: name, root, intervalMs: 100 });
      await run.start();
      const current = run;
      await eventually(() => current.readings.length >= 1, `${name} reading`);
      expect(current.values()[0]).toEqual(expected);
      await current.stop();
    }
  });

  it("two chips of one kind: `address` picks the one whose device link names that I2C client", async () => {
    root = mkdtempSync(join(tmpdir(), "xmpp-iot-iio-"));
    // As in sysfs: iio:deviceN/device -> ../../../devices/platform/soc/fe804000.i2c/i2c-1/1-0077
    device("iio:device0", { ...bme280, in_temp_input: "30000\n" });
    symlinkSync("../../../devices/platform/soc/fe804000.i2c/i2c-1/1-0077", join(root, "iio:device0", "device"));
    device("iio:device1", bme280);
    symlinkSync("../../../devices/platform/soc/fe804000.i2c/i2c-1/1-0076", join(root, "iio:device1", "device"));
    run = runDevice({ id: "inside", driver: "iio", deviceName: "bme280", address: "0x76", root, intervalMs: 100, channels: { temp: {} } });
    await run.start();
    const inside = run;
    await eventually(() => inside.readings.length >= 1, "reading of the chip at 0x76");
    expect(inside.values()[0]).toEqual({ channel: "temp", value: 21.5, unit: "Cel" });
    await inside.stop();
    run = runDevice({ id: "outside", driver: "iio", deviceName: "bme280", address: 0x77, root, intervalMs: 100, channels: { temp: {} } });
    await run.start();
    const outside = run;
    await eventually(() => outside.readings.length >= 1, "reading of the chip at 0x77");
    expect(outside.values()[0]).toEqual({ channel: "temp", value: 30, unit: "Cel" });
    await outside.stop();
    run = runDevice({ id: "none", driver: "iio", deviceName: "bme280", address: "0x48", root, intervalMs: 100 });
    await run.start();
    const none = run;
    await eventually(() => none.lastHealth()?.state === "failing", "no chip at 0x48");
    expect(none.lastHealth()?.reason).toMatch(/no IIO device named "bme280" at 0x48 /);
  });

  it("a missing device fails with the dtoverlay line, comes back when it appears, fails again when it disappears", async () => {
    root = mkdtempSync(join(tmpdir(), "xmpp-iot-iio-"));
    run = runDevice({ id: "air", driver: "iio", deviceName: "bme280", root, intervalMs: 100 });
    await run.start();
    const air = run;
    await eventually(() => air.lastHealth()?.state === "failing", "failing while absent");
    expect(air.lastHealth()?.reason).toMatch(/no IIO device named "bme280" .*dtoverlay=i2c-sensor,bme280.*SDA to GPIO2/);
    // The overlay loads (as after a reboot): the device shows up under a new N.
    device("iio:device4", bme280);
    await eventually(() => air.lastHealth()?.state === "ok", "ok once it appears");
    await eventually(() => air.values("temp").length >= 1, "temp reading");
    expect(air.values("temp")[0]).toEqual({ channel: "temp", value: 21.5, unit: "Cel" });
    rmSync(join(root, "iio:device4"), { recursive: true });
    await eventually(() => air.lastHealth()?.state === "failing", "failing once it disappears");
    expect(air.lastHealth()?.reason).toMatch(/not found.*dtoverlay=i2c-sensor,bme280/);
    expect(air.driver.stats()["missing"]).toBeGreaterThanOrEqual(2);
  });

  it("a channel that cannot be read fails the device with the reason; the other channels keep publishing", async () => {
    root = mkdtempSync(join(tmpdir(), "xmpp-iot-iio-"));
    device("iio:device0", bme280);
    run = runDevice({ id: "air", driver: "iio", deviceName: "bme280", root, intervalMs: 100 });
    await run.start();
    const air = run;
    await eventually(() => air.lastHealth()?.state === "ok", "ok");
    // A read that errors (a directory gives EISDIR, as an I2C NACK gives EIO) and one with garbage.
    rmSync(join(root, "iio:device0", "in_humidityrelative_input"));
    mkdirSync(join(root, "iio:device0", "in_humidityrelative_input"));
    device("iio:device0", { in_pressure_input: "busy\n", in_temp_input: "22000\n" });
    await eventually(() => air.lastHealth()?.state === "failing", "failing on the read error");
    expect(air.lastHealth()?.reason).toMatch(/cannot read bme280 humidityrelative: .*EISDIR/);
    expect(air.lastHealth()?.reason).toMatch(/cannot read bme280 pressure: .*"busy", not a number/);
    await eventually(() => air.values("temp").some((r) => r.value === 22), "temp still published");
    rmSync(join(root, "iio:device0", "in_humidityrelative_input"), { recursive: true });
    device("iio:device0", { in_humidityrelative_input: "50000\n", in_pressure_input: "100.000000\n" });
    await eventually(() => air.lastHealth()?.state === "ok", "recovered");
    expect(air.driver.stats()["readErrors"]).toBeGreaterThanOrEqual(2);
    await expect(air.driver.write("temp", 1)).rejects.toThrow(/cannot be set/);
  });

  it("config: a configured channel gets its unit; a bad source or missing deviceName is refused with the field", () => {
    const parsed = deviceSchema.parse({ id: "air", driver: "iio", deviceName: "bme280", channels: { temperature: { source: "temp", precision: 1 } } });
    expect(parsed.channels?.["temperature"]).toEqual({ unit: "Cel", source: "temp", precision: 1 });
    const bad = deviceSchema.safeParse({ id: "air", driver: "iio", deviceName: "bme280", channels: { Temperature: {} } });
    expect(bad.success ? [] : bad.error.issues.map((i) => i.path.join("."))).toEqual(["channels.Temperature.source"]);
    for (const address of ["0x78", 0x80, "76"]) {
      const badAddress = deviceSchema.safeParse({ id: "air", driver: "iio", deviceName: "bme280", address });
      expect(badAddress.success ? [] : badAddress.error.issues.map((i) => i.path.join(".")), String(address)).toEqual(["address"]);
    }
    const noName = deviceSchema.safeParse({ id: "air", driver: "iio" });
    expect(noName.success ? [] : noName.error.issues.map((i) => i.path.join("."))).toEqual(["deviceName"]);
  });
});
