import { z } from "zod";
import { isSenmlUnit } from "./senml-units.js";

export const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export const identifierSchema = z
  .string()
  .regex(IDENTIFIER, "letters, digits, '_', '-' or '.', starting with a letter or digit");

export const senmlUnitSchema = z
  .string()
  .refine(isSenmlUnit, { error: (issue) => `${JSON.stringify(issue.input)} is not a SenML unit (RFC 8428 section 12.1, e.g. Cel, %RH, Pa, lx, V)` });

/**
 * What every channel of every driver may say about normalization (src/pipeline) and its type
 * (channel-type.ts). Drivers extend
 * this object with their own keys; it is strict so a typo is an error, not a silent default.
 */
export const channelShape = {
  unit: senmlUnitSchema.optional(),
  type: z.enum(["number", "boolean", "string"]).optional(),
  /** value * scale + offset, applied to numbers before everything else. */
  scale: z.number().finite().optional(),
  offset: z.number().finite().optional(),
  /** Decimal places kept after scaling. */
  precision: z.number().int().min(0).max(12).optional(),
  /** A change smaller than this is not published (until the heartbeat is due). */
  deadband: z.number().nonnegative().optional(),
  /** Never publish this channel more often than this. */
  minIntervalMs: z.number().int().nonnegative().optional(),
  /** Heartbeat: publish at least this often even when the value did not change. */
  maxIntervalMs: z.number().int().positive().optional(),
  /** Valid range: a value outside it is published with the outOfRange quality flag. */
  validMin: z.number().finite().optional(),
  validMax: z.number().finite().optional(),
  writable: z.boolean().optional(),
  /** Display name (Home Assistant entity name); defaults to the channel id. */
  name: z.string().min(1).max(100).optional(),
  /** Home Assistant device class; checked against the channel's type in src/config/schema.ts. */
  deviceClass: z.string().regex(/^[a-z][a-z0-9_]*$/, "a Home Assistant device class like temperature, pm25, door").optional(),
  /** Material Design icon for Home Assistant, e.g. mdi:thermometer. */
  icon: z.string().regex(/^mdi:[a-z0-9-]+$/, "an icon like mdi:thermometer").optional(),
} as const;

export const channelSchema = z.strictObject(channelShape);
export type ChannelConfig = z.infer<typeof channelSchema>;

/** Channels a device may publish that `channels` does not name, unless the device says otherwise. */
export const DEFAULT_MAX_UNNAMED_CHANNELS = 32;

/** Fields common to every device entry; each driver adds `driver: z.literal(...)` and its options. */
export const deviceShape = {
  id: identifierSchema,
  /** Human name shown in lists and Home Assistant; defaults to the id. */
  name: z.string().min(1).optional(),
  /**
   * How many channels not named in `channels` this device may publish (each one becomes a pubsub
   * node and an MQTT topic); samples of further unnamed channels are bad input. 0 = only the
   * channels named in `channels`.
   */
  maxUnnamedChannels: z.number().int().min(0).max(10_000).default(DEFAULT_MAX_UNNAMED_CHANNELS),
  /** The device's own web page, linked from Home Assistant's device page (http, https or homeassistant://). */
  configurationUrl: z.string().regex(/^(https?|homeassistant):\/\/\S+$/, "an URL like http://192.168.1.20/ or homeassistant://config/...").optional(),
} as const;
