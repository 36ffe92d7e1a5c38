/**
 * Home Assistant device classes as its documentation lists them (integrations/sensor,
 * integrations/binary_sensor, integrations/switch "Device class"), and the defaults this agent
 * derives from a channel's name and unit when the config names none.
 */
export const SENSOR_DEVICE_CLASSES: ReadonlySet<string> = new Set([
  "apparent_power", "aqi", "area", "atmospheric_pressure", "battery", "blood_glucose_concentration", "carbon_dioxide",
  "carbon_monoxide", "current", "data_rate", "data_size", "date", "distance", "duration", "energy", "energy_storage", "enum",
  "frequency", "gas", "humidity", "illuminance", "irradiance", "moisture", "monetary", "nitrogen_dioxide", "nitrogen_monoxide",
  "nitrous_oxide", "ozone", "ph", "pm1", "pm25", "pm10", "power_factor", "power", "precipitation", "precipitation_intensity",
  "pressure", "reactive_power", "signal_strength", "sound_pressure", "speed", "sulphur_dioxide", "temperature", "timestamp",
  "volatile_organic_compounds", "volatile_organic_compounds_parts", "voltage", "volume", "volume_flow_rate", "volume_storage",
  "water", "weight", "wind_speed",
]);

export const BINARY_SENSOR_DEVICE_CLASSES: ReadonlySet<string> = new Set([
  "battery", "battery_charging", "carbon_monoxide", "cold", "connectivity", "door", "garage_door", "gas", "heat", "light",
  "lock", "moisture", "motion", "moving", "occupancy", "opening", "plug", "power", "presence", "problem", "running", "safety",
  "smoke", "sound", "tamper", "update", "vibration", "window",
]);

export const SWITCH_DEVICE_CLASSES: ReadonlySet<string> = new Set(["outlet", "switch"]);

/** A number entity takes the sensor classes that describe a quantity (not dates, enums, money). */
export const NUMBER_DEVICE_CLASSES: ReadonlySet<string> = new Set(
  [...SENSOR_DEVICE_CLASSES].filter((c) => !["date", "enum", "timestamp", "monetary", "energy", "gas", "water"].includes(c)),
);

export type HaComponent = "sensor" | "binary_sensor" | "switch" | "number" | "text";

export function classesFor(component: HaComponent): ReadonlySet<string> {
  switch (component) {
    case "sensor": return SENSOR_DEVICE_CLASSES;
    case "binary_sensor": return BINARY_SENSOR_DEVICE_CLASSES;
    case "switch": return SWITCH_DEVICE_CLASSES;
    case "number": return NUMBER_DEVICE_CLASSES;
    case "text": return new Set();
  }
}

/** `frontDoor`, `front-door`, `FRONT_DOOR` -> front, door. */
function words(name: string): string[] {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
}

/** Sensor classes a channel name implies when the unit alone does not (particles, gases). */
const SENSOR_BY_NAME: ReadonlyArray<readonly [RegExp, string, ReadonlySet<string | undefined>]> = [
  [/^pm_?2_?5$|^pm25$/, "pm25", new Set(["ug/m3", undefined])],
  [/^pm_?10$/, "pm10", new Set(["ug/m3", undefined])],
  [/^pm_?1(_?0)?$/, "pm1", new Set(["ug/m3", undefined])],
  [/(^|_)(co2|eco2|carbon_dioxide)($|_)/, "carbon_dioxide", new Set(["ppm", undefined])],
  [/(^|_)(co|carbon_monoxide)($|_)/, "carbon_monoxide", new Set(["ppm", undefined])],
  [/(^|_)t?voc($|_)/, "volatile_organic_compounds_parts", new Set(["ppm", "ppb"])],
  [/(^|_)t?voc($|_)/, "volatile_organic_compounds", new Set(["ug/m3"])],
  [/(^|_)no2($|_)/, "nitrogen_dioxide", new Set(["ug/m3"])],
  [/(^|_)(o3|ozone)($|_)/, "ozone", new Set(["ug/m3"])],
  [/(^|_)so2($|_)/, "sulphur_dioxide", new Set(["ug/m3"])],
  [/(^|_)aqi($|_)/, "aqi", new Set([undefined, "/"])],
  [/(^|_)(soil|moisture)($|_)/, "moisture", new Set(["%"])],
  [/(^|_)battery($|_)/, "battery", new Set(["%", "%EL"])],
];

export function sensorClassByName(channel: string, unit: string | undefined): string | undefined {
  const name = words(channel).join("_");
  for (const [pattern, deviceClass, units] of SENSOR_BY_NAME) if (pattern.test(name) && units.has(unit)) return deviceClass;
  return undefined;
}

/** The binary_sensor class a boolean input's name says ("front_door" -> door, "pir" -> motion). */
const BINARY_BY_WORD: Readonly<Record<string, string>> = {
  door: "door", window: "window", garage: "garage_door", motion: "motion", pir: "motion", occupancy: "occupancy",
  occupied: "occupancy", presence: "presence", smoke: "smoke", gas: "gas", co: "carbon_monoxide", leak: "moisture",
  flood: "moisture", water: "moisture", moisture: "moisture", wet: "moisture", rain: "moisture", vibration: "vibration",
  tamper: "tamper", lock: "lock", locked: "lock", charging: "battery_charging", contact: "opening", reed: "opening",
  opening: "opening", open: "opening", problem: "problem", fault: "problem", alarm: "problem", error: "problem",
  running: "running", connected: "connectivity", connectivity: "connectivity", online: "connectivity", sound: "sound",
  heat: "heat", cold: "cold", frost: "cold", plug: "plug", power: "power", light: "light", moving: "moving", safety: "safety",
};

export function binarySensorClassByName(channel: string): string | undefined {
  const list = words(channel);
  if (list.includes("battery") && (list.includes("low") || list.includes("empty"))) return "battery";
  if (list.includes("garage") && list.includes("door")) return "garage_door";
  for (const word of list) {
    const found = BINARY_BY_WORD[word];
    if (found) return found;
  }
  return undefined;
}

export function switchClassByName(channel: string): string | undefined {
  return words(channel).some((w) => w === "outlet" || w === "socket" || w === "plug") ? "outlet" : undefined;
}

/** Config check: the class must exist for what the channel will be in Home Assistant. */
export function deviceClassProblem(deviceClass: string, channel: { type?: string | undefined; unit?: string | undefined; writable?: boolean | undefined }): string | undefined {
  const boolean = channel.type === "boolean";
  const allowed = boolean
    ? new Set([...BINARY_SENSOR_DEVICE_CLASSES, ...(channel.writable ? SWITCH_DEVICE_CLASSES : [])])
    : new Set([...SENSOR_DEVICE_CLASSES, ...(channel.writable ? NUMBER_DEVICE_CLASSES : [])]);
  if (allowed.has(deviceClass)) return undefined;
  const kind = boolean ? "a boolean channel (binary_sensor or switch)" : "a sensor";
  const examples = boolean ? "door, window, motion, moisture, smoke, outlet" : "temperature, humidity, pressure, pm25, carbon_dioxide, voltage";
  return `"${deviceClass}" is not a Home Assistant device class for ${kind}; e.g. ${examples}`;
}
