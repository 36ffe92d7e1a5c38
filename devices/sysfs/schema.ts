import { z } from "zod";
import { channelShape, deviceShape, identifierSchema } from "../../src/device-contract/index.js";
import { i2cAddressSchema } from "./poller.js";

/** Where a polled kernel-sensor class lives (a temp dir in tests) and how often it is read. */
export const sysfsPollShape = (root: string, intervalMs: number) => ({
  root: z.string().min(1).default(root),
  intervalMs: z.number().int().min(100).max(86_400_000).default(intervalMs),
});

/**
 * A configured channel reads one source (a sensor id, a hwmon sensor, an IIO channel): the one it
 * names under `key`, else the one it is named after, which must then look like one.
 */
export function checkSources(
  channels: Readonly<Record<string, Readonly<Record<string, unknown>>>>,
  ctx: z.RefinementCtx,
  rule: { readonly key: string; readonly isSource: (name: string) => boolean; readonly what: string },
): void {
  for (const [name, channel] of Object.entries(channels)) {
    if (channel[rule.key] === undefined && !rule.isSource(name)) {
      ctx.addIssue({ code: "custom", path: ["channels", name, rule.key], message: `missing: ${rule.what}, or name the channel after it` });
    }
  }
}

/** Each configured channel gets the SenML unit its source implies, unless the config gives one. */
export function withSourceUnits<Channel extends { readonly unit?: string | undefined }>(
  channels: Readonly<Record<string, Channel>>,
  unitOf: (name: string, channel: Channel) => string | undefined,
): Record<string, Channel> {
  return Object.fromEntries(Object.entries(channels).map(([name, channel]) => {
    const unit = unitOf(name, channel);
    return [name, { ...(unit !== undefined ? { unit } : {}), ...channel }];
  }));
}

/**
 * An I2C chip the kernel names: its `name` file (the N in hwmonN or iio:deviceN changes between
 * boots), and the address when two of a kind share the bus (two SHT31 at 0x44 and 0x45).
 */
const i2cChipShape = (hint: string) => ({
  deviceName: z.string().min(1).max(64).regex(/^[^/\s]+$/, hint),
  address: i2cAddressSchema.optional(),
});

/** Channels that each read one `source` (defaults to the channel's name); empty: every source found. */
const sourcedChannels = (source: z.ZodString) =>
  z.record(identifierSchema, z.strictObject({ ...channelShape, source: source.optional() })).default({});

/**
 * An I2C chip behind a kernel class (hwmon, iio): the device keys, the chip, where the class lives,
 * and channels that each read one source. Empty channels: every source is published under its name.
 */
export function i2cChipDeviceShape<Driver extends string>(driver: Driver, spec: { readonly chipHint: string; readonly root: string; readonly source: z.ZodString }) {
  return {
    ...deviceShape,
    driver: z.literal(driver),
    ...i2cChipShape(spec.chipHint),
    ...sysfsPollShape(spec.root, 5000),
    channels: sourcedChannels(spec.source),
  };
}

/** A configured channel of such a chip reads its `source`, else the one it is named after. */
export const checkChipSources = (channels: Readonly<Record<string, Readonly<Record<string, unknown>>>>, ctx: z.RefinementCtx, source: z.ZodString, what: string): void =>
  checkSources(channels, ctx, { key: "source", isSource: (name) => source.safeParse(name).success, what });
