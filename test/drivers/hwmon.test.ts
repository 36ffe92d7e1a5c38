import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runDevice, type DeviceRun } from "./harness.js";
import { eventually } from "../harness/wait.js";

// /sys/class/hwmon and /sys/class/thermal rebuilt in a temp dir; the real drivers read them.
describe("hwmon and thermal drivers on fake sysfs trees", () => {
  let root = "";
  let run: DeviceRun | undefined;
  const files = (dir: string, content: Record<string, string>): void => {
    mkdirSync(join(root, dir), { recursive: true });
    for (const [file, text] of Object.entries(content)) {
      writeFileSync(join(root, dir, `${file}.tmp`), text);
      renameSync(join(root, dir, `${file}.tmp`), join(root, dir, file));
    }
  };
  afterEach(async () => {
    await run?.stop();
    run = undefined;
    rmSync(root, { recursive: true, force: true });
  });

  it("hwmon: finds the chip by name (also in device/), publishes temp in Cel and humidity in %RH, fails with the overlay when absent", async () => {
    root = mkdtempSync(join(tmpdir(), "xmpp-iot-hwmon-"));
    files("hwmon0", { name: "cpu_thermal\n", temp1_input: "48312\n" });
    files("hwmon2/device", { name: "lm75\n", temp1_input: "30500\n" });
    run = runDevice({ id: "sht", driver: "hwmon", deviceName: "sht3x", root, intervalMs: 100, channels: { temperature: { source: "temp1" }, humidity1: { precision: 0 } } });
    await run.start();
    const sht = run;
    await eventually(() => sht.lastHealth()?.state === "failing", "failing while absent");
    expect(sht.lastHealth()?.reason).toMatch(/no hwmon chip named "sht3x" .*dtoverlay=i2c-sensor,sht3x/);
    files("hwmon1", { name: "sht3x\n", temp1_input: "23450\n", humidity1_input: "51200\n", update_interval: "1000\n" });
    await eventually(() => sht.readings.length >= 2, "sht3x readings");
    expect(sht.values().slice(0, 2)).toEqual([{ channel: "temperature", value: 23.45, unit: "Cel" }, { channel: "humidity1", value: 51, unit: "%RH" }]);
    expect(sht.lastHealth()?.state).toBe("ok");
    rmSync(join(root, "hwmon1", "humidity1_input"));
    mkdirSync(join(root, "hwmon1", "humidity1_input"));
    await eventually(() => sht.lastHealth()?.state === "failing", "failing on a read error");
    expect(sht.lastHealth()?.reason).toMatch(/cannot read sht3x humidity1: .*EISDIR/);
    rmSync(join(root, "hwmon1"), { recursive: true });
    await eventually(() => /not found/.test(sht.lastHealth()?.reason ?? ""), "failing when it disappears");
    await sht.stop();

    for (const [name, expected] of [["cpu_thermal", { channel: "temp1", value: 48.312, unit: "Cel" }], ["lm75", { channel: "temp1", value: 30.5, unit: "Cel" }]] as const) {
      run = runDevice({ id: "x", driver: "hwmon", deviceName: name, root, intervalMs: 100 });
      await run.start();
      const current = run;
      await eventually(() => current.readings.length >= 1, `${name} reading`);
      expect(current.values()[0]).toEqual(expected);
      await current.stop();
    }
  });

  it("hwmon: two SHT31 on one bus, told apart by `address`", async () => {
    root = mkdtempSync(join(tmpdir(), "xmpp-iot-hwmon-"));
    files("hwmon3", { name: "sht3x\n", temp1_input: "20000\n" });
    symlinkSync("../../../1-0044", join(root, "hwmon3", "device"));
    files("hwmon4", { name: "sht3x\n", temp1_input: "4000\n" });
    symlinkSync("../../../1-0045", join(root, "hwmon4", "device"));
    run = runDevice({ id: "cellar", driver: "hwmon", deviceName: "sht3x", address: "0x45", root, intervalMs: 100, channels: { temp1: {} } });
    await run.start();
    const cellar = run;
    await eventually(() => cellar.readings.length >= 1, "reading of the chip at 0x45");
    expect(cellar.values()[0]).toEqual({ channel: "temp1", value: 4, unit: "Cel" });
  });

  it("thermal: one line of config gives the SoC temperature; a zone by type; a missing zone says how to list them", async () => {
    root = mkdtempSync(join(tmpdir(), "xmpp-iot-thermal-"));
    files("thermal_zone0", { type: "cpu-thermal\n", temp: "51540\n" });
    files("thermal_zone1", { type: "gpu-thermal\n", temp: "47000\n" });
    run = runDevice({ id: "soc", driver: "thermal", root, intervalMs: 100 });
    await run.start();
    const soc = run;
    await eventually(() => soc.readings.length >= 1, "soc reading");
    expect(soc.values()[0]).toEqual({ channel: "temp", value: 51.54, unit: "Cel" });
    await soc.stop();

    run = runDevice({ id: "gpu", driver: "thermal", zone: "gpu-thermal", root, intervalMs: 100 });
    await run.start();
    const gpu = run;
    await eventually(() => gpu.readings.length >= 1, "gpu reading");
    expect(gpu.values()[0]).toEqual({ channel: "temp", value: 47, unit: "Cel" });
    rmSync(join(root, "thermal_zone1"), { recursive: true });
    await eventually(() => gpu.lastHealth()?.state === "failing", "failing when the zone disappears");
    expect(gpu.lastHealth()?.reason).toMatch(/no thermal zone "gpu-thermal" .*grep \. .*thermal_zone\*\/type/);
    files("thermal_zone1", { type: "gpu-thermal\n", temp: "46000\n" });
    await eventually(() => gpu.lastHealth()?.state === "ok", "back when it appears");
  });
});
