import { z } from "zod";
import { checkChipSources, i2cChipDeviceShape, withSourceUnits } from "../sysfs/schema.js";
import { hwmonUnit } from "./channels.js";

const hwmonName = z.string().regex(/^(temp|in|curr|power|energy|humidity|fan)\d+$/, "a hwmon sensor like temp1, humidity1, in0 (the file name without _input)");

// Empty: every `*_input` sensor is published under its hwmon name (temp1, humidity1).
export const hwmonDeviceSchema = z
  .strictObject(i2cChipDeviceShape("hwmon", { chipHint: "the chip name, e.g. sht3x (cat /sys/class/hwmon/*/name)", root: "/sys/class/hwmon", source: hwmonName }))
  .superRefine((config, ctx) => checkChipSources(config.channels, ctx, hwmonName, "the hwmon sensor to read (temp1, humidity1, in0, ...)"))
  .overwrite((config) => ({ ...config, channels: withSourceUnits(config.channels, (name, channel) => hwmonUnit(channel.source ?? name)) }));

export type HwmonDeviceConfig = z.infer<typeof hwmonDeviceSchema>;
