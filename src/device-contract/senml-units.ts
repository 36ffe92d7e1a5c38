/**
 * SenML units (IANA "SenML Units" registry: RFC 8428 section 12.1, RFC 8798, ISO 7027-1) and the
 * RFC 8798 "Secondary Units". Units marked NOT RECOMMENDED in the registry (g, l, %, ...) are still
 * accepted, as the registry asks consumers to.
 */
const PRIMARY = [
  "m", "kg", "g", "s", "A", "K", "cd", "mol", "Hz", "rad", "sr", "N", "Pa", "J", "W", "C", "V", "F",
  "Ohm", "S", "Wb", "T", "H", "Cel", "lm", "lx", "Bq", "Gy", "Sv", "kat", "m2", "m3", "l", "m/s",
  "m/s2", "m3/s", "l/s", "W/m2", "cd/m2", "bit", "bit/s", "lat", "lon", "pH", "dB", "dBW", "Bspl",
  "count", "/", "%", "%RH", "%EL", "EL", "1/s", "1/min", "beat/min", "beats", "S/m", "B", "VA",
  "VAs", "var", "vars", "J/m", "kg/m3", "deg", "NTU", "rgba", "rgbw",
] as const;

const SECONDARY = [
  "ms", "min", "h", "MHz", "kW", "kVA", "kvar", "Ah", "Wh", "kWh", "varh", "kvarh", "kVAh", "Wh/km",
  "KiB", "GB", "Mbit/s", "B/s", "MB/s", "mV", "mA", "dBm", "ug/m3", "mm/h", "m/h", "ppm", "/100",
  "/1000", "hPa", "mm", "cm", "km", "km/h", "ppb", "ppt", "m3/h", "l/h", "kg/h",
] as const;

export const SENML_UNITS: ReadonlySet<string> = new Set<string>([...PRIMARY, ...SECONDARY]);

export function isSenmlUnit(unit: string): boolean {
  return SENML_UNITS.has(unit);
}
