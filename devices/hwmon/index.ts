import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { DeviceDriver, DriverContext } from "../../src/device-contract/index.js";
import { I2C_WIRING, overlayHint } from "../iio/channels.js";
import { locate, readChannels } from "../sysfs/channels.js";
import { atI2cAddress, createSysfsPoller, readNumber, readText, tidy, type SysfsScan } from "../sysfs/poller.js";
import { listHwmonChannels } from "./channels.js";
import type { HwmonDeviceConfig } from "./schema.js";

export { hwmonDeviceSchema } from "./schema.js";

const indexOf = (entry: string): number => Number(/(\d+)$/.exec(entry)?.[1] ?? Number.MAX_SAFE_INTEGER);

/** The hwmonN whose `name` says deviceName, and the directory its attributes are in. */
async function findHwmon(root: string, deviceName: string, address: number | undefined): Promise<{ dir: string; files: string[] } | undefined> {
  const entries = (await readdir(root)).filter((e) => e.startsWith("hwmon")).sort((a, b) => indexOf(a) - indexOf(b));
  for (const entry of entries) {
    const base = join(root, entry);
    if (!(await atI2cAddress(base, address))) continue;
    // Older drivers keep name and attributes in the device/ subdirectory (sysfs-interface.rst).
    for (const dir of [base, join(base, "device")]) {
      if ((await readText(join(dir, "name"))) !== deviceName) continue;
      const files = await readdir(dir);
      if (listHwmonChannels(files).length > 0 || dir !== base) return { dir, files };
    }
  }
  return undefined;
}

/** Chips behind the kernel's hwmon class: SHT3x/SHT4x, LM75, TMP102, AHT10, the SoC's cpu_thermal. */
export function createHwmonDevice(context: DriverContext, options: HwmonDeviceConfig): DeviceDriver {
  const configured = Object.entries(options.channels).map(([channel, c]) => ({ channel, source: c.source ?? channel }));
  const hint = options.deviceName === "cpu_thermal"
    ? "cpu_thermal is built into Raspberry Pi OS kernels; check the kernel and that /sys/class/hwmon is readable"
    : `add ${overlayHint(options.deviceName)}; ${I2C_WIRING}`;
  const missing = (detail: string): string => `no hwmon chip named "${options.deviceName}" under ${options.root} (${detail}): ${hint}`;

  const scan = async (): Promise<SysfsScan> => {
    const found = await locate(() => findHwmon(options.root, options.deviceName, options.address), missing);
    if ("missing" in found) return found;
    const { samples, problems, wanted } = await readChannels({
      device: options.deviceName, kind: "sensor", configured, nameOf: (name) => name,
      available: new Map(listHwmonChannels(found.files).map((c) => [c.name, c])),
      read: async (sensor) => ({ value: tidy((await readNumber(join(found.dir, sensor.file))) * sensor.factor), unit: sensor.unit }),
    });
    if (wanted === 0) problems.push(`${options.deviceName} at ${found.dir} has no *_input sensor`);
    return { samples, problems };
  };

  return createSysfsPoller(context, { id: options.id, intervalMs: options.intervalMs, what: "a kernel sensor", scan });
}
