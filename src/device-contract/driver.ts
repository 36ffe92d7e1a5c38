import type { Logger } from "pino";
import type { QualityFlag, ReadingValue } from "../readings/reading.js";
import type { ChannelConfig } from "./channel.js";

/**
 * What a driver produces: raw, before the channel's type (channel-type.ts), scaling, deadband and
 * range checks, which the pipeline applies once per sample.
 */
export interface RawSample {
  readonly channel: string;
  readonly value: ReadingValue;
  /** Epoch seconds; the pipeline stamps the current time when absent. */
  readonly time?: number;
  readonly quality?: readonly QualityFlag[];
  /**
   * The SenML unit the driver knows for a channel it found at run time (a kernel sensor's channel
   * type); the channel's configured unit wins.
   */
  readonly unit?: string;
}

export type DeviceState = "starting" | "ok" | "failing" | "stopped";

export interface DeviceHealth {
  readonly state: DeviceState;
  /** Why the device is failing, in words a user can act on ("add the user to dialout"). */
  readonly reason?: string;
}

/**
 * The agent's shared MQTT broker connection as the `mqtt` gateway driver sees it (src/mqtt
 * implements it); present only when the config has an `mqtt` section. Topic syntax: mqtt-topics.ts.
 */
export interface MqttLink {
  /** Handler gets every message on a matching topic, retained ones included; returns an unsubscribe. */
  subscribe(filter: string, handler: (topic: string, payload: Buffer) => void): () => void;
  /** Rejects when the broker is not connected (nothing is queued behind the caller's back). */
  publish(topic: string, payload: string, options: { qos: 0 | 1 | 2; retain: boolean }): Promise<void>;
  isConnected(): boolean;
  /** Called with true on every (re)connect and false on every loss; returns an unsubscribe. */
  onConnectionChange(listener: (connected: boolean) => void): () => void;
}

/** Everything a driver may touch: it knows nothing of XMPP, MQTT or the pipeline. */
export interface DriverContext {
  readonly deviceId: string;
  readonly log: Logger;
  emit(sample: RawSample): void;
  setHealth(health: DeviceHealth): void;
  /** Only for the `mqtt` gateway driver (devices/mqtt): the broker connection of the `mqtt` section. */
  readonly mqtt?: MqttLink;
}

export interface DeviceDriver {
  start(signal: AbortSignal): Promise<void>;
  stop(): Promise<void>;
  /** Channels that accept `set`. */
  writableChannels(): readonly string[];
  /** Apply a write; throws IotError (BAD_INPUT, NOT_WRITABLE, DEVICE_FAILING) on refusal. */
  write(channel: string, value: ReadingValue): Promise<void>;
  /** Counters for `status` (e.g. garbage lines, bad checksums, reopen attempts). */
  stats(): Readonly<Record<string, number>>;
  /**
   * A sample of this driver whose value its channel's type cannot hold ("hot" on a Cel channel),
   * found where the sample is coerced. A driver that reads text off a wire counts it as its own bad
   * input; without this method the pipeline counts the sample as rejected.
   */
  readonly badValue?: (channel: string, reason: string) => void;
}

/** A device entry as the config gives it to a driver factory: common fields + driver options. */
export interface DeviceConfigBase {
  readonly id: string;
  readonly driver: string;
  readonly channels?: Readonly<Record<string, ChannelConfig>>;
}

export type DriverFactory<Options extends DeviceConfigBase> = (context: DriverContext, options: Options) => DeviceDriver;
