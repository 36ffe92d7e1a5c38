import { z } from "zod";
import { channelShape, deviceShape, identifierSchema } from "../../src/device-contract/index.js";
import { checkBackoff, serialPortShape } from "../serial-port/schema.js";
import { NMEA_CHANNELS, type NmeaChannel } from "./parse.js";

/** SenML units of what GGA/RMC give; fix quality and satellites are plain counts. */
export const NMEA_UNITS: Readonly<Partial<Record<NmeaChannel, "lat" | "lon" | "m" | "m/s">>> = { lat: "lat", lon: "lon", alt: "m", speed: "m/s" };

const nmeaChannelSchema = z.strictObject(channelShape);


export const nmeaDeviceSchema = z
  .strictObject({
    ...deviceShape,
    driver: z.literal("nmea"),
    ...serialPortShape,
    // NMEA 0183 caps a sentence at 82 characters; a little slack for non-conforming receivers.
    maxLineLength: z.number().int().min(82).max(65_536).default(256),
    /** Settings per channel (deadband, precision...): only lat, lon, alt, speed, fix, satellites exist. */
    channels: z.record(identifierSchema, nmeaChannelSchema).default({}),
  })
  .superRefine((config, ctx) => {
    checkBackoff(config, ctx);
    // Checked here, not in the record's key schema, so the message names the field plainly.
    for (const name of Object.keys(config.channels)) {
      if (!(NMEA_CHANNELS as readonly string[]).includes(name)) {
        ctx.addIssue({ code: "custom", path: ["channels", name], message: `not an NMEA channel; expected one of ${NMEA_CHANNELS.join(", ")}` });
      }
    }
  })
  // Every channel gets its unit without config; overwrite() keeps the schema a ZodObject.
  .overwrite((config) => {
    const channels = { ...config.channels };
    for (const name of NMEA_CHANNELS) {
      const unit = NMEA_UNITS[name];
      channels[name] = { ...(unit !== undefined ? { unit } : {}), ...channels[name] };
    }
    return { ...config, channels };
  });

export type NmeaDeviceConfig = z.infer<typeof nmeaDeviceSchema>;
