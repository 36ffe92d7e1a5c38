import { z } from "zod";
import { channelShape, deviceShape, identifierSchema } from "../../src/device-contract/index.js";
import { i2cAddressSchema } from "../sysfs/poller.js";
import { hwmonUnit } from "./channels.js";

const hwmonName = z.string().regex(/^(temp|in|curr|power|energy|humidity|fan)\d+$/, "a hwmon sensor like temp1, humidity1, in0 (the file name without _input)");

export const hwmonChannelSchema = z.strictObject({
  ...channelShape,
  /** The hwmon sensor this entry reads; defaults to the channel name. */
  source: hwmonName.optional(),
});

export const hwmonDeviceSchema = z
  .strictObject({
    ...deviceShape,
    driver: z.literal("hwmon"),
    /** The chip's `name` file (sht3x, cpu_thermal, lm75): N in hwmonN changes between boots. */
    deviceName: z.string().min(1).max(64).regex(/^[^/\s]+$/, "the chip name, e.g. sht3x (cat /sys/class/hwmon/*/name)"),
    /** Only the chip at this I2C address (two SHT31 at 0x44 and 0x45). */
    address: i2cAddressSchema.optional(),
    root: z.string().min(1).default("/sys/class/hwmon"),
    intervalMs: z.number().int().min(100).max(86_400_000).default(5000),
    /** Empty: every `*_input` sensor is published under its hwmon name (temp1, humidity1). */
    channels: z.record(identifierSchema, hwmonChannelSchema).default({}),
  })
  .superRefine((config, ctx) => {
    for (const [name, channel] of Object.entries(config.channels)) {
      if (channel.source === undefined && !hwmonName.safeParse(name).success) {
        ctx.addIssue({ code: "custom", path: ["channels", name, "source"], message: "missing: the hwmon sensor to read (temp1, humidity1, in0, ...), or name the channel after it" });
      }
    }
  })
  .overwrite((config) => ({
    ...config,
    channels: Object.fromEntries(Object.entries(config.channels).map(([name, channel]) => {
      const unit = hwmonUnit(channel.source ?? name);
      return [name, { ...(unit !== undefined ? { unit } : {}), ...channel }];
    })),
  }));

export type HwmonDeviceConfig = z.infer<typeof hwmonDeviceSchema>;
