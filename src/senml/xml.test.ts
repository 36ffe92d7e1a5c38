import parse from "ltx/lib/parse.js";
import { describe, expect, it } from "vitest";
import { decodeSenmlXml } from "./decode.js";
import { addressOf } from "./name.js";
import { encodeSenmlXml } from "./xml.js";
import type { Reading } from "../readings/reading.js";

const readings: Reading[] = [
  { device: "greenhouse", channel: "temperature", value: 21.5, unit: "Cel", time: 1764000000.123, id: "a" },
  { device: "greenhouse", channel: "lamp", value: true, time: 1764000000.5, id: "b" },
  { device: "gps", channel: "fix", value: "3D", time: 1764000001, id: "c", quality: ["outOfRange"] },
];

const JID = "agent@localhost";
const one = (r: Reading) => decodeSenmlXml(encodeSenmlXml(JID, [r]));
const series = (values: Array<Reading["value"]>, times: number[], extra: Partial<Reading> = {}): Reading[] =>
  values.map((value, i) => ({ device: "meter", channel: "power", value, unit: "W", time: times[i]!, id: `m${i}`, ...extra }));

describe("SenML XML (RFC 8428 section 7)", () => {
  it("encodes the DESIGN.md example exactly", () => {
    expect(encodeSenmlXml(JID, [readings[0]!]).toString()).toBe(
      '<sensml xmlns="urn:ietf:params:xml:ns:senml"><senml bn="agent@localhost/greenhouse/" n="temperature" u="Cel" v="21.5" t="1764000000.123"/></sensml>',
    );
  });

  it("round-trips readings of several channels as full records, resolving names per section 4.6", () => {
    expect(decodeSenmlXml(encodeSenmlXml(JID, readings))).toEqual([
      { name: "agent@localhost/greenhouse/temperature", unit: "Cel", value: 21.5, time: 1764000000.123 },
      { name: "agent@localhost/greenhouse/lamp", value: true, time: 1764000000.5 },
      { name: "agent@localhost/gps/fix", value: "3D", time: 1764000001, quality: ["outOfRange"] },
    ]);
  });

  it("packs readings of one channel with bn, bt, bu on the first record and relative times after", () => {
    const pack = series([230.5, 231, 229.75], [1764000000.123, 1764000000.623, 1764000001.123]);
    expect(encodeSenmlXml(JID, pack).toString()).toBe(
      '<sensml xmlns="urn:ietf:params:xml:ns:senml">'
      + '<senml bn="agent@localhost/meter/power" bt="1764000000.123" bu="W" v="230.5"/>'
      + '<senml v="231" t="0.5"/><senml v="229.75" t="1"/></sensml>',
    );
  });

  it("resolves a pack to the same name, unit and absolute time as single-record items", () => {
    // Times whose differences are not exact in binary: bt + t must still land on the same number.
    const times = [1764000000.123, 1764000000.124, 1764000000.2, 1764000000.999, 1764000003.001, 1764000000.1];
    const pack = series([1, 2, 3, 4, 5, 6], times);
    const decoded = decodeSenmlXml(encodeSenmlXml(JID, pack));
    expect(decoded).toEqual(pack.map((r) => one(r)[0]));
    expect(decoded.map((r) => r.time)).toEqual(times);
    expect(decoded.every((r) => r.name === "agent@localhost/meter/power" && r.unit === "W")).toBe(true);
  });

  it("keeps millisecond precision of relative times, including negative ones", () => {
    const times = [1764000000.999, 1764000000.001, 1764000010.01, 1764000000.999];
    const xmlText = encodeSenmlXml(JID, series([1, 2, 3, 4], times)).toString();
    expect(xmlText).toContain('t="-0.998"');
    expect(xmlText).toContain('t="9.011"');
    expect(decodeSenmlXml(encodeSenmlXml(JID, series([1, 2, 3, 4], times))).map((r) => r.time)).toEqual(times);
  });

  it("sets u per record when a pack mixes units, or mixes a unit with none", () => {
    const mixed: Reading[] = [
      { device: "d", channel: "c", value: 1, unit: "W", time: 1764000000, id: "1" },
      { device: "d", channel: "c", value: 2, unit: "kW", time: 1764000001, id: "2" },
      { device: "d", channel: "c", value: 3, time: 1764000002, id: "3" },
    ];
    const text = encodeSenmlXml(JID, mixed).toString();
    expect(text).not.toContain("bu=");
    const decoded = decodeSenmlXml(encodeSenmlXml(JID, mixed));
    expect(decoded).toEqual(mixed.map((r) => one(r)[0]));
    expect(decoded.map((r) => r.unit)).toEqual(["W", "kW", undefined]);
  });

  it("packs booleans, strings and quality flags", () => {
    const flags: Reading[] = [
      { device: "gps", channel: "fix", value: "3D", time: 1764000000, id: "1" },
      { device: "gps", channel: "fix", value: "<none> & \"2D\"", time: 1764000000.25, id: "2", quality: ["missing", "warning"] },
      { device: "gps", channel: "fix", value: "3D", time: 1764000000, id: "3" },
    ];
    const el = encodeSenmlXml(JID, flags);
    expect(el.toString()).toContain('xmlns:iot="urn:xmpp-iot:quality:0"');
    expect(el.getChildren("senml")[2]!.attrs["t"]).toBeUndefined();
    expect(decodeSenmlXml(el)).toEqual(flags.map((r) => one(r)[0]));
    expect(decodeSenmlXml(el)[1]).toMatchObject({ value: "<none> & \"2D\"", quality: ["missing", "warning"] });
    const lamp = [true, false, true].map((value, i): Reading => ({ device: "g", channel: "lamp", value, time: 1764000000 + i, id: `${i}` }));
    expect(decodeSenmlXml(encodeSenmlXml(JID, lamp))).toEqual(lamp.map((r) => one(r)[0]));
    expect(encodeSenmlXml(JID, lamp).toString()).not.toContain("bu=");
  });

  it("survives serialization: a pack parsed back from its XML text resolves the same", () => {
    const pack = series([1.5, -2, 1e-7], [1764000000.5, 1764000000.75, 1764000001]);
    const parsed = parse(encodeSenmlXml(JID, pack).toString());
    expect(decodeSenmlXml(parsed)).toEqual(pack.map((r) => one(r)[0]));
  });

  it("splits a resolved name into device and channel", () => {
    expect(addressOf("agent@localhost/greenhouse/temperature")).toMatchObject({ device: "greenhouse", channel: "temperature" });
  });
});

describe("SenML XML: characters XML 1.0 cannot carry", () => {
  it("writes U+FFFD for them in vs and n, so the item is always well-formed", () => {
    const encoded = encodeSenmlXml("agent@localhost", [{ device: "kv", channel: "s\u0002", value: "a\u0001b", time: 1, id: "x" }]).toString();
    expect(encoded).toContain('n="s\uFFFD"');
    expect(encoded).toContain('vs="a\uFFFDb"');
    expect(encoded).not.toMatch(/[\u0000-\u0008]/);
  });
});
