import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { DeviceDriver, DriverContext } from "../../src/device-contract/index.js";
import { locate, readChannels } from "../sysfs/channels.js";
import { atI2cAddress, channelName, createSysfsPoller, readNumber, readText, tidy, type SysfsScan } from "../sysfs/poller.js";
import { convert, I2C_WIRING, listChannels, overlayHint, unitOf, type IioChannel } from "./channels.js";
import type { IioDeviceConfig } from "./schema.js";

export { iioDeviceSchema } from "./schema.js";

/** `iio:device3` -> 3, so devices are searched in kernel order. */
const indexOf = (entry: string): number => Number(/(\d+)$/.exec(entry)?.[1] ?? Number.MAX_SAFE_INTEGER);

/** The first `iio:deviceN` under root whose `name` file says deviceName (at `address` when given). */
export async function findIioDevice(root: string, deviceName: string, address?: number): Promise<string | undefined> {
  const entries = (await readdir(root)).filter((e) => e.startsWith("iio:device")).sort((a, b) => indexOf(a) - indexOf(b));
  for (const entry of entries) {
    const dir = join(root, entry);
    if ((await readText(join(dir, "name"))) === deviceName && (await atI2cAddress(dir, address))) return dir;
  }
  return undefined;
}

async function readChannel(dir: string, channel: IioChannel): Promise<number> {
  const value = await readNumber(join(dir, channel.file));
  if (channel.processed) return tidy(convert(channel.name, value, 1, 0, true));
  const scale = channel.scaleFile ? await readNumber(join(dir, channel.scaleFile)) : 1;
  const offset = channel.offsetFile ? await readNumber(join(dir, channel.offsetFile)) : 0;
  return tidy(convert(channel.name, value, scale, offset));
}

/**
 * Sensors the kernel's own drivers expose under /sys/bus/iio (BME280, BMP280, BH1750, ADS1115,
 * HTU21, SI7020 through `dtoverlay=i2c-sensor,...`): no native add-on, no root, no I2C code here.
 */
export function createIioDevice(context: DriverContext, options: IioDeviceConfig): DeviceDriver {
  const configured = Object.entries(options.channels).map(([channel, c]) => ({ channel, source: c.source ?? channel }));
  const at = options.address !== undefined ? ` at 0x${options.address.toString(16)}` : "";
  const missing = (detail: string): string =>
    `no IIO device named "${options.deviceName}"${at} under ${options.root} (${detail}): add ${overlayHint(options.deviceName)}; ${I2C_WIRING}`;

  const scan = async (): Promise<SysfsScan> => {
    const found = await locate(async () => {
      const dir = await findIioDevice(options.root, options.deviceName, options.address);
      return dir === undefined ? undefined : { dir, files: await readdir(dir) };
    }, missing);
    if ("missing" in found) return found;
    const { dir } = found;
    const { samples, problems, wanted } = await readChannels({
      device: options.deviceName, kind: "channel", configured, nameOf: channelName,
      available: new Map(listChannels(found.files).map((c) => [c.name, c])),
      read: async (iio, source) => ({ value: await readChannel(dir, iio), unit: unitOf(source)?.unit }),
      readHint: `; check the ${I2C_WIRING}`,
    });
    if (wanted === 0) problems.push(`${options.deviceName} at ${dir} has no readable in_*_input or in_*_raw channel`);
    return { samples, problems };
  };

  return createSysfsPoller(context, { id: options.id, intervalMs: options.intervalMs, what: "a kernel sensor", scan });
}
