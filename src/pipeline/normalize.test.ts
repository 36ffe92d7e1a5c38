import { describe, expect, it } from "vitest";
import { coerce, type ChannelConfig } from "../device-contract/index.js";
import { normalizePlan, normalizeValue, shouldPublishValue, type Published } from "./normalize.js";

const shouldPublish = (last: Published | undefined, next: Published, config: ChannelConfig | undefined): boolean =>
  shouldPublishValue(last, next.value, next.timeMs, next.qualityKey, config);

describe("normalizeValue", () => {
  it("applies scale, offset and precision", () => {
    expect(normalizeValue(215, normalizePlan({ scale: 0.1, offset: -1, precision: 1 }))).toEqual({ ok: true, value: 20.5 });
  });
  it("flags values outside the valid range instead of passing them as good", () => {
    expect(normalizeValue(120, normalizePlan({ validMin: 0, validMax: 100 }))).toEqual({ ok: true, value: 120, quality: ["outOfRange"] });
    expect(normalizeValue(-1, normalizePlan({ validMin: 0 }))).toEqual({ ok: true, value: -1, quality: ["outOfRange"] });
    expect(normalizeValue(50, normalizePlan({ validMin: 0, validMax: 100 }))).toEqual({ ok: true, value: 50 });
  });
  it("parses numeric strings and refuses garbage for number channels", () => {
    expect(normalizeValue(" 21.5 ", normalizePlan({ type: "number" }))).toEqual({ ok: true, value: 21.5 });
    expect(normalizeValue("warm", normalizePlan({ type: "number" }))).toMatchObject({ ok: false });
    expect(normalizeValue(Number.NaN, normalizePlan(undefined))).toMatchObject({ ok: false });
  });
  it("keeps what an unconfigured channel sent", () => {
    expect(normalizeValue("OK", normalizePlan(undefined))).toEqual({ ok: true, value: "OK" });
    expect(normalizeValue("12", normalizePlan(undefined))).toEqual({ ok: true, value: 12 });
  });
  it("passes a value through untouched when the channel sets no scale, offset, precision or range", () => {
    expect(normalizePlan({ unit: "Cel" })).toMatchObject({ type: "number", transforms: false });
    expect(normalizePlan({ unit: "Cel", validMax: 100 })).toMatchObject({ transforms: true, validMin: Number.NEGATIVE_INFINITY });
    expect(normalizeValue("7", normalizePlan({ unit: "Cel" }))).toEqual({ ok: true, value: 7 });
    expect(normalizeValue(true, normalizePlan({ unit: "Cel" }))).toMatchObject({ ok: false });
  });
});

describe("coerce", () => {
  it("understands the usual boolean words", () => {
    for (const word of ["on", "ON", "true", "1", "yes"]) expect(coerce(word, "boolean")).toMatchObject({ ok: true, value: true });
    for (const word of ["off", "false", "0", "no"]) expect(coerce(word, "boolean")).toMatchObject({ ok: true, value: false });
    expect(coerce("maybe", "boolean")).toMatchObject({ ok: false, reason: expect.stringContaining("expected a boolean") });
  });
});

describe("shouldPublishValue", () => {
  const at = (value: number | boolean, timeMs: number, qualityKey = "") => ({ value, timeMs, qualityKey });
  it("publishes every sample without a deadband", () => {
    expect(shouldPublish(at(1, 0), at(1, 1000), {})).toBe(true);
  });
  it("suppresses changes inside the deadband until the heartbeat is due", () => {
    const config = { deadband: 0.5, maxIntervalMs: 10_000 };
    expect(shouldPublish(at(20, 0), at(20.4, 1000), config)).toBe(false);
    expect(shouldPublish(at(20, 0), at(20.5, 1000), config)).toBe(true);
    expect(shouldPublish(at(20, 0), at(20.1, 10_000), config)).toBe(true);
  });
  it("never publishes faster than the minimum interval", () => {
    expect(shouldPublish(at(1, 0), at(5, 500), { minIntervalMs: 1000 })).toBe(false);
    expect(shouldPublish(at(1, 0), at(5, 1000), { minIntervalMs: 1000 })).toBe(true);
  });
  it("publishes a quality change and a boolean change even within a deadband", () => {
    expect(shouldPublish(at(20, 0), at(20, 1000, "outOfRange"), { deadband: 1 })).toBe(true);
    expect(shouldPublish(at(false, 0), at(true, 1000), { deadband: 1 })).toBe(true);
    expect(shouldPublish(at(false, 0), at(false, 1000), { deadband: 1 })).toBe(false);
  });
});
