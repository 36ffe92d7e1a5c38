import { channelType, coerce, type ChannelConfig, type ChannelType } from "../device-contract/index.js";
import type { QualityFlag, ReadingValue } from "../readings/reading.js";

/** A good value carries `quality` only when it has flags: most samples then need no object of their own. */
export type Normalized =
  | { readonly ok: true; readonly value: ReadingValue; readonly quality?: readonly QualityFlag[] }
  | { readonly ok: false; readonly reason: string };

const OUT_OF_RANGE: readonly QualityFlag[] = Object.freeze(["outOfRange"]);

/** What normalizing a channel's samples needs of its config, resolved once per config entry, not per sample. */
export interface NormalizePlan {
  readonly type: ChannelType | undefined;
  /** False without scale, offset, precision and valid range: a value passes as coerced. */
  readonly transforms: boolean;
  readonly scale: number;
  readonly offset: number;
  readonly precision: number | undefined;
  /** -Infinity and Infinity when the config sets no bound. */
  readonly validMin: number;
  readonly validMax: number;
}

export function normalizePlan(config: ChannelConfig | undefined): NormalizePlan {
  const { scale, offset, precision, validMin, validMax } = config ?? {};
  return {
    type: channelType(config),
    transforms: config !== undefined && (scale ?? offset ?? precision ?? validMin ?? validMax) !== undefined,
    scale: scale ?? 1,
    offset: offset ?? 0,
    precision,
    validMin: validMin ?? Number.NEGATIVE_INFINITY,
    validMax: validMax ?? Number.POSITIVE_INFINITY,
  };
}

/**
 * The channel's type (the contract's one rule and coercion: the only place a sample is coerced),
 * then scale, offset, precision and the valid range (outOfRange flag instead of passing as good).
 */
export function normalizeValue(raw: ReadingValue, plan: NormalizePlan): Normalized {
  const coerced = coerce(raw, plan.type);
  if (!coerced.ok || !plan.transforms || typeof coerced.value !== "number") return coerced;
  let value = coerced.value * plan.scale + plan.offset;
  if (plan.precision !== undefined) value = roundTo(value, plan.precision);
  return value < plan.validMin || value > plan.validMax ? { ok: true, value, quality: OUT_OF_RANGE } : { ok: true, value };
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
 * deadband every sample is published. Takes the candidate's fields: the pipeline decides without
 * building a candidate per sample.
 */
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
