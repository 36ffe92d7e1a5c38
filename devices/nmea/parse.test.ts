import { describe, expect, it } from "vitest";
import { parseCoordinate, parseNmea, withChecksum } from "./parse.js";

describe("NMEA 0183", () => {
  it("GGA: position, altitude, fix quality and satellites (the classic example sentence)", () => {
    expect(parseNmea("$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47")).toEqual({
      kind: "data",
      sentence: "GGA",
      values: [["lat", 48.1173], ["lon", 11.5166667], ["alt", 545.4], ["fix", 1], ["satellites", 8]],
    });
  });

  it("RMC: position and speed over ground in m/s; void status publishes nothing", () => {
    expect(parseNmea("$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A")).toEqual({
      kind: "data",
      sentence: "RMC",
      values: [["lat", 48.1173], ["lon", 11.5166667], ["speed", 11.524]],
    });
    expect(parseNmea(withChecksum("GNRMC,000000,V,,,,,,,010100,,,N"))).toEqual({ kind: "data", sentence: "RMC", values: [] });
  });

  it("no fix: only fix quality and satellites; south/west are negative", () => {
    expect(parseNmea(withChecksum("GNGGA,000000,,,,,0,00,99.99,,,,,,"))).toMatchObject({ values: [["fix", 0], ["satellites", 0]] });
    expect(parseCoordinate("3351.5000", "S", 2)).toBe(-33.8583333);
    expect(parseCoordinate("15112.6000", "W", 3)).toBe(-151.21);
    expect(parseCoordinate("4807.038", "X", 2)).toBeUndefined();
  });

  it("refuses bad checksums and malformed sentences; ignores other sentence types", () => {
    expect(parseNmea("$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*48")).toEqual({ kind: "bad", reason: "badChecksum" });
    expect(parseNmea("$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,")).toEqual({ kind: "bad", reason: "malformed" });
    expect(parseNmea(withChecksum("GPGGA,123519,48x7.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,"))).toEqual({ kind: "bad", reason: "malformed" });
    expect(parseNmea("\u0000\u00ff garbage")).toEqual({ kind: "bad", reason: "malformed" });
    expect(parseNmea(withChecksum("GPGSV,3,1,11,03,03,111,00,04,15,270,00,06,01,010,00,13,06,292,00"))).toEqual({ kind: "ignored", sentence: "GSV" });
  });
});
