/**
 * NMEA 0183 sentences from a GPS: GGA (fix data) and RMC (recommended minimum). Any talker
 * (GP, GN, GL, GA, BD...) is accepted. The checksum is the XOR of every character between `$`
 * and `*`, as two hex digits; a sentence without one is refused too (GGA/RMC always carry it).
 */
export const NMEA_CHANNELS = ["lat", "lon", "alt", "speed", "fix", "satellites"] as const;
export type NmeaChannel = (typeof NMEA_CHANNELS)[number];

export type NmeaResult =
  | { readonly kind: "data"; readonly sentence: "GGA" | "RMC"; readonly values: ReadonlyArray<readonly [NmeaChannel, number]> }
  | { readonly kind: "ignored"; readonly sentence: string }
  | { readonly kind: "bad"; readonly reason: "badChecksum" | "malformed" };

const KNOTS_TO_MS = 1852 / 3600;

export function nmeaChecksum(body: string): number {
  let sum = 0;
  for (let i = 0; i < body.length; i++) sum ^= body.charCodeAt(i);
  return sum;
}

/** Build a sentence with its checksum (tests and simulators). */
export function withChecksum(body: string): string {
  return `$${body}*${nmeaChecksum(body).toString(16).toUpperCase().padStart(2, "0")}`;
}

/** `4807.038`,`N` -> 48.1173; degrees and decimal minutes, south and west negative. */
export function parseCoordinate(value: string, hemisphere: string, degreeDigits: 2 | 3): number | undefined {
  if (!/^\d+(\.\d+)?$/.test(value) || value.indexOf(".") !== -1 && value.indexOf(".") < degreeDigits + 2) return undefined;
  const degrees = Number(value.slice(0, degreeDigits));
  const minutes = Number(value.slice(degreeDigits));
  if (!Number.isFinite(degrees) || !Number.isFinite(minutes) || minutes >= 60) return undefined;
  const sign = hemisphere === "S" || hemisphere === "W" ? -1 : hemisphere === "N" || hemisphere === "E" ? 1 : 0;
  if (sign === 0) return undefined;
  // Seven decimals is ~1 cm: more only carries float noise into the readings.
  return sign * Math.round((degrees + minutes / 60) * 1e7) / 1e7;
}

function numberField(value: string | undefined): number | undefined {
  if (value === undefined || value === "" || !/^-?\d+(\.\d+)?$/.test(value)) return undefined;
  return Number(value);
}

export function parseNmea(line: string): NmeaResult {
  const match = /^\$([A-Z0-9]{2,6}),([\x20-\x7e]*)\*([0-9A-Fa-f]{2})$/.exec(line.trim());
  if (!match) return { kind: "bad", reason: "malformed" };
  const [, address = "", data = "", checksum = ""] = match;
  if (nmeaChecksum(`${address},${data}`) !== parseInt(checksum, 16)) return { kind: "bad", reason: "badChecksum" };
  const sentence = address.slice(-3);
  const f = data.split(",");
  const values: Array<[NmeaChannel, number]> = [];
  const position = (latAt: number): boolean => {
    const lat = parseCoordinate(f[latAt] ?? "", f[latAt + 1] ?? "", 2);
    const lon = parseCoordinate(f[latAt + 2] ?? "", f[latAt + 3] ?? "", 3);
    if (lat === undefined || lon === undefined) return false;
    values.push(["lat", lat], ["lon", lon]);
    return true;
  };
  if (sentence === "GGA") {
    // time, lat, N/S, lon, E/W, fix quality, satellites, HDOP, altitude, M, geoid separation, M, ...
    if (f.length < 14) return { kind: "bad", reason: "malformed" };
    const fix = numberField(f[5]);
    if (fix === undefined) return { kind: "bad", reason: "malformed" };
    // Without a fix (quality 0) the receiver leaves the position empty: publish only fix/satellites.
    if (fix > 0 && !position(1)) return { kind: "bad", reason: "malformed" };
    const alt = numberField(f[8]);
    if (fix > 0 && alt !== undefined && f[9] === "M") values.push(["alt", alt]);
    values.push(["fix", fix]);
    const satellites = numberField(f[6]);
    if (satellites !== undefined) values.push(["satellites", satellites]);
    return { kind: "data", sentence, values };
  }
  if (sentence === "RMC") {
    // time, status A/V, lat, N/S, lon, E/W, speed (knots), course, date, ...
    if (f.length < 11) return { kind: "bad", reason: "malformed" };
    if (f[1] !== "A") return { kind: "data", sentence, values };
    if (!position(2)) return { kind: "bad", reason: "malformed" };
    const knots = numberField(f[6]);
    if (knots !== undefined) values.push(["speed", Math.round(knots * KNOTS_TO_MS * 1000) / 1000]);
    return { kind: "data", sentence, values };
  }
  return { kind: "ignored", sentence };
}
