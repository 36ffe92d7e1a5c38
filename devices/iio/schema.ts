import { z } from "zod";
import { checkChipSources, i2cChipDeviceShape, withSourceUnits } from "../sysfs/schema.js";
import { unitOf } from "./channels.js";

const iioName = z.string().regex(/^[a-z][a-z0-9_-]*$/, "an IIO channel name like temp, humidityrelative, voltage0 (the file name without in_ and _input/_raw)");

// Empty: every readable channel is published under its IIO name. Given: only these.
export const iioDeviceSchema = z
  .strictObject(i2cChipDeviceShape("iio", { chipHint: "the kernel driver's device name, e.g. bme280 (cat /sys/bus/iio/devices/*/name)", root: "/sys/bus/iio/devices", source: iioName }))
  .superRefine((config, ctx) => checkChipSources(config.channels, ctx, iioName, "the IIO channel to read (temp, pressure, voltage0, ...)"))
  // A configured channel gets the SenML unit of its IIO type unless the config says otherwise.
  .overwrite((config) => ({ ...config, channels: withSourceUnits(config.channels, (name, channel) => unitOf(channel.source ?? name)?.unit) }));

export type IioDeviceConfig = z.infer<typeof iioDeviceSchema>;
