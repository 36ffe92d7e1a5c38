import { describe, expect, it } from "vitest";
import { parseW1Slave } from "./parse.js";

describe("w1_slave", () => {
  it("reads millidegrees when the CRC says YES, negative values too", () => {
    expect(parseW1Slave("72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n72 01 4b 46 7f ff 0e 10 57 t=23125\n")).toEqual({ ok: true, celsius: 23.125, powerOnValue: false });
    expect(parseW1Slave("5e ff 4b 46 7f ff 02 10 d1 : crc=d1 YES\n5e ff 4b 46 7f ff 02 10 d1 t=-10125\n")).toEqual({ ok: true, celsius: -10.125, powerOnValue: false });
  });

  it("flags the 85 °C power-on value, refuses CRC NO and truncated files", () => {
    expect(parseW1Slave("50 05 4b 46 7f ff 0c 10 1c : crc=1c YES\n50 05 4b 46 7f ff 0c 10 1c t=85000\n")).toEqual({ ok: true, celsius: 85, powerOnValue: true });
    expect(parseW1Slave("72 01 4b 46 7f ff 0e 10 57 : crc=00 NO\n72 01 4b 46 7f ff 0e 10 57 t=23125\n")).toEqual({ ok: false, reason: "crc" });
    expect(parseW1Slave("72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n")).toEqual({ ok: false, reason: "format" });
    expect(parseW1Slave("")).toEqual({ ok: false, reason: "format" });
  });
});
