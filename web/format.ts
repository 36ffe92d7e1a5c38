/** SenML unit names (RFC 8428 section 12.1) as a person reads them. */
const UNIT_SYMBOLS: Readonly<Record<string, string>> = {
  Cel: "°C", "%RH": "%RH", "/": "", "ug/m3": "µg/m³", lat: "°", lon: "°",
};

export const unitText = (unit: string | undefined): string => (unit === undefined ? "" : UNIT_SYMBOLS[unit] ?? unit);

export function valueText(value: number | boolean | string): string {
  if (typeof value === "boolean") return value ? "on" : "off";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(2)));
  return value;
}

export function ageText(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

/** XEP-0323 flags worth showing; automaticReadout is the normal case. */
export const shownFlags = (quality: readonly string[]): string[] => quality.filter((q) => q !== "automaticReadout");
