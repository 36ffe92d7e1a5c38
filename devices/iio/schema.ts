import { z } from "zod";
import { channelShape, deviceShape, identifierSchema } from "../../src/device-contract/index.js";
import { i2cAddressSchema } from "../sysfs/poller.js";
import { unitOf } from "./channels.js";

const iioName = z.string().regex(/^[a-z][a-z0-9_-]*$/, "an IIO channel name like temp, humidityrelative, voltage0 (the file name without in_ and _input/_raw)");

export const iioChannelSchema = z.strictObject({
  ...channelShape,
  /** The IIO channel this config entry reads; defaults to the channel name. */
  source: iioName.optional(),
});

export const iioDeviceSchema = z
  .strictObject({
    ...deviceShape,
    driver: z.literal("iio"),
    /** The device's `name` file (bme280, bh1750, ads1115): N in iio:deviceN changes between boots. */
    deviceName: z.string().min(1).max(64).regex(/^[^/\s]+$/, "the kernel driver's device name, e.g. bme280 (cat /sys/bus/iio/devices/*/name)"),
    /** Only the chip at this I2C address (two BME280 at 0x76 and 0x77). */
    address: i2cAddressSchema.optional(),
    /** Where the kernel exposes IIO devices; a temp dir in tests. */
    root: z.string().min(1).default("/sys/bus/iio/devices"),
    intervalMs: z.number().int().min(100).max(86_400_000).default(5000),
    /** Empty: every readable channel is published under its IIO name. Given: only these. */
    channels: z.record(identifierSchema, iioChannelSchema).default({}),
  })
  .superRefine((config, ctx) => {
    for (const [name, channel] of Object.entries(config.channels)) {
      if (channel.source === undefined && !/^[a-z][a-z0-9_-]*$/.test(name)) {
        ctx.addIssue({ code: "custom", path: ["channels", name, "source"], message: "missing: the IIO channel to read (temp, pressure, voltage0, ...), or name the channel after it" });
      }
    }
  })
  // A configured channel gets the SenML unit of its IIO type unless the config says otherwise.
  .overwrite((config) => ({
    ...config,
    channels: Object.fromEntries(Object.entries(config.channels).map(([name, channel]) => {
      const unit = unitOf(channel.source ?? name)?.unit;
      return [name, { ...(unit !== undefined ? { unit } : {}), ...channel }];
    })),
  }));

export type IioDeviceConfig = z.infer<typeof iioDeviceSchema>;
