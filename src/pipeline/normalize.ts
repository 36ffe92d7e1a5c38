import { coerceToChannel, type ChannelConfig } from "../device-contract/index.js";
import type { QualityFlag, ReadingValue } from "../readings/reading.js";

export type Normalized =
  | { readonly ok: true; readonly value: ReadingValue; readonly quality: readonly QualityFlag[] }
  | { readonly ok: false; readonly reason: string };

/** Shared by every good sample: the hot path allocates no empty flag lists. */
const NO_FLAGS: readonly QualityFlag[] = Object.freeze([]);
const OUT_OF_RANGE: readonly QualityFlag[] = Object.freeze(["outOfRange"]);

/**
 * The channel's type (the contract's one rule and coercion: the only place a sample is coerced),
 * then scale, offset, precision and the valid range (outOfRange flag instead of passing as good).
 */
export function normalizeValue(raw: ReadingValue, config: ChannelConfig | undefined): Normalized {
  const coerced = coerceToChannel(raw, config);
  if (!coerced.ok) return coerced;
  if (typeof coerced.value !== "number" || !config) return { ok: true, value: coerced.value, quality: NO_FLAGS };
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
