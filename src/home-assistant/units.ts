/**
 * SenML units (RFC 8428 section 12.1, RFC 8798) mapped to what Home Assistant's sensor platform
 * expects: its unit string and the device_class that unit implies. Units without an entry are
 * passed through as the unit and get no device_class, which HA accepts.
 */
export interface HaUnit {
  readonly unit?: string;
  readonly deviceClass?: string;
  /** `total_increasing` for meters (energy), `measurement` otherwise. */
  readonly stateClass: "measurement" | "total_increasing";
}

/** One device class's SenML units with the unit string HA shows for each (undefined: none shown). */
function units(deviceClass: string | undefined, shown: Readonly<Record<string, string | undefined>>, stateClass: HaUnit["stateClass"] = "measurement"): Record<string, HaUnit> {
  return Object.fromEntries(Object.entries(shown).map(([senml, unit]) => [senml, {
    ...(unit !== undefined ? { unit } : {}), ...(deviceClass !== undefined ? { deviceClass } : {}), stateClass,
  }]));
}

const TABLE: Readonly<Record<string, HaUnit>> = {
  ...units("temperature", { Cel: "°C", K: "K" }),
  ...units("humidity", { "%RH": "%" }),
  ...units("battery", { "%EL": "%" }),
  ...units(undefined, { "%": "%", ppm: "ppm", ppb: "ppb", "ug/m3": "µg/m³", "l/h": "L/h", lat: "°", lon: "°", deg: "°", "/": undefined, count: undefined }),
  ...units("pressure", { Pa: "Pa", hPa: "hPa" }),
  ...units("illuminance", { lx: "lx" }),
  ...units("voltage", { V: "V", mV: "mV" }),
  ...units("current", { A: "A", mA: "mA" }),
  ...units("power", { W: "W", kW: "kW" }),
  ...units("apparent_power", { VA: "VA" }),
  ...units("reactive_power", { var: "var" }),
  ...units("energy", { Wh: "Wh", kWh: "kWh", J: "J" }, "total_increasing"),
  ...units("frequency", { Hz: "Hz", MHz: "MHz" }),
  ...units("distance", { m: "m", cm: "cm", mm: "mm", km: "km" }),
  ...units("speed", { "m/s": "m/s", "km/h": "km/h" }),
  ...units("signal_strength", { dBm: "dBm" }),
  ...units("sound_pressure", { dB: "dB" }),
  ...units("duration", { s: "s", ms: "ms", min: "min", h: "h" }),
  ...units("weight", { kg: "kg", g: "g" }),
  ...units("irradiance", { "W/m2": "W/m²" }),
  ...units("precipitation_intensity", { "mm/h": "mm/h" }),
  ...units("volume", { l: "L", m3: "m³" }),
  ...units("volume_flow_rate", { "m3/h": "m³/h" }),
  ...units("ph", { pH: undefined }),
};

export function haUnit(senmlUnit: string | undefined): HaUnit {
  if (senmlUnit === undefined) return { stateClass: "measurement" };
  return TABLE[senmlUnit] ?? { unit: senmlUnit, stateClass: "measurement" };
}
