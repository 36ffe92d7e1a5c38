import { describe, expect, it } from "vitest";
import { channelSchema } from "../device-contract/index.js";
import { deviceClassProblem } from "../home-assistant/device-classes.js";
import { componentOf, entityConfig, type EntityOptions, type ValueType } from "./ha-entity.js";

// Home Assistant's documented MQTT discovery schema, encoded here from its docs
// (home-assistant.io/integrations/{sensor,binary_sensor,switch,number,text}.mqtt "Configuration
// Variables", /integrations/{sensor,binary_sensor,switch}#device-class, and the discovery page's
// `origin`): every payload this agent sends must use only these keys and values.
const AVAILABILITY = ["availability", "availability_mode", "availability_template", "availability_topic", "payload_available", "payload_not_available"];
const COMMON = [...AVAILABILITY, "device", "enabled_by_default", "encoding", "entity_category", "entity_picture", "json_attributes_template",
  "json_attributes_topic", "name", "object_id", "platform", "qos", "unique_id", "value_template", "origin"];
const KEYS: Record<string, readonly string[]> = {
  sensor: [...COMMON, "device_class", "expire_after", "force_update", "icon", "last_reset_value_template", "options", "suggested_display_precision",
    "state_class", "state_topic", "unit_of_measurement"],
  binary_sensor: [...COMMON, "device_class", "expire_after", "force_update", "icon", "off_delay", "payload_off", "payload_on", "state_topic"],
  switch: [...COMMON, "command_template", "command_topic", "device_class", "icon", "optimistic", "payload_off", "payload_on", "retain", "state_off", "state_on", "state_topic"],
  number: [...COMMON, "command_template", "command_topic", "device_class", "icon", "max", "min", "mode", "optimistic", "payload_reset", "retain", "state_topic", "step", "unit_of_measurement"],
  // text.mqtt lists no device_class; `icon` is used in that page's own example.
  text: [...COMMON, "command_template", "command_topic", "icon", "max", "min", "mode", "pattern", "retain", "state_topic"],
};
const REQUIRED: Record<string, readonly string[]> = { sensor: ["state_topic"], binary_sensor: ["state_topic"], switch: ["command_topic"], number: ["command_topic"], text: ["command_topic"] };
const DEVICE_KEYS = ["configuration_url", "connections", "hw_version", "identifiers", "manufacturer", "model", "model_id", "name", "serial_number", "suggested_area", "sw_version", "via_device"];
const ORIGIN_KEYS = ["name", "sw_version", "support_url"];
const SENSOR_CLASSES = ["apparent_power", "aqi", "area", "atmospheric_pressure", "battery", "blood_glucose_concentration", "carbon_dioxide", "carbon_monoxide",
  "current", "data_rate", "data_size", "date", "distance", "duration", "energy", "energy_storage", "enum", "frequency", "gas", "humidity", "illuminance",
  "irradiance", "moisture", "monetary", "nitrogen_dioxide", "nitrogen_monoxide", "nitrous_oxide", "ozone", "ph", "pm1", "pm25", "pm10", "power_factor",
  "power", "precipitation", "precipitation_intensity", "pressure", "reactive_power", "signal_strength", "sound_pressure", "speed", "sulphur_dioxide",
  "temperature", "timestamp", "volatile_organic_compounds", "volatile_organic_compounds_parts", "voltage", "volume", "volume_flow_rate", "volume_storage",
  "water", "weight", "wind_speed"];
const BINARY_CLASSES = ["battery", "battery_charging", "carbon_monoxide", "cold", "connectivity", "door", "garage_door", "gas", "heat", "light", "lock",
  "moisture", "motion", "moving", "occupancy", "opening", "plug", "power", "presence", "problem", "running", "safety", "smoke", "sound", "tamper", "update",
  "vibration", "window"];
