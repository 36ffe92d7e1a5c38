import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { DeviceDriver, DriverContext, RawSample } from "../../src/device-contract/index.js";
import { messageOf } from "../../src/errors/catalog.js";
import { createSysfsPoller, type SysfsScan } from "../sysfs/poller.js";
import { parseW1Slave, SENSOR_ID } from "./parse.js";
import type { Ds18b20DeviceConfig } from "./schema.js";

export { ds18b20DeviceSchema } from "./schema.js";

const WIRING_HINT = "check the wiring (data on GPIO4 with a 4.7 kOhm pull-up to 3.3 V) and dtoverlay=w1-gpio in /boot/firmware/config.txt";

/**
 * DS18B20 1-Wire thermometers through the kernel's w1_therm driver, on the shared sysfs poll loop.
 * A CRC failure is re-read (noise on long cables), the 85 °C power-on value is published with the
 * `error` quality flag, and a sensor that cannot be read marks the device failing until it reads again.
 */
export function createDs18b20Device(context: DriverContext, options: Ds18b20DeviceConfig): DeviceDriver {
  const counters = { crcErrors: 0, formatErrors: 0, powerOnValues: 0 };
  const configured = Object.entries(options.channels).map(([channel, c]) => ({ channel, sensor: c.sensor ?? channel }));

  const sensors = async (): Promise<Array<{ channel: string; sensor: string }>> => {
    if (configured.length > 0) return configured;
    const entries = await readdir(options.root);
    return entries.filter((name) => SENSOR_ID.test(name)).sort().map((sensor) => ({ channel: sensor, sensor }));
  };

  /** One sensor, with CRC retries: its sample, or the problem in words. */
  const readSensor = async (channel: string, sensor: string): Promise<RawSample | string> => {
    for (let attempt = 0; attempt <= options.retries; attempt++) {
      let text: string;
      try {
        text = await readFile(join(options.root, sensor, "w1_slave"), "utf8");
      } catch (error) {
        return `cannot read sensor ${sensor}: ${messageOf(error)}; ${WIRING_HINT}`;
      }
      const result = parseW1Slave(text);
      if (!result.ok) {
        if (result.reason === "crc") counters.crcErrors++;
        else counters.formatErrors++;
        continue;
      }
      if (result.powerOnValue) counters.powerOnValues++;
      return { channel, value: result.celsius, time: Date.now() / 1000, ...(result.powerOnValue ? { quality: ["error"] as const } : {}) };
    }
    return `sensor ${sensor}: no valid read after ${options.retries + 1} attempts (CRC errors: noise or a long cable)`;
  };

  const scan = async (running: () => boolean): Promise<SysfsScan> => {
    let list: Array<{ channel: string; sensor: string }>;
    try {
      list = await sensors();
    } catch (error) {
      return { missing: `no 1-Wire bus at ${options.root} (${messageOf(error)}): ${WIRING_HINT}`, samples: [], problems: [] };
    }
    if (list.length === 0) return { missing: `no DS18B20 (28-*) under ${options.root}: ${WIRING_HINT}`, samples: [], problems: [] };
    const samples: RawSample[] = [];
    const problems: string[] = [];
    for (const { channel, sensor } of list) {
      if (!running()) break;
      const read = await readSensor(channel, sensor);
      if (typeof read === "string") problems.push(read);
      else samples.push(read);
    }
    return { samples, problems };
  };

  return createSysfsPoller(context, { id: options.id, intervalMs: options.intervalMs, what: "a thermometer", scan, stats: () => counters });
}
