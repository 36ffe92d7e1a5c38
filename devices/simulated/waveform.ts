import { channelType, type ChannelType } from "../../src/device-contract/index.js";
import type { ReadingValue } from "../../src/readings/reading.js";
import type { SimulatedChannelConfig } from "./schema.js";

/** A source of values for one simulated channel; `next(nowMs)` is pure apart from the walk state. */
export interface Waveform {
  next(nowMs: number): ReadingValue;
  /** Writable channels: the written value becomes what is read back. */
  set(value: ReadingValue): void;
}

export function createWaveform(config: SimulatedChannelConfig, random: () => number = Math.random): Waveform {
  const type = generatedType(config);
  const min = config.min ?? 0;
  const max = config.max ?? (config.min === undefined ? 100 : config.min + 100);
  if (type !== "number" || config.waveform === "constant" || (config.waveform === undefined && config.writable)) {
    let held: ReadingValue = config.value ?? (type === "boolean" ? false : type === "string" ? "" : min);
    return { next: () => held, set: (value) => { held = value; } };
  }
  if (config.waveform === "randomWalk") {
    const step = config.step ?? (max - min) * 0.02;
    let current = typeof config.value === "number" ? config.value : (min + max) / 2;
    return {
      next: () => {
        current = Math.min(max, Math.max(min, current + (random() * 2 - 1) * step));
        return current;
      },
      set: (value) => { if (typeof value === "number") current = value; },
    };
  }
  const periodMs = config.periodMs ?? 60_000;
  let override: number | undefined;
  return {
    next: (nowMs) => {
      if (override !== undefined) return override;
      const phase = (2 * Math.PI * (nowMs % periodMs)) / periodMs;
      return min + ((max - min) * (1 + Math.sin(phase))) / 2;
    },
    set: (value) => { if (typeof value === "number") override = value; },
  };
}

/** The channel's type by the contract's one rule; an untyped channel generates numbers. */
export function generatedType(config: SimulatedChannelConfig): ChannelType {
  return channelType(config) ?? "number";
}