const CLASSES: Record<string, readonly string[]> = { sensor: SENSOR_CLASSES, number: SENSOR_CLASSES, binary_sensor: BINARY_CLASSES, switch: ["outlet", "switch"], text: [] };
// Units the sensor page allows for the classes this agent emits.
const UNITS: Record<string, readonly string[]> = {
  temperature: ["°C", "°F", "K"], humidity: ["%"], pressure: ["Pa", "kPa", "hPa", "bar", "cbar", "mbar", "mmHg", "inHg", "psi"], illuminance: ["lx"],
  voltage: ["V", "mV", "µV", "kV", "MV"], current: ["A", "mA"], power: ["mW", "W", "kW", "MW", "GW", "TW"], pm25: ["µg/m³"], pm10: ["µg/m³"], pm1: ["µg/m³"],
  carbon_dioxide: ["ppm"], carbon_monoxide: ["ppm"], battery: ["%"], moisture: ["%"], energy: ["J", "kJ", "MJ", "GJ", "mWh", "Wh", "kWh", "MWh", "GWh", "TWh"],
  distance: ["km", "m", "cm", "mm"], volatile_organic_compounds_parts: ["ppm", "ppb"],
};

function check(payload: Record<string, unknown>, component: string): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(payload)) if (!KEYS[component]?.includes(key)) problems.push(`${component}: undocumented key ${key}`);
  for (const key of REQUIRED[component] ?? []) if (typeof payload[key] !== "string") problems.push(`${component}: missing ${key}`);
  const device = payload["device"] as Record<string, unknown>;
  for (const key of Object.keys(device)) if (!DEVICE_KEYS.includes(key)) problems.push(`device: undocumented key ${key}`);
  if (!Array.isArray(device["identifiers"]) || device["identifiers"].length === 0) problems.push("device: no identifiers");
  if (device["configuration_url"] !== undefined && !/^(https?|homeassistant):\/\//.test(String(device["configuration_url"]))) problems.push("device: bad configuration_url");
  for (const key of Object.keys(payload["origin"] as object)) if (!ORIGIN_KEYS.includes(key)) problems.push(`origin: undocumented key ${key}`);
  for (const entry of payload["availability"] as Array<Record<string, unknown>>) {
    for (const key of Object.keys(entry)) if (!["topic", "payload_available", "payload_not_available", "value_template"].includes(key)) problems.push(`availability: ${key}`);
    if (typeof entry["topic"] !== "string") problems.push("availability: no topic");
  }
  if (!["all", "any", "latest"].includes(String(payload["availability_mode"]))) problems.push("availability_mode");
  if (![0, 1, 2].includes(payload["qos"] as number)) problems.push("qos");
  const deviceClass = payload["device_class"];
  if (deviceClass !== undefined && !CLASSES[component]?.includes(String(deviceClass))) problems.push(`${component}: unknown device_class ${String(deviceClass)}`);
  const unit = payload["unit_of_measurement"];
  if (typeof deviceClass === "string" && UNITS[deviceClass] && unit !== undefined && !UNITS[deviceClass].includes(String(unit))) problems.push(`${deviceClass} in ${String(unit)}`);
  if (payload["icon"] !== undefined && !/^mdi:[a-z0-9-]+$/.test(String(payload["icon"]))) problems.push("icon");
  const expire = payload["expire_after"];
  if (expire !== undefined && !(Number.isInteger(expire) && (expire as number) > 0)) problems.push("expire_after");
  if (payload["state_class"] !== undefined && !["measurement", "total", "total_increasing"].includes(String(payload["state_class"]))) problems.push("state_class");
  if (payload["suggested_display_precision"] !== undefined && !Number.isInteger(payload["suggested_display_precision"])) problems.push("suggested_display_precision");
  if (component === "number") {
    if (typeof payload["step"] !== "number" || payload["step"] < 0.001) problems.push("number: step below 0.001");
    if (!["auto", "box", "slider"].includes(String(payload["mode"]))) problems.push("number: mode");
    if (!((payload["min"] as number) < (payload["max"] as number))) problems.push("number: min/max");
  }
  return problems;
}

