import { describe, expect, it } from "vitest";
import { didYouMean, nearest, normalizeInputValue } from "./resolve.js";

describe("forgiving names and values", () => {
  it("suggests the nearest names for a typo, a missing letter or a prefix", () => {
    expect(nearest("greenhose", ["greenhouse", "weather"])).toEqual(["greenhouse"]);
    expect(nearest("temp", ["temperature", "humidity", "lamp"])).toEqual(["temperature"]);
    expect(nearest("reed", ["list", "read", "set", "status", "help", "history"])).toEqual(["read"]);
    expect(nearest("xyzzy", ["greenhouse", "weather"])).toEqual([]);
    expect(didYouMean("lamb", ["lamp", "lame", "humidity"])).toBe(" did you mean lame or lamp?");
    expect(didYouMean("zzz", ["lamp"])).toBe("");
  });

  it("takes a value in the agent's own output format, and refuses a foreign unit", () => {
    expect(normalizeInputValue("21.5°C", "Cel", "w/setpoint")).toBe("21.5");
    expect(normalizeInputValue("21.5 Cel", "Cel", "w/setpoint")).toBe("21.5");
    expect(normalizeInputValue("22,5", "Cel", "w/setpoint")).toBe("22.5");
    expect(normalizeInputValue(" -3,25 °C ", "Cel", "w/setpoint")).toBe("-3.25");
    expect(normalizeInputValue("55 %RH", "%RH", "g/humidity")).toBe("55");
    expect(normalizeInputValue("on", undefined, "g/lamp")).toBe("on");
    expect(normalizeInputValue(7, "Cel", "w/setpoint")).toBe(7);
    expect(() => normalizeInputValue("21.5 lx", "Cel", "weather/setpoint")).toThrow('weather/setpoint: "lx" is not its unit; it takes a number in °C');
  });
});
