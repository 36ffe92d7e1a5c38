import { describe, expect, it } from "vitest";
import { decodeSenmlXml, encodeSenmlXml } from "./xml.js";
import type { Reading } from "../reading.js";

const readings: Reading[] = [
  { device: "greenhouse", channel: "temperature", value: 21.5, unit: "Cel", time: 1764000000.123, id: "a" },
  { device: "greenhouse", channel: "lamp", value: true, time: 1764000000.5, id: "b" },
  { device: "gps", channel: "fix", value: "3D", time: 1764000001, id: "c", quality: ["outOfRange"] },
];

describe("SenML XML (RFC 8428 section 7)", () => {
  it("encodes the DESIGN.md example exactly", () => {
    expect(encodeSenmlXml("agent@localhost", [readings[0]!]).toString()).toBe(
      '<sensml xmlns="urn:ietf:params:xml:ns:senml"><senml bn="agent@localhost/greenhouse/" n="temperature" u="Cel" v="21.5" t="1764000000.123"/></sensml>',
    );
  });
  it("round-trips a batch with vb, vs, base names and quality", () => {
    const decoded = decodeSenmlXml(encodeSenmlXml("agent@localhost", readings));
    expect(decoded).toEqual([
      { baseName: "agent@localhost/greenhouse/", name: "temperature", unit: "Cel", value: 21.5, time: 1764000000.123 },
      { baseName: "agent@localhost/greenhouse/", name: "lamp", value: true, time: 1764000000.5 },
      { baseName: "agent@localhost/gps/", name: "fix", value: "3D", time: 1764000001, quality: ["outOfRange"] },
    ]);
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