const options: EntityOptions = {
  discoveryPrefix: "homeassistant", topicPrefix: "xmpp-iot/pi", statusTopic: "xmpp-iot/pi/status", agentName: "pi", readOnly: false, qos: 1,
  version: "0.1.0", configurationUrl: "http://pi.local:8080/",
};
const device = { id: "garden", name: "Garden", driver: "iio" };

// [channel, type, writable, channel config, unit, expected component, expected device_class]
const CASES: ReadonlyArray<readonly [string, ValueType, boolean, Record<string, unknown>, string | undefined, string, string | undefined]> = [
  ["temp", "number", false, { unit: "Cel", precision: 1, maxIntervalMs: 60_000 }, "Cel", "sensor", "temperature"],
  ["humidityrelative", "number", false, { unit: "%RH" }, "%RH", "sensor", "humidity"],
  ["pressure", "number", false, { unit: "Pa" }, "Pa", "sensor", "pressure"],
  ["illuminance", "number", false, { unit: "lx" }, "lx", "sensor", "illuminance"],
  ["voltage0", "number", false, { unit: "V", precision: 3 }, "V", "sensor", "voltage"],
  ["pm2_5", "number", false, { unit: "ug/m3" }, "ug/m3", "sensor", "pm25"],
  ["pm10", "number", false, {}, "ug/m3", "sensor", "pm10"],
  ["co2", "number", false, { unit: "ppm" }, "ppm", "sensor", "carbon_dioxide"],
  ["tvoc", "number", false, { unit: "ppb" }, "ppb", "sensor", "volatile_organic_compounds_parts"],
  ["soil", "number", false, { unit: "%", name: "Soil moisture", icon: "mdi:sprout" }, "%", "sensor", "moisture"],
  ["energy", "number", false, { unit: "kWh" }, "kWh", "sensor", "energy"],
  ["level", "number", false, { unit: "%", deviceClass: "battery" }, "%", "sensor", "battery"],
  ["count", "number", false, {}, undefined, "sensor", undefined],
  ["front_door", "boolean", false, { type: "boolean", maxIntervalMs: 300_000 }, undefined, "binary_sensor", "door"],
  ["garageDoor", "boolean", false, {}, undefined, "binary_sensor", "garage_door"],
  ["pir", "boolean", false, {}, undefined, "binary_sensor", "motion"],
  ["leak", "boolean", false, {}, undefined, "binary_sensor", "moisture"],
  ["battery_low", "boolean", false, {}, undefined, "binary_sensor", "battery"],
  ["button", "boolean", false, { deviceClass: "opening" }, undefined, "binary_sensor", "opening"],
  ["input1", "boolean", false, {}, undefined, "binary_sensor", undefined],
  ["relay", "boolean", true, { type: "boolean", writable: true }, undefined, "switch", undefined],
  ["plug", "boolean", true, { writable: true }, undefined, "switch", "outlet"],
  ["setpoint", "number", true, { unit: "Cel", validMin: 5, validMax: 30, precision: 6 }, "Cel", "number", "temperature"],
  ["fw", "string", false, {}, undefined, "sensor", undefined],
  ["message", "string", true, { icon: "mdi:message" }, undefined, "text", undefined],
];

