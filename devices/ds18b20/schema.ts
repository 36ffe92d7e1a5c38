import { z } from "zod";
import { channelShape, deviceShape, identifierSchema } from "../../src/device-contract/index.js";
import { checkSources, sysfsPollShape, withSourceUnits } from "../sysfs/schema.js";
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
    // Where w1_therm exposes the sensors. A 12-bit conversion takes 750 ms per sensor: a shorter
    // interval only counts overruns.
    ...sysfsPollShape("/sys/bus/w1/devices", 10_000),
    /** Immediate re-reads after a CRC error (long cables pick up noise) before counting a failure. */
    retries: z.number().int().min(0).max(5).default(2),
    /** Empty: every 28-* sensor found is published, named by its id (without a unit). */
    channels: z.record(identifierSchema, ds18b20ChannelSchema).default({}),
  })
  .superRefine((config, ctx) => checkSources(config.channels, ctx, { key: "sensor", isSource: (name) => SENSOR_ID.test(name), what: "the sensor id (28-...)" }))
  // Temperatures are Cel unless the config says otherwise; overwrite() keeps this a ZodObject.
  .overwrite((config) => ({ ...config, channels: withSourceUnits(config.channels, () => "Cel") }));

export type Ds18b20DeviceConfig = z.infer<typeof ds18b20DeviceSchema>;
