import type { ChannelConfig } from "../device-contract/index.js";
import { availabilityTopic } from "./availability.js";
import { binarySensorClassByName, classesFor, sensorClassByName, switchClassByName, type HaComponent } from "../home-assistant/device-classes.js";
import { haUnit } from "../home-assistant/units.js";
import { readingTopic } from "./topics.js";

export interface EntityOptions {
  readonly discoveryPrefix: string;
  readonly topicPrefix: string;
  readonly statusTopic: string;
  readonly agentName: string;
  readonly readOnly: boolean;
  readonly qos: 0 | 1 | 2;
  /** The agent's version: the device's `sw_version` and the discovery `origin`. */
  readonly version?: string;
  /** Linked from devices that have no `configurationUrl` of their own. */
  readonly configurationUrl?: string;
}

export interface EntityDevice {
  readonly id: string;
  readonly name: string;
  readonly driver: string;
  readonly configurationUrl?: string;
}

export type ValueType = "number" | "boolean" | "string";
export interface Entity { readonly topic: string; readonly payload: string }

/** HA allows only [a-zA-Z0-9_-] in node_id and object_id of a discovery topic. */
export function haId(text: string): string {
  return text.replace(/[^a-zA-Z0-9_-]/g, "_");
}

const ON_OFF_TEMPLATE = "{{ 'ON' if value_json[0].vb else 'OFF' }}";

export function componentOf(type: ValueType, commandable: boolean): HaComponent {
  if (type === "boolean") return commandable ? "switch" : "binary_sensor";
  if (type === "string") return commandable ? "text" : "sensor";
  return commandable ? "number" : "sensor";
}

/** The configured class when HA knows it for this component, else what the name and unit imply. */
function deviceClassOf(component: HaComponent, channel: string, config: ChannelConfig | undefined, unitClass: string | undefined, unit: string | undefined): string | undefined {
  const allowed = classesFor(component);
  if (config?.deviceClass !== undefined && allowed.has(config.deviceClass)) return config.deviceClass;
  const derived = component === "binary_sensor" ? binarySensorClassByName(channel)
    : component === "switch" ? switchClassByName(channel)
      : component === "text" ? undefined
        : sensorClassByName(channel, unit) ?? unitClass;
  return derived !== undefined && allowed.has(derived) ? derived : undefined;
}

/**
 * The discovery config of one channel (HA "MQTT discovery": `<prefix>/<component>/<node_id>/
 * <object_id>/config`). Numbers are sensors (numbers when writable), booleans binary sensors
 * (switches when writable), strings sensors (text when writable). The state is the retained
 * SenML reading, read with a value_template; availability needs both the agent's status topic and
 * the device's availability topic. A channel heartbeat (`maxIntervalMs`) becomes `expire_after`:
 * twice the heartbeat, so one late reading does not flap the entity.
 */
export function entityConfig(options: EntityOptions, device: EntityDevice, channel: string,
  type: ValueType, writable: boolean, config: ChannelConfig | undefined, unit: string | undefined): Entity {
  const nodeId = haId(`xmpp-iot_${options.agentName}`);
  const commandable = writable && !options.readOnly;
  const component = componentOf(type, commandable);
  const state = readingTopic(options.topicPrefix, device.id, channel);
  const configurationUrl = device.configurationUrl ?? options.configurationUrl;
  const payload: Record<string, unknown> = {
    name: config?.name ?? channel,
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
      ...(options.version !== undefined ? { sw_version: options.version } : {}),
      ...(configurationUrl !== undefined ? { configuration_url: configurationUrl } : {}),
    },
    origin: { name: "xmpp-iot", ...(options.version !== undefined ? { sw_version: options.version } : {}) },
    qos: options.qos,
  };
  if (config?.icon !== undefined) payload["icon"] = config.icon;
  if (commandable) payload["command_topic"] = `${state}/set`;
  if ((component === "sensor" || component === "binary_sensor") && config?.maxIntervalMs !== undefined) {
    payload["expire_after"] = Math.ceil((2 * config.maxIntervalMs) / 1000);
  }
  const ha = type === "number" ? haUnit(unit) : undefined;
  const deviceClass = deviceClassOf(component, channel, config, ha?.deviceClass, unit);
  if (deviceClass !== undefined) payload["device_class"] = deviceClass;
  if (type === "boolean") {
    Object.assign(payload, { value_template: ON_OFF_TEMPLATE, payload_on: "ON", payload_off: "OFF" });
    if (commandable) Object.assign(payload, { state_on: "ON", state_off: "OFF" });
  } else if (type === "string") {
    payload["value_template"] = "{{ value_json[0].vs }}";
  } else if (ha) {
    payload["value_template"] = "{{ value_json[0].v }}";
    if (ha.unit !== undefined) payload["unit_of_measurement"] = ha.unit;
    if (commandable) {
      // HA's number entity defaults to 1..100; take the channel's range so any valid value can be set; its
      // smallest step is 0.001 (integrations/number.mqtt).
      const extra = (config ?? {}) as Record<string, unknown>;
      const min = config?.validMin ?? (typeof extra["min"] === "number" ? extra["min"] : -1_000_000);
      const max = config?.validMax ?? (typeof extra["max"] === "number" ? extra["max"] : 1_000_000);
      Object.assign(payload, { min, max, step: config?.precision !== undefined ? Math.max(0.001, 10 ** -config.precision) : 0.01, mode: "box" });
    } else {
      payload["state_class"] = ha.stateClass;
      if (config?.precision !== undefined) payload["suggested_display_precision"] = config.precision;
    }
  }
  return { topic: `${options.discoveryPrefix}/${component}/${nodeId}/${haId(`${device.id}_${channel}`)}/config`, payload: JSON.stringify(payload) };
}
