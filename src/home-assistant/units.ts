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

const M = "measurement" as const;

const TABLE: Readonly<Record<string, HaUnit>> = {
  Cel: { unit: "°C", deviceClass: "temperature", stateClass: M },
  K: { unit: "K", deviceClass: "temperature", stateClass: M },
  "%RH": { unit: "%", deviceClass: "humidity", stateClass: M },
  "%EL": { unit: "%", deviceClass: "battery", stateClass: M },
  "%": { unit: "%", stateClass: M },
  Pa: { unit: "Pa", deviceClass: "pressure", stateClass: M },
  hPa: { unit: "hPa", deviceClass: "pressure", stateClass: M },
  lx: { unit: "lx", deviceClass: "illuminance", stateClass: M },
  V: { unit: "V", deviceClass: "voltage", stateClass: M },
  mV: { unit: "mV", deviceClass: "voltage", stateClass: M },
  A: { unit: "A", deviceClass: "current", stateClass: M },
  mA: { unit: "mA", deviceClass: "current", stateClass: M },
  W: { unit: "W", deviceClass: "power", stateClass: M },
  kW: { unit: "kW", deviceClass: "power", stateClass: M },
  VA: { unit: "VA", deviceClass: "apparent_power", stateClass: M },
  var: { unit: "var", deviceClass: "reactive_power", stateClass: M },
  Wh: { unit: "Wh", deviceClass: "energy", stateClass: "total_increasing" },
  kWh: { unit: "kWh", deviceClass: "energy", stateClass: "total_increasing" },
  J: { unit: "J", deviceClass: "energy", stateClass: "total_increasing" },
  Hz: { unit: "Hz", deviceClass: "frequency", stateClass: M },
  MHz: { unit: "MHz", deviceClass: "frequency", stateClass: M },
  ppm: { unit: "ppm", stateClass: M },
  ppb: { unit: "ppb", stateClass: M },
  "ug/m3": { unit: "µg/m³", stateClass: M },
  m: { unit: "m", deviceClass: "distance", stateClass: M },
  cm: { unit: "cm", deviceClass: "distance", stateClass: M },
  mm: { unit: "mm", deviceClass: "distance", stateClass: M },
  km: { unit: "km", deviceClass: "distance", stateClass: M },
  "m/s": { unit: "m/s", deviceClass: "speed", stateClass: M },
  "km/h": { unit: "km/h", deviceClass: "speed", stateClass: M },
  dBm: { unit: "dBm", deviceClass: "signal_strength", stateClass: M },
  dB: { unit: "dB", deviceClass: "sound_pressure", stateClass: M },
  s: { unit: "s", deviceClass: "duration", stateClass: M },
  ms: { unit: "ms", deviceClass: "duration", stateClass: M },
  min: { unit: "min", deviceClass: "duration", stateClass: M },
  h: { unit: "h", deviceClass: "duration", stateClass: M },
  kg: { unit: "kg", deviceClass: "weight", stateClass: M },
  g: { unit: "g", deviceClass: "weight", stateClass: M },
  "W/m2": { unit: "W/m²", deviceClass: "irradiance", stateClass: M },
  "mm/h": { unit: "mm/h", deviceClass: "precipitation_intensity", stateClass: M },
  l: { unit: "L", deviceClass: "volume", stateClass: M },
  m3: { unit: "m³", deviceClass: "volume", stateClass: M },
  "m3/h": { unit: "m³/h", deviceClass: "volume_flow_rate", stateClass: M },
  "l/h": { unit: "L/h", stateClass: M },
  pH: { deviceClass: "ph", stateClass: M },
  lat: { unit: "°", stateClass: M },
  lon: { unit: "°", stateClass: M },
  deg: { unit: "°", stateClass: M },
  "/": { stateClass: M },
  count: { stateClass: M },
};

export function haUnit(senmlUnit: string | undefined): HaUnit {
  if (senmlUnit === undefined) return { stateClass: M };
  return TABLE[senmlUnit] ?? { unit: senmlUnit, stateClass: M };
}
