import type { ChannelConfig } from "../config/channel.js";
import type { Reading } from "../reading.js";
import { channelKey } from "../reading.js";
import type { RawSample } from "../../devices/types.js";
import { normalizeValue, shouldPublish, type Published } from "./normalize.js";

export interface PipelineDeps {
  /** Channel settings per device id; a channel without an entry is still published, without unit. */
  readonly channels: (device: string) => Readonly<Record<string, ChannelConfig>> | undefined;
  readonly onReading: (reading: Reading) => void;
  readonly onRejected?: (device: string, channel: string, reason: string) => void;
  readonly now?: () => number;
}

export interface PipelineStats {
  readonly accepted: number;
  readonly suppressed: number;
  readonly rejected: number;
}

export interface Pipeline {
  process(device: string, sample: RawSample): Reading | undefined;
  /** The last published reading of each channel (for `read` and `list`). */
  latest(device: string, channel: string): Reading | undefined;
  latestOf(device: string): Reading[];
  stats(): PipelineStats;
}

/** Normalizes raw samples into Readings with a stable id and hands them to the sinks. */
export function createPipeline(deps: PipelineDeps): Pipeline {
  const now = deps.now ?? Date.now;
  const published = new Map<string, Published>();
  const latest = new Map<string, Reading>();
  let sequence = 0;
  let accepted = 0;
  let suppressed = 0;
  let rejected = 0;

  return {
    process(device, sample) {
      const config = deps.channels(device)?.[sample.channel];
      const normalized = normalizeValue(sample.value, config);
      if (!normalized.ok) {
        rejected++;
        deps.onRejected?.(device, sample.channel, normalized.reason);
        return undefined;
      }
      const timeMs = sample.time !== undefined ? Math.round(sample.time * 1000) : now();
      const quality = [...(sample.quality ?? []), ...normalized.quality];
      const key = channelKey(device, sample.channel);
      const candidate: Published = { value: normalized.value, timeMs, qualityKey: quality.join(",") };
      if (!shouldPublish(published.get(key), candidate, config)) {
        suppressed++;
        return undefined;
      }
      published.set(key, candidate);
      sequence = (sequence + 1) % 1_000_000;
      const reading: Reading = {
        device,
        channel: sample.channel,
        value: normalized.value,
        time: timeMs / 1000,
        id: `${timeMs.toString(36)}-${sequence.toString(36)}`,
        ...(config?.unit !== undefined ? { unit: config.unit } : {}),
        ...(quality.length > 0 ? { quality } : {}),
      };
      latest.set(key, reading);
      accepted++;
      deps.onReading(reading);
      return reading;
    },
    latest: (device, channel) => latest.get(channelKey(device, channel)),
    latestOf: (device) => [...latest.values()].filter((reading) => reading.device === device),
    stats: () => ({ accepted, suppressed, rejected }),
  };
}
