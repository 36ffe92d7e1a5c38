import type { Logger } from "pino";
import { channelType, type ChannelConfig } from "../device-contract/index.js";
import type { DeviceManager } from "../device-manager/device-manager.js";
import { messageOf } from "../errors/catalog.js";
import type { Reading } from "../readings/reading.js";
import { availabilityTopic } from "./availability.js";
import type { MqttClientHandle, Qos } from "./client.js";
import { entityConfig, haId, type Entity, type EntityOptions, type ValueType } from "./ha-entity.js";

export { entityConfig, haId } from "./ha-entity.js";

export interface DiscoveryOptions extends EntityOptions {
  readonly qos: Qos;
  /** Channel settings per device id from the config (unit, type, range). */
  readonly channels: (device: string) => Readonly<Record<string, ChannelConfig>> | undefined;
  /** How long retained configs are collected after a connect before stale ones are removed. */
  readonly settleMs?: number;
  /** A device's own configuration URL from the config. */
  readonly deviceUrl?: (device: string) => string | undefined;
}

export interface DiscoveryDeps {
  readonly client: Pick<MqttClientHandle, "publish" | "subscribe" | "events" | "isConnected">;
  readonly devices: Pick<DeviceManager, "list" | "get">;
  readonly latest: (device: string, channel: string) => Reading | undefined;
  readonly log: Logger;
}

/**
 * Announces every channel, republishes everything when HA says `online` on
 * `<discoveryPrefix>/status` (HA's birth message), and removes entities this agent announced
 * earlier that no longer exist (an empty retained config deletes an entity).
 */
/** Where a retained config of ours points: the channel key, its device and its state topic. */
interface Located { readonly key: string | undefined; readonly device: string | undefined; readonly state: string | undefined }

