import type { ChannelAddress } from "../senml/name.js";

/** One channel as the page shows it: the last value plus a bounded history for the chart. */
export interface ChannelState extends ChannelAddress {
  readonly key: string;
  node: string;
  value: number | boolean | string;
  unit: string | undefined;
  /** Epoch seconds of the last reading. */
  time: number;
  quality: readonly string[];
  /** Chart points in time order, at most `historyLimit`; strings are not charted. */
  readonly times: number[];
  readonly values: number[];
  /** performance.now() when the newest reading arrived, for the update-lag measurement. */
  receivedAt: number;
}

export interface IncomingReading extends ChannelAddress {
  readonly node: string;
  readonly value: number | boolean | string;
  readonly unit?: string;
  readonly time: number;
  readonly quality: readonly string[];
}

export const channelKey = (a: ChannelAddress): string => `${a.agent}/${a.device}/${a.channel}`;

/**
 * The page's readings, keyed by agent/device/channel. History fetched at login and live items can
 * overlap (an item published between the two requests arrives both ways), so a reading not newer
 * than the last one kept is merged into the history by time or dropped as a duplicate.
 */
export function createChannelStore(options: { historyLimit: number }) {
  const channels = new Map<string, ChannelState>();
  const dirty = new Set<string>();

  function chartable(value: number | boolean | string): number | undefined {
    if (typeof value === "number") return value;
    if (typeof value === "boolean") return value ? 1 : 0;
    return undefined;
  }

  function insertPoint(state: ChannelState, time: number, value: number): boolean {
    const { times, values } = state;
    let i = times.length;
    while (i > 0 && times[i - 1]! > time) i--;
    if (i > 0 && times[i - 1] === time) return false;
    times.splice(i, 0, time);
    values.splice(i, 0, value);
    if (times.length > options.historyLimit) {
      const extra = times.length - options.historyLimit;
      times.splice(0, extra);
      values.splice(0, extra);
    }
    return true;
  }

  return {
    /** Adds a reading; returns its channel, or undefined for a duplicate. */
    add(reading: IncomingReading, receivedAt: number): ChannelState | undefined {
      const key = channelKey(reading);
      let state = channels.get(key);
      if (!state) {
        state = {
          key, agent: reading.agent, device: reading.device, channel: reading.channel, node: reading.node,
          value: reading.value, unit: reading.unit, time: reading.time, quality: reading.quality,
          times: [], values: [], receivedAt,
        };
        channels.set(key, state);
        const point = chartable(reading.value);
        if (point !== undefined) insertPoint(state, reading.time, point);
        dirty.add(key);
        return state;
      }
      const point = chartable(reading.value);
      const isNew = reading.time > state.time;
      const inserted = point !== undefined ? insertPoint(state, reading.time, point) : isNew;
      if (!isNew && !inserted) return undefined;
      if (isNew) {
        state.value = reading.value;
        state.unit = reading.unit ?? state.unit;
        state.time = reading.time;
        state.quality = reading.quality;
        state.receivedAt = receivedAt;
        state.node = reading.node;
      }
      dirty.add(key);
      return state;
    },
    get: (key: string): ChannelState | undefined => channels.get(key),
    all: (): ChannelState[] => [...channels.values()],
    /** Keys changed since the last call (the render loop drains this once per frame). */
    takeDirty(): string[] {
      const keys = [...dirty];
      dirty.clear();
      return keys;
    },
    size: (): number => channels.size,
  };
}

export type ChannelStore = ReturnType<typeof createChannelStore>;
