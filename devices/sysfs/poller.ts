import { readFile, readlink } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { IotError, messageOf } from "../../src/errors/catalog.js";
import type { DeviceDriver, DriverContext, RawSample } from "../../src/device-contract/index.js";

/** What one poll of a kernel sensor found. */
export interface SysfsScan {
  /** Set when the device itself is absent: the reason names what to add (a dtoverlay line). */
  readonly missing?: string;
  readonly samples: readonly RawSample[];
  /** Channels that exist but could not be read (EIO from a sensor that stopped answering on I2C). */
  readonly problems: readonly string[];
}

export interface SysfsPollerOptions {
  readonly id: string;
  readonly intervalMs: number;
  /** What the sensor measures, for the NOT_WRITABLE error ("a kernel sensor"). */
  readonly what: string;
  /** `running()` turns false on stop: a scan of slow sensors (750 ms a DS18B20) stops early. */
  readonly scan: (running: () => boolean) => Promise<SysfsScan>;
  /** The driver's own counters, added to the loop's in `status`. */
  readonly stats?: () => Readonly<Record<string, number>>;
}

/**
 * The shared poll loop of the kernel-sensor drivers (iio, hwmon, thermal, ds18b20): read every interval,
 * never two polls at once (a slow I2C read counts an overrun instead of piling up), failing with
 * the scan's reason while the device is missing or a channel cannot be read, ok again by itself.
 */
export function createSysfsPoller(context: DriverContext, options: SysfsPollerOptions): DeviceDriver {
  const counters = { polls: 0, reads: 0, readErrors: 0, missing: 0, overruns: 0 };
  let timer: NodeJS.Timeout | undefined;
  let polling = false;
  let stopped = true;
  const running = (): boolean => !stopped;

  const poll = async (): Promise<void> => {
    if (polling) {
      counters.overruns++;
      return;
    }
    polling = true;
    try {
      counters.polls++;
      let scan: SysfsScan;
      try {
        scan = await options.scan(running);
      } catch (error) {
        scan = { samples: [], problems: [messageOf(error)] };
      }
      if (stopped) return;
      for (const sample of scan.samples) context.emit(sample);
      counters.reads += scan.samples.length;
      counters.readErrors += scan.problems.length;
      if (scan.missing !== undefined) {
        counters.missing++;
        context.setHealth({ state: "failing", reason: scan.missing });
      } else if (scan.problems.length > 0) {
        context.setHealth({ state: "failing", reason: scan.problems.join("; ") });
      } else {
        context.setHealth({ state: "ok" });
      }
    } finally {
      polling = false;
    }
  };

  return {
    async start() {
      stopped = false;
      context.setHealth({ state: "starting" });
      // Not awaited: a slow scan must not hold up the agent's start.
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
      throw new IotError("NOT_WRITABLE", `${options.id}/${channel} is ${options.what} and cannot be set`);
    },
    stats: () => ({ ...options.stats?.(), ...counters }),
  };
}

/** A sysfs attribute holding one number (sysfs prints integers or fixed-point decimals). */
export async function readNumber(path: string): Promise<number> {
  const text = (await readFile(path, "utf8")).trim();
  const value = Number(text);
  if (text === "" || !Number.isFinite(value)) throw new Error(`${path} holds ${JSON.stringify(text.slice(0, 40))}, not a number`);
  return value;
}

/** A sysfs text attribute (`name`, `type`), trimmed; undefined when it cannot be read. */
export async function readText(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, "utf8")).trim();
  } catch {
    return undefined;
  }
}

/** Scaled values like 1234 x 0.125 / 1000 pick up binary noise (0.15425000000000003). */
export function tidy(value: number): number {
  return Number(value.toPrecision(12));
}

/** A channel name for the config and topics: sysfs names may hold characters identifiers may not. */
export function channelName(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9_.-]/g, "_");
  return /^[A-Za-z0-9]/.test(cleaned) ? cleaned : `c${cleaned}`;
}

/**
 * Whether a sysfs device sits at this I2C address: its `device` link points at the I2C client,
 * named `<bus>-<address as 4 hex digits>` by the kernel (e.g. `1-0076`). Two chips of one kind
 * (a BME280 at 0x76 and one at 0x77) differ only here.
 */
export async function atI2cAddress(dir: string, address: number | undefined): Promise<boolean> {
  if (address === undefined) return true;
  try {
    const target = await readlink(join(dir, "device"));
    return target.split("/").pop()?.toLowerCase().endsWith(`-${address.toString(16).padStart(4, "0")}`) === true;
  } catch {
    return false;
  }
}

/** `address` in config: 0x76 as a number or the string "0x76" (how datasheets and i2cdetect write it). */
export const i2cAddressSchema = z.union([
  z.number().int().min(0x03).max(0x77),
  z.string().regex(/^0x[0-7][0-9a-fA-F]$/, 'an I2C address like "0x76" (i2cdetect -y 1)').transform((s) => Number.parseInt(s, 16))
    .refine((n) => n >= 0x03 && n <= 0x77, { message: "7-bit I2C addresses run from 0x03 to 0x77" }),
]);
