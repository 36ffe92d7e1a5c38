import { z } from "zod";
import { channelShape, deviceShape, identifierSchema } from "../../src/device-contract/index.js";
import { checkBackoff, serialPortShape } from "../serial-port/schema.js";
import { namedGroups } from "./formats.js";
import { frameSchema } from "./frame.js";

export const SERIAL_FORMATS = ["json", "kv", "csv", "regex", "sds011", "frame"] as const;

export const serialChannelSchema = z.strictObject({
  ...channelShape,
  /** Overrides the device's writeTemplate for this channel. */
  writeTemplate: z.string().min(1).optional(),
});

/** The SDS011 publishes these two channels; they get their unit without a channels block. */
const SDS011_UNITS: Readonly<Record<string, "ug/m3">> = { pm2_5: "ug/m3", pm10: "ug/m3" };

export const serialDeviceSchema = z
  .strictObject({
    ...deviceShape,
    driver: z.literal("serial"),
    ...serialPortShape,
    format: z.enum(SERIAL_FORMATS),
    /** csv: one name per column ("-" skips a column). */
    columns: z.array(z.union([identifierSchema, z.literal("-")])).min(1).optional(),
    delimiter: z.string().min(1).max(8).default(","),
    /** regex: a JavaScript regular expression whose named groups are channels. */
    pattern: z.string().min(1).optional(),
    /** frame: start bytes, length field, checksum and fields of a binary protocol. */
    frame: frameSchema.optional(),
    /** Line written for `set` on a writable channel: {device}, {channel}, {value}, {int}. */
    writeTemplate: z.string().min(1).optional(),
    channels: z.record(identifierSchema, serialChannelSchema).default({}),
  })
  .superRefine((config, ctx) => {
    checkBackoff(config, ctx);
    if (config.format === "csv" && config.columns === undefined) {
      ctx.addIssue({ code: "custom", path: ["columns"], message: 'format "csv" needs "columns": the channel name of each column' });
    }
    if (config.format !== "csv" && config.columns !== undefined) {
      ctx.addIssue({ code: "custom", path: ["columns"], message: 'only used with format "csv"' });
    }
    if (config.format === "regex") {
      if (config.pattern === undefined) {
        ctx.addIssue({ code: "custom", path: ["pattern"], message: 'format "regex" needs "pattern" with named groups, e.g. "T=(?<temperature>[-\\\\d.]+)"' });
      } else {
        try {
          new RegExp(config.pattern);
          if (namedGroups(config.pattern).length === 0) ctx.addIssue({ code: "custom", path: ["pattern"], message: "needs at least one named group (?<channel>...)" });
        } catch (error) {
          ctx.addIssue({ code: "custom", path: ["pattern"], message: `not a valid regular expression: ${error instanceof Error ? error.message : String(error)}` });
        }
      }
    } else if (config.pattern !== undefined) {
      ctx.addIssue({ code: "custom", path: ["pattern"], message: 'only used with format "regex"' });
    }
    if (config.format === "frame" && config.frame === undefined) {
      ctx.addIssue({ code: "custom", path: ["frame"], message: 'format "frame" needs "frame": start, length, checksum and fields' });
    }
    if (config.format !== "frame" && config.frame !== undefined) ctx.addIssue({ code: "custom", path: ["frame"], message: 'only used with format "frame"' });
    for (const [name, channel] of Object.entries(config.channels)) {
      if (channel.writable !== true) continue;
      if (config.format === "sds011" || config.format === "frame") {
        ctx.addIssue({ code: "custom", path: ["channels", name, "writable"], message: `${config.format} channels are read-only` });
      } else if (channel.writeTemplate === undefined && config.writeTemplate === undefined) {
        ctx.addIssue({ code: "custom", path: ["channels", name, "writable"], message: 'a writable serial channel needs "writeTemplate" (on the channel or the device), e.g. "SET {channel} {value}\\n"' });
      }
    }
  })
  // overwrite() keeps this a ZodObject (the catalog's discriminated union needs one) while
  // filling in what the format implies.
  .overwrite((config) => {
    if (config.format !== "sds011") return config;
    const channels = { ...config.channels };
    for (const [name, unit] of Object.entries(SDS011_UNITS)) channels[name] = { unit, ...channels[name] };
    return { ...config, channels };
  });

export type SerialChannelConfig = z.infer<typeof serialChannelSchema>;
export type SerialDeviceConfig = z.infer<typeof serialDeviceSchema>;
