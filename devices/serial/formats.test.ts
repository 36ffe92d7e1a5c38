import { describe, expect, it } from "vitest";
import { createCsvParser, createRegexParser, parseJsonLine, parseKvLine, parseScalar, renderTemplate } from "./formats.js";
import { createSds011Scanner, decodeSds011, encodeSds011, type Sds011Frame } from "./sds011.js";

describe("text formats", () => {
  it("json: each key is a channel; nested values and bad keys are counted", () => {
    expect(parseJsonLine('{"temperature":21.5,"humidity":40,"ok":true,"mode":"eco"}')).toEqual({
      ok: true,
      values: [["temperature", 21.5], ["humidity", 40], ["ok", true], ["mode", "eco"]],
      badFields: 0,
    });
    expect(parseJsonLine('{"t":1,"nested":{"a":1},"bad key":2,"n":null}')).toEqual({ ok: true, values: [["t", 1]], badFields: 3 });
    expect(parseJsonLine("{not json").ok).toBe(false);
    expect(parseJsonLine("[1,2]").ok).toBe(false);
    expect(parseJsonLine("42").ok).toBe(false);
  });

  it("kv: t=21.5 h=40, also ':' and ',' separators", () => {
    expect(parseKvLine("t=21.5 h=40")).toEqual({ ok: true, values: [["t", 21.5], ["h", 40]], badFields: 0 });
    expect(parseKvLine("t:21.5, state=on;junk")).toEqual({ ok: true, values: [["t", 21.5], ["state", "on"]], badFields: 1 });
    expect(parseKvLine("no pairs here").ok).toBe(false);
  });

  it("csv: columns from config, '-' skipped, wrong column count is garbage", () => {
    const parse = createCsvParser(["temperature", "-", "humidity"], ",");
    expect(parse("21.5,x,40")).toEqual({ ok: true, values: [["temperature", 21.5], ["humidity", 40]], badFields: 0 });
    expect(parse("21.5,40").ok).toBe(false);
  });

  it("regex: named groups are channels", () => {
    const parse = createRegexParser("T=(?<temperature>-?[\\d.]+)C H=(?<humidity>[\\d.]+)%");
    expect(parse("T=-3.5C H=81%")).toEqual({ ok: true, values: [["temperature", -3.5], ["humidity", 81]], badFields: 0 });
    expect(parse("hello").ok).toBe(false);
  });

  it("scalars and write templates", () => {
    expect([parseScalar(" 1e3 "), parseScalar("-0.5"), parseScalar("true"), parseScalar("on"), parseScalar("1.2.3")]).toEqual([1000, -0.5, true, "on", "1.2.3"]);
    expect(renderTemplate("SET {channel} {value}\n", { device: "d", channel: "relay", value: true })).toBe("SET relay true\n");
    expect(renderTemplate("{device}:{channel}={int}\r\n", { device: "d", channel: "relay", value: false })).toBe("d:relay=0\r\n");
  });
});

describe("SDS011 frames", () => {
  // A frame as captured from a sensor: PM2.5 14.0, PM10 14.8 (0x8c = 140, 0x94 = 148).
  const captured = Buffer.from([0xaa, 0xc0, 0x8c, 0x00, 0x94, 0x00, 0xbc, 0xf9, 0xd5, 0xab]);

  it("decodes the datasheet layout and checks the checksum", () => {
    expect(decodeSds011(captured)).toEqual({ kind: "measurement", measurement: { pm2_5: 14, pm10: 14.8, deviceId: 0xbcf9 } });
    const corrupt = Buffer.from(captured);
    corrupt[2] = 0x8d;
    expect(decodeSds011(corrupt)).toEqual({ kind: "badChecksum" });
    expect(decodeSds011(encodeSds011(999.9, 123.4))).toMatchObject({ measurement: { pm2_5: 999.9, pm10: 123.4 } });
  });

  it("resynchronizes after noise, byte by byte, with a bounded buffer", () => {
    const frames: Sds011Frame[] = [];
    let garbage = 0;
    const scanner = createSds011Scanner({ onFrame: (f) => frames.push(f), onGarbage: (n) => { garbage += n; } });
    const stream = Buffer.concat([Buffer.from([0x01, 0xaa, 0x02, 0xab]), encodeSds011(12.3, 45.6), Buffer.from([0xaa, 0xc0]), encodeSds011(1, 2)]);
    for (const byte of stream) {
      scanner.push(Buffer.from([byte]));
      expect(scanner.buffered).toBeLessThan(10);
    }
    expect(frames.map((f) => (f.kind === "measurement" ? f.measurement.pm2_5 : f.kind))).toEqual([12.3, 1]);
    expect(garbage).toBe(6);
  });
});
