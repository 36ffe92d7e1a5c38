import type { ChannelConfig } from "../config/channel.js";
import { quoteInput } from "../echo.js";
import type { QualityFlag, ReadingValue } from "../reading.js";

export type Normalized =
  | { readonly ok: true; readonly value: ReadingValue; readonly quality: readonly QualityFlag[] }
  | { readonly ok: false; readonly reason: string };

/** Shared by every good sample: the hot path allocates no empty flag lists. */
const NO_FLAGS: readonly QualityFlag[] = Object.freeze([]);
const OUT_OF_RANGE: readonly QualityFlag[] = Object.freeze(["outOfRange"]);

const TRUE_WORDS = new Set(["true", "on", "1", "yes", "high"]);
const FALSE_WORDS = new Set(["false", "off", "0", "no", "low"]);

/** Parse a user- or device-supplied value into the channel's declared type. */
export function coerce(value: ReadingValue, type: ChannelConfig["type"]): Normalized {
  switch (type) {
    case "boolean": {
      if (typeof value === "boolean") return { ok: true, value, quality: NO_FLAGS };
      const word = String(value).trim().toLowerCase();
      if (TRUE_WORDS.has(word)) return { ok: true, value: true, quality: NO_FLAGS };
      if (FALSE_WORDS.has(word)) return { ok: true, value: false, quality: NO_FLAGS };
      return { ok: false, reason: `expected a boolean (on/off, true/false, 1/0), got ${quoteInput(value)}` };
    }
    case "string":
      return { ok: true, value: String(value), quality: NO_FLAGS };
    case "number":
    case undefined: {
      if (typeof value === "number") {
        return Number.isFinite(value) ? { ok: true, value, quality: NO_FLAGS } : { ok: false, reason: `not a finite number: ${value}` };
      }
      if (typeof value === "boolean") {
        // Untyped channels keep what the device sent; a declared number channel refuses a boolean.
        return type === undefined ? { ok: true, value, quality: NO_FLAGS } : { ok: false, reason: `expected a number, got ${value}` };
      }
      const trimmed = value.trim();
      const parsed = trimmed === "" ? Number.NaN : Number(trimmed);
      if (Number.isFinite(parsed)) return { ok: true, value: parsed, quality: NO_FLAGS };
      return type === undefined ? { ok: true, value, quality: NO_FLAGS } : { ok: false, reason: `expected a number, got ${quoteInput(value)}` };
    }
  }
}

/** The declared type; a channel with a unit or numeric settings is a number channel. */
export function effectiveType(config: ChannelConfig | undefined): ChannelConfig["type"] {
  if (!config) return undefined;
  if (config.type) return config.type;
  const numeric = config.unit ?? config.scale ?? config.offset ?? config.validMin ?? config.validMax ?? config.deadband ?? config.precision;
  return numeric === undefined ? undefined : "number";
}

/** Scale, offset, precision and the valid range (outOfRange flag instead of passing as good). */
export function normalizeValue(raw: ReadingValue, config: ChannelConfig | undefined): Normalized {
  const coerced = coerce(raw, effectiveType(config));
  if (!coerced.ok || typeof coerced.value !== "number" || !config) return coerced;
  // Nothing to apply (a channel with only a unit, the common case): the coerced result as it is, one object less per sample.
  if (config.scale === undefined && config.offset === undefined && config.precision === undefined && config.validMin === undefined && config.validMax === undefined && !Object.is(coerced.value, -0)) return coerced;
  let value = coerced.value * (config.scale ?? 1) + (config.offset ?? 0);
  if (config.precision !== undefined) value = roundTo(value, config.precision);
  const below = config.validMin !== undefined && value < config.validMin;
  const above = config.validMax !== undefined && value > config.validMax;
  return { ok: true, value, quality: below || above ? OUT_OF_RANGE : NO_FLAGS };
}

export function roundTo(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

export interface Published {
  readonly value: ReadingValue;
  readonly timeMs: number;
  readonly qualityKey: string;
}

/**
 * Publish decision for one channel: the minimum interval wins, then the heartbeat (maximum
 * interval), a quality change, and the deadband against the last published value. Without a
 * deadband every sample is published.
 */
export function shouldPublish(last: Published | undefined, next: Published, config: ChannelConfig | undefined): boolean {
  return shouldPublishValue(last, next.value, next.timeMs, next.qualityKey, config);
}

/** `shouldPublish` on the candidate's fields: the pipeline decides without building a candidate per sample. */
export function shouldPublishValue(last: Published | undefined, value: ReadingValue, timeMs: number, qualityKey: string, config: ChannelConfig | undefined): boolean {
  if (!last) return true;
  const elapsed = timeMs - last.timeMs;
  if (config?.minIntervalMs !== undefined && elapsed < config.minIntervalMs) return false;
  if (config?.maxIntervalMs !== undefined && elapsed >= config.maxIntervalMs) return true;
  if (qualityKey !== last.qualityKey) return true;
  if (config?.deadband === undefined) return true;
  if (typeof value === "number" && typeof last.value === "number") {
    return Math.abs(value - last.value) >= config.deadband && value !== last.value;
  }
  return value !== last.value;
}