export function createDiscovery(deps: DiscoveryDeps, options: DiscoveryOptions) {
  const { client, log } = deps;
  const nodeId = haId(`xmpp-iot_${options.agentName}`);
  /** channel key -> what is announced now */
  const announced = new Map<string, Entity>();
  /** Retained configs found on the broker at connect, not (yet) matched to a current channel. */
  const candidates = new Map<string, Located>();
  /** channel key -> value type and unit of the last reading that was checked */
  const signatures = new Map<string, string>();
  const unsubscribes: Array<() => void> = [];
  let sweepTimer: NodeJS.Timeout | undefined;
  let swept = false;
  let removed = 0;
  let clearedStates = 0;

  const key = (device: string, channel: string): string => `${device}\u0000${channel}`;

  function publish(topic: string, payload: string): void {
    if (!client.isConnected()) return;
    client.publish(topic, payload, { qos: options.qos, retain: true }).catch((error: unknown) => {
      log.warn({ topic, err: messageOf(error) }, "discovery publish failed; sent again on reconnect");
    });
  }

  function clear(topic: string): void {
    removed++;
    log.info({ topic }, "removing a stale Home Assistant entity");
    publish(topic, "");
  }

  function describe(deviceId: string, channel: string): Entity | undefined {
    const device = deps.devices.get(deviceId);
    if (!device) return undefined;
    const config = options.channels(deviceId)?.[channel];
    const latest = deps.latest(deviceId, channel);
    const latestType = latest ? (typeof latest.value as ValueType) : undefined;
    const type = latestType ?? channelType(config);
    // A channel whose type is not known yet is announced with its first reading.
    if (type === undefined) return undefined;
    const configurationUrl = options.deviceUrl?.(deviceId);
    return entityConfig(options, { ...device, ...(configurationUrl !== undefined ? { configurationUrl } : {}) }, channel, type,
      device.writable.includes(channel), config, config?.unit ?? latest?.unit);
  }

  function announce(deviceId: string, channel: string, force: boolean): void {
    const entity = describe(deviceId, channel);
    if (!entity) return;
    const k = key(deviceId, channel);
    const previous = announced.get(k);
    if (previous && previous.topic !== entity.topic) clear(previous.topic);
    for (const [topic, candidate] of candidates) {
      if (candidate.key === k && topic !== entity.topic) { candidates.delete(topic); clear(topic); }
    }
    candidates.delete(entity.topic);
    announced.set(k, entity);
    if (force || !previous || previous.payload !== entity.payload) publish(entity.topic, entity.payload);
  }

  function announceAll(): void {
    for (const device of deps.devices.list()) for (const channel of device.channels) announce(device.id, channel, true);
  }

  /** Where a retained config of ours points: its state_topic is `<topicPrefix>/<device>/<channel>`. */
  function locate(payload: Buffer): Located {
    const none = { key: undefined, device: undefined, state: undefined };
    try {
      const state = (JSON.parse(payload.toString("utf8")) as { state_topic?: unknown }).state_topic;
      if (typeof state !== "string" || !state.startsWith(`${options.topicPrefix}/`)) return none;
      const [device, channel, ...rest] = state.slice(options.topicPrefix.length + 1).split("/");
      if (device === undefined || channel === undefined || rest.length > 0) return none;
      return { key: key(device, channel), device, state };
    } catch {
      return none;
    }
  }

  function sweep(): void {
    swept = true;
    const known = new Set(deps.devices.list().map((d) => d.id));
    for (const [topic, candidate] of candidates) {
      // Unknown device or unreadable config: stale. A device that still exists keeps entities of
      // channels that have not reported yet (Tasmota sends every 5 minutes); they are replaced
      // when the channel announces under another component.
      if (candidate.device !== undefined && known.has(candidate.device)) continue;
      candidates.delete(topic);
      clear(topic);
      // A removed device: its retained readings and availability would otherwise stay on the
      // broker forever (and come back into HA if the same id is configured again).
      if (candidate.state !== undefined && candidate.device !== undefined) {
        publish(candidate.state, "");
        publish(availabilityTopic(options.topicPrefix, candidate.device), "");
        clearedStates++;
      }
    }
  }

  const onOnline = (): void => {
    swept = false;
    candidates.clear();
    announceAll();
    clearTimeout(sweepTimer);
    sweepTimer = setTimeout(sweep, options.settleMs ?? 3000);
  };

  return {
    /** Called by the readings sink for every reading: new channels are announced on first sight. */
    noteReading(reading: Reading): void {
      // Cheap per reading: only a new channel, or a value type or unit not seen before, can change an entity.
      const k = key(reading.device, reading.channel);
      const signature = `${typeof reading.value}|${reading.unit ?? ""}`;
      if (signatures.get(k) === signature && announced.has(k)) return;
      signatures.set(k, signature);
      announce(reading.device, reading.channel, false);
    },
    status: () => ({ entities: announced.size, removed, clearedStates, swept }),
    start(): void {
      unsubscribes.push(client.subscribe(`${options.discoveryPrefix}/status`, (_topic, payload) => {
        if (payload.toString("utf8").trim() === "online") {
          log.info("Home Assistant came online; republishing discovery");
          announceAll();
        }
      }));
      unsubscribes.push(client.subscribe(`${options.discoveryPrefix}/+/${nodeId}/+/config`, (topic, payload, retained) => {
        // Only configs the broker hands over at subscribe time (retained flag set, MQTT 3.1.1
        // section 3.3.1.3) are leftovers; live ones are our own publishes coming back.
        if (!retained || payload.length === 0) return;
        if ([...announced.values()].some((e) => e.topic === topic)) return;
        const candidate = locate(payload);
        candidates.set(topic, candidate);
        if (swept) sweep();
      }));
      client.events.on("online", onOnline);
      if (client.isConnected()) onOnline();
    },
    stop(): void {
      clearTimeout(sweepTimer);
      client.events.off("online", onOnline);
      for (const unsubscribe of unsubscribes.splice(0)) unsubscribe();
    },
  };
}

export type Discovery = ReturnType<typeof createDiscovery>;
