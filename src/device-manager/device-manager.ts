import type { Logger } from "pino";
import { createDriver, type DeviceConfig } from "../../devices/index.js";
import { coerceToChannel, type DeviceDriver, type DeviceHealth, type MqttLink } from "../device-contract/index.js";
import { IotError, messageOf } from "../errors/catalog.js";
import type { Pipeline } from "../pipeline/pipeline.js";
import type { ReadingValue } from "../readings/reading.js";

export interface DeviceInfo {
  readonly id: string;
  readonly name: string;
  readonly driver: string;
  readonly health: DeviceHealth;
  /** Configured channels plus any the device has sent without a config entry. */
  readonly channels: readonly string[];
  readonly writable: readonly string[];
  readonly stats: Readonly<Record<string, number>>;
  /** validMin/validMax of the channels that have them (the command registry refuses `set` outside). */
  readonly limits: Readonly<Record<string, ChannelLimits>>;
}

export interface ChannelLimits { readonly min?: number; readonly max?: number }

function limitsOf(config: DeviceConfig): Record<string, ChannelLimits> {
  const out: Record<string, ChannelLimits> = {};
  for (const [name, channel] of Object.entries(config.channels ?? {}) as Array<[string, { validMin?: number; validMax?: number }]>) {
    if (channel.validMin === undefined && channel.validMax === undefined) continue;
    out[name] = { ...(channel.validMin !== undefined ? { min: channel.validMin } : {}), ...(channel.validMax !== undefined ? { max: channel.validMax } : {}) };
  }
  return out;
}

export interface DeviceManager {
  start(signal: AbortSignal): Promise<void>;
  stop(): Promise<void>;
  list(): DeviceInfo[];
  get(id: string): DeviceInfo | undefined;
  /** Validates, coerces to the channel type, and hands the write to the driver. */
  write(device: string, channel: string, value: ReadingValue): Promise<void>;
  onHealthChange(listener: () => void): void;
}

export interface DeviceManagerDeps {
  readonly devices: readonly DeviceConfig[];
  readonly pipeline: Pipeline;
  readonly log: Logger;
  /** The MQTT bridge's broker connection, for the `mqtt` gateway driver. */
  readonly mqtt?: MqttLink;
}

/** Owns the drivers: one failing device is logged and isolated, never stops the others. */
export function createDeviceManager(deps: DeviceManagerDeps): DeviceManager {
  const entries = new Map<string, { config: DeviceConfig; driver: DeviceDriver; health: DeviceHealth; seen: Set<string>; limits: Record<string, ChannelLimits> }>();
  const listeners: Array<() => void> = [];
  const notify = (): void => {
    for (const listener of listeners) {
      try { listener(); } catch (error) { deps.log.error({ err: error }, "health listener failed"); }
    }
  };

  for (const config of deps.devices) {
    const log = deps.log.child({ device: config.id });
    const seen = new Set<string>(Object.keys(config.channels ?? {}));
    const entry = {
      config,
      seen,
      limits: limitsOf(config),
      health: { state: "starting" } as DeviceHealth,
      driver: undefined as unknown as DeviceDriver,
    };
    entry.driver = createDriver(
      {
        deviceId: config.id,
        log,
        ...(deps.mqtt ? { mqtt: deps.mqtt } : {}),
        emit: (sample) => {
          // Only published channels are listed: one the pipeline refuses (past maxUnnamedChannels) is noise.
          if (deps.pipeline.process(config.id, sample, entry.driver.badValue)) seen.add(sample.channel);
        },
        setHealth: (health) => {
          if (health.state === entry.health.state && health.reason === entry.health.reason) return;
          if (health.state === "failing") log.warn({ reason: health.reason }, "device failing");
          else if (entry.health.state === "failing" && health.state === "ok") log.info("device recovered");
          else if (entry.health.state === "starting" && health.state === "ok") log.info("device ready");
          entry.health = health;
          notify();
        },
      },
      config,
    );
    entries.set(config.id, entry);
  }

  const info = (id: string): DeviceInfo | undefined => {
    const entry = entries.get(id);
    if (!entry) return undefined;
    return {
      id,
      name: entry.config.name ?? id,
      driver: entry.config.driver,
      health: entry.health,
      channels: [...entry.seen],
      writable: entry.driver.writableChannels(),
      stats: entry.driver.stats(),
      limits: entry.limits,
    };
  };

  return {
    async start(signal) {
      await Promise.all(
        [...entries.values()].map(async (entry) => {
          try {
            await entry.driver.start(signal);
          } catch (error) {
            deps.log.error({ device: entry.config.id, err: messageOf(error) }, "device failed to start; the others keep running");
            entry.health = { state: "failing", reason: messageOf(error) };
            notify();
          }
        }),
      );
    },
    async stop() {
      await Promise.all([...entries.values()].map((entry) => entry.driver.stop().catch((error: unknown) => {
        deps.log.warn({ device: entry.config.id, err: messageOf(error) }, "device stop failed");
      })));
    },
    list: () => [...entries.keys()].map((id) => info(id)).filter((d): d is DeviceInfo => d !== undefined),
    get: info,
    async write(device, channel, value) {
      const entry = entries.get(device);
      if (!entry) throw new IotError("UNKNOWN_DEVICE", `no device "${device}"; try list`);
      if (!entry.driver.writableChannels().includes(channel)) {
        if (!entry.seen.has(channel)) throw new IotError("UNKNOWN_CHANNEL", `${device} has no channel "${channel}"`);
        throw new IotError("NOT_WRITABLE", `${device}/${channel} is not writable`);
      }
      const coerced = coerceToChannel(value, entry.config.channels?.[channel]);
      if (!coerced.ok) throw new IotError("BAD_INPUT", `${device}/${channel}: ${coerced.reason}`);
      await entry.driver.write(channel, coerced.value);
    },
    onHealthChange: (listener) => { listeners.push(listener); },
  };
}
