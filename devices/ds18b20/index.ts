import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { IotError, messageOf } from "../../src/errors.js";
import type { DeviceDriver, DriverContext } from "../types.js";
import { parseW1Slave, SENSOR_ID } from "./parse.js";
import type { Ds18b20DeviceConfig } from "./schema.js";

export { ds18b20DeviceSchema } from "./schema.js";

const WIRING_HINT = "check the wiring (data on GPIO4 with a 4.7 kOhm pull-up to 3.3 V) and dtoverlay=w1-gpio in /boot/firmware/config.txt";

/**
 * DS18B20 1-Wire thermometers through the kernel's w1_therm driver. A CRC failure is re-read
 * (noise on long cables), the 85 °C power-on value is published with the `error` quality flag,
 * and a sensor that cannot be read marks the device failing until it reads again.
 */
export function createDs18b20Device(context: DriverContext, options: Ds18b20DeviceConfig): DeviceDriver {
  const counters = { reads: 0, crcErrors: 0, formatErrors: 0, readErrors: 0, powerOnValues: 0, overruns: 0 };
  const configured = Object.entries(options.channels).map(([channel, c]) => ({ channel, sensor: c.sensor ?? channel }));
  let timer: NodeJS.Timeout | undefined;
  let polling = false;
  let stopped = true;

  const sensors = async (): Promise<Array<{ channel: string; sensor: string }>> => {
    if (configured.length > 0) return configured;
    const entries = await readdir(options.root);
    return entries.filter((name) => SENSOR_ID.test(name)).sort().map((sensor) => ({ channel: sensor, sensor }));
  };

  /** One sensor, with CRC retries; returns a problem text or undefined when it read. */
  const readSensor = async (channel: string, sensor: string): Promise<string | undefined> => {
    for (let attempt = 0; attempt <= options.retries; attempt++) {
      let text: string;
      try {
        text = await readFile(join(options.root, sensor, "w1_slave"), "utf8");
      } catch (error) {
        counters.readErrors++;
        return `cannot read sensor ${sensor}: ${messageOf(error)}; ${WIRING_HINT}`;
      }
      const result = parseW1Slave(text);
      if (!result.ok) {
        if (result.reason === "crc") counters.crcErrors++;
        else counters.formatErrors++;
        continue;
      }
      counters.reads++;
      if (result.powerOnValue) counters.powerOnValues++;
      context.emit({ channel, value: result.celsius, time: Date.now() / 1000, ...(result.powerOnValue ? { quality: ["error"] as const } : {}) });
      return undefined;
    }
    return `sensor ${sensor}: no valid read after ${options.retries + 1} attempts (CRC errors: noise or a long cable)`;
  };

  const poll = async (): Promise<void> => {
    if (polling) {
      counters.overruns++;
      return;
    }
    polling = true;
    try {
      let list: Array<{ channel: string; sensor: string }>;
      try {
        list = await sensors();
      } catch (error) {
        context.setHealth({ state: "failing", reason: `no 1-Wire bus at ${options.root} (${messageOf(error)}): ${WIRING_HINT}` });
        return;
      }
      if (list.length === 0) {
        context.setHealth({ state: "failing", reason: `no DS18B20 (28-*) under ${options.root}: ${WIRING_HINT}` });
        return;
      }
      const problems: string[] = [];
      for (const { channel, sensor } of list) {
        if (stopped) return;
        const problem = await readSensor(channel, sensor);
        if (problem) problems.push(problem);
      }
      if (!stopped) context.setHealth(problems.length > 0 ? { state: "failing", reason: problems.join("; ") } : { state: "ok" });
    } finally {
      polling = false;
    }
  };

  return {
    async start() {
      stopped = false;
      context.setHealth({ state: "starting" });
      // Not awaited: a read takes 750 ms per sensor and must not hold up the agent's start.
      void poll();
      timer = setInterval(() => void poll(), options.intervalMs);
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      timer = undefined;
      context.setHealth({ state: "stopped" });
    },
    writableChannels: () => [],
    async write(channel) {
      throw new IotError("NOT_WRITABLE", `${options.id}/${channel} is a thermometer and cannot be set`);
    },
    stats: () => ({ ...counters }),
  };
}
