import type { Reading, ReadingValue } from "../readings/reading.js";
import { formatDuration } from "../status/status.js";

/** SenML unit names (RFC 8428 section 12.1) as a person writes them on a phone screen. */
const UNIT_SYMBOLS: Readonly<Record<string, string>> = {
  Cel: "°C", K: "K", "%RH": "%RH", "%": "%", "/": "", Pa: "Pa", hPa: "hPa", lx: "lx", V: "V", A: "A", W: "W",
  Wh: "Wh", m: "m", s: "s", Hz: "Hz", dB: "dB", "m/s": "m/s", "ug/m3": "µg/m³", ppm: "ppm", lat: "°", lon: "°",
};

export function formatValue(value: ReadingValue, unit?: string): string {
  let text: string;
  if (typeof value === "boolean") text = value ? "on" : "off";
  else if (typeof value === "number") text = Number.isInteger(value) ? String(value) : String(Number(value.toFixed(2)));
  else text = value;
  if (unit === undefined) return text;
  const symbol = UNIT_SYMBOLS[unit] ?? unit;
  return symbol === "" ? text : symbol.startsWith("°") || symbol === "%" ? `${text}${symbol}` : `${text} ${symbol}`;
}

/** `21.5°C (3s ago)`, flagged when the reading carries a quality warning. */
export function formatReading(reading: Reading, nowMs: number): string {
  const age = Math.max(0, Math.round(nowMs / 1000 - reading.time));
  const flags = reading.quality?.filter((q) => q !== "automaticReadout") ?? [];
  return `${formatValue(reading.value, reading.unit)} (${formatDuration(age)} ago)${flags.length > 0 ? ` [${flags.join(", ")}]` : ""}`;
}
