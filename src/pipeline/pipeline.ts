import { DEFAULT_MAX_UNNAMED_CHANNELS, type ChannelConfig, type DeviceDriver, type RawSample } from "../device-contract/index.js";
import type { QualityFlag, Reading } from "../readings/reading.js";
import { forbiddenXmlChar } from "../xml/chars.js";
import { normalizePlan, normalizeValue, shouldPublishValue, type NormalizePlan, type Published } from "./normalize.js";

/** Shared by every sample without flags: `sample.quality ?? []` would allocate one per sample. */
const NO_FLAGS: readonly QualityFlag[] = Object.freeze([]);

export interface PipelineDeps {
  /** Channel settings per device id; a channel without an entry is still published, without unit. */
  readonly channels: (device: string) => Readonly<Record<string, ChannelConfig>> | undefined;
  /**
   * Channels not named in `channels` the device may publish (noise on a line, a device inventing
   * keys would otherwise create a server node each); samples of further ones are rejected.
   * Undefined: DEFAULT_MAX_UNNAMED_CHANNELS.
   */
  readonly maxUnnamedChannels?: (device: string) => number | undefined;
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
  /**
   * `badValue`: the driver's own count for a value its channel's type cannot hold (the driver's
   * `badValue`); without it such a sample is rejected here like any other bad input.
   */
  process(device: string, sample: RawSample, badValue?: DeviceDriver["badValue"]): Reading | undefined;
  /** The last published reading of each channel (for `read` and `list`). */
  latest(device: string, channel: string): Reading | undefined;
  latestOf(device: string): Reading[];
  stats(): PipelineStats;
}

/**
 * One channel that has published: its last published value (updated in place), its latest Reading
 * and the normalization plan of the config entry it was made from. A channel gets one only once a
 * sample of it is published, so noise keys that never pass take no memory.
 */
interface ChannelState extends Published {
  value: Published["value"];
  timeMs: number;
  qualityKey: string;
  latest: Reading;
  /** The config entry `plan` was made from: a reloaded config gets a new plan on its next sample. */
  config: ChannelConfig | undefined;
  plan: NormalizePlan;
}

interface DeviceState {
  readonly channels: Map<string, ChannelState>;
  /** Channels seen that `channels` does not name, bounded by maxUnnamedChannels. */
  readonly unnamed: Set<string>;
}

