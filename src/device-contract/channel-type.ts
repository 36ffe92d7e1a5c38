import { quoteInput } from "../text/echo.js";
import type { ReadingValue } from "../readings/reading.js";
import type { ChannelConfig } from "./channel.js";

export type ChannelType = NonNullable<ChannelConfig["type"]>;

/**
 * What the type rule reads of a channel entry: the common keys, plus `value` for drivers that
 * take a constant or initial value (simulated).
 */
export type ChannelTypeHints = ChannelConfig & { readonly value?: unknown };

/**
 * The one rule that decides a channel's type, for the pipeline, writes, Home Assistant discovery
 * and the drivers alike: the declared `type`; else number when the channel has a unit or a numeric
 * setting; else the type of a configured `value`; else undefined (untyped: a sample keeps the type
 * the device sent).
 */
export function channelType(config: ChannelTypeHints | undefined): ChannelType | undefined {
  if (!config) return undefined;
  if (config.type) return config.type;
  const numeric = config.unit ?? config.scale ?? config.offset ?? config.validMin ?? config.validMax ?? config.deadband ?? config.precision;
  if (numeric !== undefined) return "number";
  const given = typeof config.value;
  return given === "number" || given === "boolean" || given === "string" ? given : undefined;
}

export type Coerced =
  | { readonly ok: true; readonly value: ReadingValue }
  | { readonly ok: false; readonly reason: string };

const TRUE_WORDS = new Set(["true", "on", "1", "yes", "high"]);
const FALSE_WORDS = new Set(["false", "off", "0", "no", "low"]);

/** Parse a user- or device-supplied value into a channel type (undefined: untyped). */
export function coerce(value: ReadingValue, type: ChannelType | undefined): Coerced {
  switch (type) {
    case "boolean": {
      if (typeof value === "boolean") return { ok: true, value };
      const word = String(value).trim().toLowerCase();
      if (TRUE_WORDS.has(word)) return { ok: true, value: true };
      if (FALSE_WORDS.has(word)) return { ok: true, value: false };
      return { ok: false, reason: `expected a boolean (on/off, true/false, 1/0), got ${quoteInput(value)}` };
    }
    case "string":
      return { ok: true, value: String(value) };
    case "number":
    case undefined: {
      if (typeof value === "number") {
        return Number.isFinite(value) ? { ok: true, value } : { ok: false, reason: `not a finite number: ${value}` };
      }
      if (typeof value === "boolean") {
        // Untyped channels keep what the device sent; a declared number channel refuses a boolean.
        return type === undefined ? { ok: true, value } : { ok: false, reason: `expected a number, got ${value}` };
      }
      const trimmed = value.trim();
      const parsed = trimmed === "" ? Number.NaN : Number(trimmed);
      if (Number.isFinite(parsed)) return { ok: true, value: parsed };
      return type === undefined ? { ok: true, value } : { ok: false, reason: `expected a number, got ${quoteInput(value)}` };
    }
  }
}

/** A value for this channel, typed by the one rule above. */
export function coerceToChannel(value: ReadingValue, config: ChannelTypeHints | undefined): Coerced {
  return coerce(value, channelType(config));
}
