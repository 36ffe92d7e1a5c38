import xml from "ltx/lib/createElement.js";
import { describe, expect, it } from "vitest";
import { decodeSenmlXml, NS_SENML, resolveSenml } from "./decode.js";
import { addressOf } from "./name.js";
import { encodeSenmlXml } from "./xml.js";

describe("resolveSenml (RFC 8428 section 4.6)", () => {
  it("reads the agent's own single-record item", () => {
    const element = encodeSenmlXml("agent@localhost", [{ id: "r1", device: "greenhouse", channel: "temperature", value: 21.5, unit: "Cel", time: 1764000000.123, quality: ["outOfRange"] }]);
    const [record] = resolveSenml(element, 1764000001);
    expect(record).toEqual({ name: "agent@localhost/greenhouse/temperature", value: 21.5, unit: "Cel", time: 1764000000.123, quality: ["outOfRange"] });
    expect(addressOf(record!.name)).toEqual({ agent: "agent@localhost", device: "greenhouse", channel: "temperature" });
  });

  it("carries bn, bt and bu of a pack to later records; own u wins; t is relative to bt", () => {
    const pack = xml("sensml", { xmlns: NS_SENML },
      xml("senml", { bn: "agent@localhost/greenhouse/temperature", bt: "1764000000", bu: "Cel", v: "20", t: "0" }),
      xml("senml", { v: "20.5", t: "1.5" }),
      xml("senml", { v: "68", u: "degF", t: "3" }),
      xml("senml", { t: "4" }),
      xml("senml", { vb: "true", t: "5" }));
    const records = resolveSenml(pack, 0);
    expect(records.map((r) => [r.name, r.value, r.unit, r.time])).toEqual([
      ["agent@localhost/greenhouse/temperature", 20, "Cel", 1764000000],
      ["agent@localhost/greenhouse/temperature", 20.5, "Cel", 1764000001.5],
      ["agent@localhost/greenhouse/temperature", 68, "degF", 1764000003],
      ["agent@localhost/greenhouse/temperature", true, "Cel", 1764000005],
    ]);
  });

  it("adds bv to v, takes times below 2**28 as relative to now, and a later bn replaces the base", () => {
    const pack = xml("sensml", { xmlns: NS_SENML },
      xml("senml", { bn: "a@x/d/", bv: "100", n: "p", v: "1.5", t: "-10" }),
      xml("senml", { bn: "a@x/e/", n: "q", vs: "open" }));
    expect(resolveSenml(pack, 1764000000)).toEqual([
      { name: "a@x/d/p", value: 101.5, time: 1763999990, quality: [] },
      { name: "a@x/e/q", value: "open", time: 1764000000, quality: [] },
    ]);
  });

  it("takes the channel from the node name when the record has no n", () => {
    expect(addressOf("a@x/d/", "sensors/d/lamp")).toEqual({ agent: "a@x", device: "d", channel: "lamp" });
    expect(addressOf("nonsense")).toBeUndefined();
  });
});

describe("decodeSenmlXml: packs of other producers", () => {
  it("resolves packs from other producers per section 4.6: bn + n, bt + t, bu default, bv, later base fields", () => {
    const el = xml("sensml", { xmlns: NS_SENML },
      xml("senml", { bn: "urn:dev:ow:10e2073a01080063/", bt: "1320067464", bu: "%RH", bver: "10", n: "humidity", v: "20" }),
      xml("senml", { n: "temperature", u: "Cel", v: "23.1", t: "-1" }),
      xml("senml", { n: "humidity", v: "21", t: "0.25" }),
      xml("senml", { bn: "urn:dev:other/", bt: "1320067470", bv: "100", n: "x", v: "1.5" }),
      xml("senml", { n: "no-value" }));
    expect(decodeSenmlXml(el)).toEqual([
      { name: "urn:dev:ow:10e2073a01080063/humidity", unit: "%RH", value: 20, time: 1320067464 },
      { name: "urn:dev:ow:10e2073a01080063/temperature", unit: "Cel", value: 23.1, time: 1320067463 },
      { name: "urn:dev:ow:10e2073a01080063/humidity", unit: "%RH", value: 21, time: 1320067464.25 },
      { name: "urn:dev:other/x", unit: "%RH", value: 101.5, time: 1320067470 },
    ]);
  });

  it("reads times below 2**28 as relative to now (section 4.5.3) and leaves timeless records without a time", () => {
    const el = xml("sensml", { xmlns: NS_SENML }, xml("senml", { n: "a", v: "1", t: "-5" }), xml("senml", { n: "b", v: "2" }));
    expect(decodeSenmlXml(el, () => 1_764_000_000_000)).toEqual([
      { name: "a", value: 1, time: 1763999995 },
      { name: "b", value: 2 },
    ]);
  });

  it("refuses a pack of a SenML version it does not understand (section 4.4)", () => {
    const el = xml("sensml", { xmlns: NS_SENML }, xml("senml", { bver: "11", n: "a", v: "1" }));
    expect(() => decodeSenmlXml(el)).toThrow(/bver=11/);
  });
});
