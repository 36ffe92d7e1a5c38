import { describe, expect, it } from "vitest";
import type { Reading } from "../readings/reading.js";
import { encodeReadingPayload } from "./json.js";

const JID = "agent@localhost";

describe("encodeReadingPayload (SenML JSON, RFC 8428 section 4)", () => {
  it("writes one record with base name, unit, value, time, id and quality", () => {
    const reading: Reading = { device: "greenhouse", channel: "temperature", value: 21.5, unit: "Cel", time: 1764000000.123, id: "r-1", quality: ["outOfRange"] };
    expect(JSON.parse(encodeReadingPayload(JID, reading))).toEqual([{ bn: "agent@localhost/greenhouse/", n: "temperature", u: "Cel", v: 21.5, t: 1764000000.123, id: "r-1", q: ["outOfRange"] }]);
  });

  it("escapes names and string values and uses vb / vs for booleans and strings", () => {
    const text: Reading = { device: 'd"1', channel: "te\\mp", value: 'said "hi"\n', time: 2, id: "x" };
    const flag: Reading = { device: "d", channel: "relay", value: false, time: 3, id: "y", quality: [] };
    expect(JSON.parse(encodeReadingPayload(JID, text))).toEqual([{ bn: 'agent@localhost/d"1/', n: "te\\mp", vs: 'said "hi"\n', t: 2, id: "x" }]);
    expect(JSON.parse(encodeReadingPayload(JID, flag))).toEqual([{ bn: "agent@localhost/d/", n: "relay", vb: false, t: 3, id: "y" }]);
  });

  it("is byte for byte what JSON.stringify of the record gives (same key order)", () => {
    const reading: Reading = { device: "d", channel: "c", value: -0.000001, unit: "%RH", time: 0.5, id: "z" };
    expect(encodeReadingPayload(JID, reading)).toBe(JSON.stringify([{ n: "c", t: 0.5, bn: "agent@localhost/d/", u: "%RH", v: -0.000001, id: "z" }]));
  });
});
