import type { Logger } from "pino";
import type { ChannelConfig } from "../config/channel.js";
import type { DeviceManager } from "../device-manager.js";
import { messageOf } from "../errors.js";
import { effectiveType } from "../pipeline/normalize.js";
import type { Reading } from "../reading.js";
import { availabilityTopic } from "./availability.js";
import type { MqttClientHandle, Qos } from "./client.js";
import { haUnit } from "./ha-units.js";
import { readingTopic } from "./payload.js";

export interface DiscoveryOptions {
  readonly discoveryPrefix: string;
  readonly topicPrefix: string;
  readonly statusTopic: string;
  readonly agentName: string;
  readonly readOnly: boolean;
  readonly qos: Qos;
  /** Channel settings per device id from the config (unit, type, range). */
  readonly channels: (device: string) => Readonly<Record<string, ChannelConfig>> | undefined;
  /** How long retained configs are collected after a connect before stale ones are removed. */
  readonly settleMs?: number;
  readonly version?: string;
}

export interface DiscoveryDeps {
  readonly client: Pick<MqttClientHandle, "publish" | "subscribe" | "events" | "isConnected">;
  readonly devices: Pick<DeviceManager, "list" | "get">;
  readonly latest: (device: string, channel: string) => Reading | undefined;
  readonly log: Logger;
}

type ValueType = "number" | "boolean" | "string";
interface Entity { readonly topic: string; readonly payload: string }

/** HA allows only [a-zA-Z0-9_-] in node_id and object_id of a discovery topic. */
export function haId(text: string): string {
  return text.replace(/[^a-zA-Z0-9_-]/g, "_");
}

const ON_OFF_TEMPLATE = "{{ 'ON' if value_json[0].vb else 'OFF' }}";

/**
 * The discovery config of one channel (HA "MQTT discovery": `<prefix>/<component>/<node_id>/
 * <object_id>/config`). Numbers are sensors (numbers when writable), booleans binary sensors
 * (switches when writable), strings sensors (text when writable). The state is the retained
 * SenML reading, read with a value_template; availability needs both the agent's status topic and
 * the device's availability topic.
 */
export function entityConfig(options: DiscoveryOptions, device: { id: string; name: string; driver: string }, channel: string,
  type: ValueType, writable: boolean, config: ChannelConfig | undefined, unit: string | undefined): Entity {
  const nodeId = haId(`xmpp-iot_${options.agentName}`);
  const commandable = writable && !options.readOnly;
  const component = type === "boolean" ? (commandable ? "switch" : "binary_sensor") : type === "string" ? (commandable ? "text" : "sensor") : commandable ? "number" : "sensor";
  const state = readingTopic(options.topicPrefix, device.id, channel);
  const payload: Record<string, unknown> = {
    name: channel,
    unique_id: `xmpp-iot_${options.agentName}_${device.id}_${channel}`,
    state_topic: state,
    // Unavailable when the agent is gone (its last will) or the device is failing (its health).
    availability: [
      { topic: options.statusTopic, payload_available: "online", payload_not_available: "offline" },
      { topic: availabilityTopic(options.topicPrefix, device.id), payload_available: "online", payload_not_available: "offline" },
    ],
    availability_mode: "all",
    device: {
      identifiers: [`xmpp-iot_${options.agentName}_${device.id}`],
      name: device.name,
      manufacturer: "xmpp-iot",
      model: `${device.driver} device`,
    },
    origin: { name: "xmpp-iot", ...(options.version !== undefined ? { sw_version: options.version } : {}) },
    qos: options.qos,
  };
  if (commandable) payload["command_topic"] = `${state}/set`;
  if (type === "boolean") {
    Object.assign(payload, { value_template: ON_OFF_TEMPLATE, payload_on: "ON", payload_off: "OFF" });
    if (commandable) Object.assign(payload, { state_on: "ON", state_off: "OFF" });
  } else if (type === "string") {
    payload["value_template"] = "{{ value_json[0].vs }}";
  } else {
    const ha = haUnit(unit);
    payload["value_template"] = "{{ value_json[0].v }}";
    if (ha.unit !== undefined) payload["unit_of_measurement"] = ha.unit;
    if (ha.deviceClass !== undefined) payload["device_class"] = ha.deviceClass;
    if (commandable) {
      // HA's number entity defaults to 1..100; take the channel's range so any valid value can be set.
      const extra = (config ?? {}) as Record<string, unknown>;
      const min = config?.validMin ?? (typeof extra["min"] === "number" ? extra["min"] : -1_000_000);
      const max = config?.validMax ?? (typeof extra["max"] === "number" ? extra["max"] : 1_000_000);
      Object.assign(payload, { min, max, step: config?.precision !== undefined ? 10 ** -config.precision : 0.01, mode: "box" });
    } else {
      payload["state_class"] = ha.stateClass;
    }
  }
  return { topic: `${options.discoveryPrefix}/${component}/${nodeId}/${haId(`${device.id}_${channel}`)}/config`, payload: JSON.stringify(payload) };
}

/**
 * Announces every channel, republishes everything when HA says `online` on
 * `<discoveryPrefix>/status` (HA's birth message), and removes entities this agent announced
 * earlier that no longer exist (an empty retained config deletes an entity).
 */
export function createDiscovery(deps: DiscoveryDeps, options: DiscoveryOptions) {
  const { client, log } = deps;
  const nodeId = haId(`xmpp-iot_${options.agentName}`);
  /** channel key -> what is announced now */
  const announced = new Map<string, Entity>();
  /** Retained configs found on the broker at connect, not (yet) matched to a current channel. */
  const candidates = new Map<string, { key: string | undefined; device: string | undefined }>();
  /** channel key -> value type and unit of the last reading that was checked */
  const signatures = new Map<string, string>();
  const unsubscribes: Array<() => void> = [];
  let sweepTimer: NodeJS.Timeout | undefined;
  let swept = false;
  let removed = 0;

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
    const declared = effectiveType(config);
    const fromValue = typeof (config as Record<string, unknown> | undefined)?.["value"];
    const type = latestType ?? declared ?? (fromValue === "boolean" || fromValue === "number" || fromValue === "string" ? fromValue : undefined);
    // A channel whose type is not known yet is announced with its first reading.
    if (type === undefined) return undefined;
    return entityConfig(options, device, channel, type, device.writable.includes(channel), config, config?.unit ?? latest?.unit);
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
  function locate(payload: Buffer): { key: string | undefined; device: string | undefined } {
    try {
      const state = (JSON.parse(payload.toString("utf8")) as { state_topic?: unknown }).state_topic;
      if (typeof state !== "string" || !state.startsWith(`${options.topicPrefix}/`)) return { key: undefined, device: undefined };
      const [device, channel, ...rest] = state.slice(options.topicPrefix.length + 1).split("/");
      if (device === undefined || channel === undefined || rest.length > 0) return { key: undefined, device: undefined };
      return { key: key(device, channel), device };
    } catch {
      return { key: undefined, device: undefined };
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
    status: () => ({ entities: announced.size, removed, swept }),
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
