import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runDevice, type DeviceRun } from "./harness.js";
import { eventually } from "../harness/wait.js";

// The w1_therm sysfs layout rebuilt in a temp dir (root is configurable); the real driver reads it.
const GOOD = (milli: number): string => `72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n72 01 4b 46 7f ff 0e 10 57 t=${milli}\n`;
const CRC_NO = "72 01 4b 46 7f ff 0e 10 57 : crc=00 NO\n72 01 4b 46 7f ff 0e 10 57 t=23125\n";

describe("ds18b20 driver on a fake /sys/bus/w1/devices tree", () => {
  let root = "";
  let run: DeviceRun | undefined;
  const sensor = (id: string, text: string): void => {
    mkdirSync(join(root, id), { recursive: true });
    writeFileSync(join(root, id, "w1_slave"), text);
  };
  afterEach(async () => {
    await run?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it("configured sensors give Cel readings; 85 °C power-on is flagged error; CRC NO is retried and counted", async () => {
    root = mkdtempSync(join(tmpdir(), "xmpp-iot-w1-"));
    sensor("28-000000000001", GOOD(21500));
    sensor("28-000000000002", GOOD(85000));
    sensor("28-000000000003", CRC_NO);
    mkdirSync(join(root, "w1_bus_master1"));
    run = runDevice({
      id: "tank",
      driver: "ds18b20",
      root,
      intervalMs: 100,
      channels: { water: { sensor: "28-000000000001" }, boiler: { sensor: "28-000000000002" }, "28-000000000003": {} },
    });
    await run.start();
    const current = run;
    await eventually(() => current.lastHealth()?.state === "failing", "failing because of the CRC sensor");
    // Later polls may already have added readings: the first poll's are the first two.
    expect(current.values().slice(0, 2)).toEqual([
      { channel: "water", value: 21.5, unit: "Cel" },
      { channel: "boiler", value: 85, unit: "Cel", quality: ["error"] },
    ]);
    expect(current.lastHealth()?.reason).toMatch(/28-000000000003: no valid read after 3 attempts/);
    // Three attempts (one read + two retries) per poll.
    const { crcErrors = 0, powerOnValues = 0 } = current.driver.stats();
    expect(crcErrors % 3 === 0 && crcErrors >= 3 && powerOnValues >= 1).toBe(true);
    sensor("28-000000000003", GOOD(-5250));
    await eventually(() => current.lastHealth()?.state === "ok", "recovered");
    expect(current.values("28-000000000003")[0]).toEqual({ channel: "28-000000000003", value: -5.25, unit: "Cel" });
  });

  it("without channels every 28-* sensor is published by id; an unplugged sensor marks the device failing with a wiring hint", async () => {
    root = mkdtempSync(join(tmpdir(), "xmpp-iot-w1-"));
    sensor("28-0316a2797eff", GOOD(19000));
    run = runDevice({ id: "probe", driver: "ds18b20", root, intervalMs: 100, channels: { room: { sensor: "28-0316a2797e00" } } });
    await run.start();
    const current = run;
    await eventually(() => current.lastHealth()?.state === "failing", "missing sensor");
    expect(current.lastHealth()?.reason).toMatch(/cannot read sensor 28-0316a2797e00: .*ENOENT.*GPIO4/);
    await current.stop();

    run = runDevice({ id: "probe", driver: "ds18b20", root, intervalMs: 100 });
    await run.start();
    const discovered = run;
    await eventually(() => discovered.readings.length >= 1, "discovered reading");
    expect(discovered.values()[0]).toEqual({ channel: "28-0316a2797eff", value: 19 });
    expect(discovered.lastHealth()?.state).toBe("ok");
  });

  it("a missing 1-Wire bus says how to enable it", async () => {
    root = join(tmpdir(), "xmpp-iot-w1-does-not-exist");
    run = runDevice({ id: "probe", driver: "ds18b20", root, intervalMs: 100 });
    await run.start();
    const current = run;
    await eventually(() => current.lastHealth()?.state === "failing", "failing");
    expect(current.lastHealth()?.reason).toMatch(/no 1-Wire bus at .*dtoverlay=w1-gpio/);
  });
});