describe("discovery payloads against Home Assistant's documented MQTT discovery schema", () => {
  it.each(CASES)("%s (%s, writable %s)", (channel, type, writable, raw, unit, component, deviceClass) => {
    const config = channelSchema.parse(raw);
    const entity = entityConfig(options, device, channel, type, writable, config, unit);
    const payload = JSON.parse(entity.payload) as Record<string, unknown>;
    expect(entity.topic).toBe(`homeassistant/${component}/xmpp-iot_pi/garden_${channel}/config`);
    expect(componentOf(type, writable)).toBe(component);
    expect(check(payload, component)).toEqual([]);
    expect(payload["device_class"]).toBe(deviceClass);
    expect(payload["name"]).toBe(config.name ?? channel);
    if (config.icon) expect(payload["icon"]).toBe(config.icon);
    expect(payload["device"]).toMatchObject({ sw_version: "0.1.0", configuration_url: "http://pi.local:8080/" });
  });

  it("expire_after is twice the channel's heartbeat, only where HA has it; a device's own URL wins", () => {
    const sensor = JSON.parse(entityConfig(options, device, "temp", "number", false, { unit: "Cel", maxIntervalMs: 60_000 }, "Cel").payload) as Record<string, unknown>;
    expect(sensor["expire_after"]).toBe(120);
    expect(sensor["suggested_display_precision"]).toBeUndefined();
    const door = JSON.parse(entityConfig(options, device, "door", "boolean", false, { maxIntervalMs: 1500 }, undefined).payload) as Record<string, unknown>;
    expect(door["expire_after"]).toBe(3);
    const relay = JSON.parse(entityConfig(options, { ...device, configurationUrl: "http://192.168.1.20/" }, "relay", "boolean", true, { maxIntervalMs: 60_000 }, undefined).payload) as Record<string, unknown>;
    expect(relay).not.toHaveProperty("expire_after");
    expect(relay["device"]).toMatchObject({ configuration_url: "http://192.168.1.20/" });
    const { configurationUrl: _url, ...withoutUrl } = options;
    const none = JSON.parse(entityConfig(withoutUrl, device, "temp", "number", false, undefined, "Cel").payload) as { device: object };
    expect(none.device).not.toHaveProperty("configuration_url");
  });

  it("the checker itself rejects what HA does not document", () => {
    const bad = { ...JSON.parse(entityConfig(options, device, "temp", "number", false, undefined, "Cel").payload) as object, device_class: "door", colour: "red", expire_after: 1.5 };
    expect(check(bad, "sensor")).toEqual(["sensor: undocumented key colour", "sensor: unknown device_class door", "expire_after"]);
  });

  it("config refuses a device class that does not fit the channel, naming examples", () => {
    expect(deviceClassProblem("door", { unit: "Cel" })).toMatch(/"door" is not a Home Assistant device class for a sensor; e\.g\. temperature/);
    expect(deviceClassProblem("temperature", { type: "boolean" })).toMatch(/for a boolean channel/);
    expect(deviceClassProblem("outlet", { type: "boolean", writable: true })).toBeUndefined();
    expect(deviceClassProblem("pm25", {})).toBeUndefined();
  });
});

describe("Home Assistant keys in the config", () => {
  it("names the field of a device class that does not fit, and of a bad icon or URL", async () => {
    const { configSchema } = await import("../config/schema.js");
    const result = configSchema.safeParse({
      xmpp: { jid: "a@localhost", password: "x", tls: "off" },
      devices: [{ id: "g", driver: "simulated", configurationUrl: "ftp://x", channels: { t: { unit: "Cel", deviceClass: "door", icon: "thermometer" }, ok: { unit: "ppm", deviceClass: "carbon_dioxide", name: "CO₂" } } }],
    });
    const issues = result.success ? [] : result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    expect(issues.sort()).toEqual([
      "devices.0.channels.t.deviceClass: \"door\" is not a Home Assistant device class for a sensor; e.g. temperature, humidity, pressure, pm25, carbon_dioxide, voltage",
      "devices.0.channels.t.icon: an icon like mdi:thermometer",
      "devices.0.configurationUrl: an URL like http://192.168.1.20/ or homeassistant://config/...",
    ]);
    const classOnly = configSchema.safeParse({
      xmpp: { jid: "a@localhost", password: "x", tls: "off" },
      devices: [{ id: "g", driver: "simulated", channels: { t: { unit: "Cel", deviceClass: "door" } } }],
    });
    expect(classOnly.success ? [] : classOnly.error.issues.map((i) => i.path.join("."))).toEqual(["devices.0.channels.t.deviceClass"]);
  });
});
