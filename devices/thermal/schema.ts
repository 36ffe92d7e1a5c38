import { z } from "zod";
import { channelShape, deviceShape, identifierSchema } from "../../src/device-contract/index.js";
import { sysfsPollShape } from "../sysfs/schema.js";

/**
 * The SoC temperature in one line: `{ "id": "soc", "driver": "thermal" }` publishes
 * /sys/class/thermal/thermal_zone0/temp as channel `temp` in Cel.
 */
export const thermalDeviceSchema = z
  .strictObject({
    ...deviceShape,
    driver: z.literal("thermal"),
    /** A zone directory (thermal_zone0) or a zone's `type` (cpu-thermal). */
    zone: z.string().min(1).max(64).regex(/^[^/\s]+$/, "a zone like thermal_zone0 or its type like cpu-thermal (cat /sys/class/thermal/*/type)").default("thermal_zone0"),
    ...sysfsPollShape("/sys/class/thermal", 10_000),
    /** Only `temp`, for its deadband, precision, heartbeat and range. */
    channels: z.record(identifierSchema, z.strictObject(channelShape)).default({}),
  })
  .superRefine((config, ctx) => {
    for (const name of Object.keys(config.channels)) {
      if (name !== "temp") ctx.addIssue({ code: "custom", path: ["channels", name], message: "a thermal zone has one channel: temp" });
    }
  })
  .overwrite((config) => ({ ...config, channels: { temp: { unit: "Cel", ...config.channels["temp"] } } }));

export type ThermalDeviceConfig = z.infer<typeof thermalDeviceSchema>;
