import { z } from "zod";
import { channelShape, deviceShape, identifierSchema } from "../../src/device-contract/index.js";
import { SENSOR_ID } from "./parse.js";

const sensorId = z.string().regex(SENSOR_ID, "a DS18B20 id like 28-0316a2797eff (ls /sys/bus/w1/devices)");

export const ds18b20ChannelSchema = z.strictObject({
  ...channelShape,
  /** The sensor's 1-Wire id; defaults to the channel name when that is an id. */
  sensor: sensorId.optional(),
});

export const ds18b20DeviceSchema = z
  .strictObject({
    ...deviceShape,
    driver: z.literal("ds18b20"),
    /** Where w1_therm exposes the sensors; a temp dir in tests. */
    root: z.string().min(1).default("/sys/bus/w1/devices"),
    // A 12-bit conversion takes 750 ms per sensor: a shorter interval only counts overruns.
    intervalMs: z.number().int().min(100).max(86_400_000).default(10_000),
    /** Immediate re-reads after a CRC error (long cables pick up noise) before counting a failure. */
    retries: z.number().int().min(0).max(5).default(2),
    /** Empty: every 28-* sensor found is published, named by its id (without a unit). */
    channels: z.record(identifierSchema, ds18b20ChannelSchema).default({}),
  })
  .superRefine((config, ctx) => {
    for (const [name, channel] of Object.entries(config.channels)) {
      if (channel.sensor === undefined && !SENSOR_ID.test(name)) {
        ctx.addIssue({ code: "custom", path: ["channels", name, "sensor"], message: "missing: the sensor id (28-...), or name the channel after it" });
      }
    }
  })
  // Temperatures are Cel unless the config says otherwise; overwrite() keeps this a ZodObject.
  .overwrite((config) => ({
    ...config,
    channels: Object.fromEntries(Object.entries(config.channels).map(([name, channel]) => [name, { unit: "Cel", ...channel }])),
  }));

export type Ds18b20DeviceConfig = z.infer<typeof ds18b20DeviceSchema>;
