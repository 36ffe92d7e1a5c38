import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { messageOf } from "../../src/errors/catalog.js";
import type { DeviceDriver, DriverContext } from "../../src/device-contract/index.js";
import { createSysfsPoller, readNumber, readText, tidy, type SysfsScan } from "../sysfs/poller.js";
import type { ThermalDeviceConfig } from "./schema.js";

export { thermalDeviceSchema } from "./schema.js";

/** The zone directory: by directory name, else the first zone whose `type` matches. */
async function findZone(root: string, zone: string): Promise<string | undefined> {
  const entries = await readdir(root);
  if (entries.includes(zone)) return join(root, zone);
  for (const entry of entries.filter((e) => e.startsWith("thermal_zone")).sort()) {
    if ((await readText(join(root, entry, "type"))) === zone) return join(root, entry);
  }
  return undefined;
}

/** A thermal zone's `temp` (millidegree Celsius, Documentation/ABI/testing/sysfs-class-thermal). */
export function createThermalDevice(context: DriverContext, options: ThermalDeviceConfig): DeviceDriver {
  const missing = (detail: string): string =>
    `no thermal zone "${options.zone}" under ${options.root} (${detail}); list them with: grep . ${options.root}/thermal_zone*/type`;
  const scan = async (): Promise<SysfsScan> => {
    let dir: string | undefined;
    try {
      dir = await findZone(options.root, options.zone);
    } catch (error) {
      return { missing: missing(messageOf(error)), samples: [], problems: [] };
    }
    if (!dir) return { missing: missing("not found"), samples: [], problems: [] };
    try {
      const value = tidy((await readNumber(join(dir, "temp"))) / 1000);
      return { samples: [{ channel: "temp", value, unit: "Cel", time: Date.now() / 1000 }], problems: [] };
    } catch (error) {
      return { samples: [], problems: [`cannot read ${options.zone} temp: ${messageOf(error)}`] };
    }
  };
  return createSysfsPoller(context, { id: options.id, intervalMs: options.intervalMs, what: "a thermal zone", scan });
}