/** Normalizes raw samples into Readings with a stable id and hands them to the sinks. */
export function createPipeline(deps: PipelineDeps): Pipeline {
  const now = deps.now ?? Date.now;
  /** Per device, per channel: two map lookups instead of building a "device/channel" key per sample. */
  const devices = new Map<string, DeviceState>();
  const deviceState = (device: string): DeviceState => {
    let entry = devices.get(device);
    if (!entry) devices.set(device, (entry = { channels: new Map(), unnamed: new Set() }));
    return entry;
  };
  /** A reason when this unnamed channel would be one too many for the device, else undefined. */
  const overUnnamedBound = (device: string, unnamed: Set<string>, channel: string): string | undefined => {
    if (unnamed.has(channel)) return undefined;
    const bound = deps.maxUnnamedChannels?.(device) ?? DEFAULT_MAX_UNNAMED_CHANNELS;
    if (unnamed.size >= bound) {
      return bound === 0 ? `"${channel}" is not named in channels (maxUnnamedChannels is 0)`
        : `"${channel}" would be unnamed channel ${bound + 1}; the bound is maxUnnamedChannels = ${bound} (name the channel in channels or raise the bound)`;
    }
    return undefined;
  };
  let sequence = 0;
  // Readings of one millisecond share the base-36 time and dash of their ids: one string per
  // millisecond instead of two per reading (a burst queues thousands of readings in the outbox).
  let idTimeMs = Number.NaN;
  let idPrefix = "";
  let accepted = 0;
  let suppressed = 0;
  let rejected = 0;

  const reject = (device: string, channel: string, reason: string): undefined => {
    rejected++;
    deps.onRejected?.(device, channel, reason);
    return undefined;
  };
  const unsafeSample = (device: string, channel: string, char: string): undefined =>
    reject(device, JSON.stringify(channel).slice(1, -1), `contains ${char}, a control character XML cannot carry`);

  return {
    process(device, sample, badValue) {
      const { channels, unnamed } = deviceState(device);
      const state = channels.get(sample.channel);
      // Line noise on a serial port: a character XML cannot carry would make every stanza that
      // carries the reading not-well-formed, so the sample is bad input, counted like any other
      // (before the unnamed-channel bound: a garbled name must not take one of its places). A
      // channel that has published has a clean name.
      const unsafeName = state === undefined ? forbiddenXmlChar(sample.channel) : undefined;
      if (unsafeName !== undefined) return unsafeSample(device, sample.channel, unsafeName);
      const config = deps.channels(device)?.[sample.channel];
      const excess = config === undefined ? overUnnamedBound(device, unnamed, sample.channel) : undefined;
      if (excess !== undefined) return reject(device, sample.channel, excess);
      const plan = state !== undefined && state.config === config ? state.plan : normalizePlan(config);
      const normalized = normalizeValue(sample.value, plan);
      if (!normalized.ok) {
        if (!badValue) return reject(device, sample.channel, normalized.reason);
        badValue(sample.channel, normalized.reason);
        return undefined;
      }
      const unsafeValue = typeof normalized.value === "string" ? forbiddenXmlChar(normalized.value) : undefined;
      if (unsafeValue !== undefined) return unsafeSample(device, sample.channel, unsafeValue);
      const timeMs = sample.time !== undefined ? Math.round(sample.time * 1000) : now();
      // Every sample passes here: no spread, join, key string or decision object unless needed.
      const sampleFlags = sample.quality ?? NO_FLAGS;
      const valueFlags = normalized.quality ?? NO_FLAGS;
      const quality = sampleFlags.length === 0 ? valueFlags : valueFlags.length === 0 ? sampleFlags : [...sampleFlags, ...valueFlags];
      const qualityKey = quality.length === 0 ? "" : quality.join(",");
      if (!shouldPublishValue(state, normalized.value, timeMs, qualityKey, config)) {
        suppressed++;
        return undefined;
      }
      sequence = (sequence + 1) % 1_000_000;
      if (timeMs !== idTimeMs) { idTimeMs = timeMs; idPrefix = `${timeMs.toString(36)}-`; }
      const id = idPrefix + sequence.toString(36);
      const unit = config?.unit ?? sample.unit;
      // One literal per shape: adding `unit` afterwards would give every reading a second (property) array.
      const reading: { -readonly [K in keyof Reading]: Reading[K] } = unit === undefined
        ? { device, channel: sample.channel, value: normalized.value, time: timeMs / 1000, id }
        : { device, channel: sample.channel, value: normalized.value, time: timeMs / 1000, id, unit };
      if (quality.length > 0) reading.quality = quality === valueFlags || quality === sampleFlags ? [...quality] : quality;
      if (state === undefined) {
        // Only a sample that is published takes a place in the bound: a noise key with a bad value
        // must not use one up without ever making a node.
        if (config === undefined) unnamed.add(sample.channel);
        channels.set(sample.channel, { value: normalized.value, timeMs, qualityKey, latest: reading, config, plan });
      } else {
        state.value = normalized.value;
        state.timeMs = timeMs;
        state.qualityKey = qualityKey;
        state.latest = reading;
        state.config = config;
        state.plan = plan;
      }
      accepted++;
      deps.onReading(reading);
      return reading;
    },
    latest: (device, channel) => devices.get(device)?.channels.get(channel)?.latest,
    latestOf: (device) => Array.from(devices.get(device)?.channels.values() ?? [], (state) => state.latest),
    stats: () => ({ accepted, suppressed, rejected }),
  };
}
