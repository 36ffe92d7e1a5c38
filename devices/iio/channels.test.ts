import { describe, expect, it } from "vitest";
import { convert, listChannels, overlayHint, unitOf } from "./channels.js";

describe("IIO sysfs ABI", () => {
  it("finds channels by file name, prefers _input over _raw, and resolves per-channel and shared scale/offset", () => {
    const files = [
      "name", "in_temp_input", "in_temp_raw", "in_humidityrelative_input", "in_pressure_input", "in_temp_oversampling_ratio",
      "in_voltage0_raw", "in_voltage1_raw", "in_voltage1_scale", "in_voltage_scale", "in_voltage_sampling_frequency",
      "in_illuminance_raw", "in_illuminance_scale", "in_illuminance_offset", "in_voltage0-voltage1_raw", "in_voltage-voltage_scale",
    ];
    expect(listChannels(files)).toEqual([
      { name: "humidityrelative", file: "in_humidityrelative_input", processed: true },
      { name: "illuminance", file: "in_illuminance_raw", processed: false, scaleFile: "in_illuminance_scale", offsetFile: "in_illuminance_offset" },
      { name: "pressure", file: "in_pressure_input", processed: true },
      { name: "temp", file: "in_temp_input", processed: true },
      { name: "voltage0", file: "in_voltage0_raw", processed: false, scaleFile: "in_voltage_scale" },
      { name: "voltage0-voltage1", file: "in_voltage0-voltage1_raw", processed: false, scaleFile: "in_voltage-voltage_scale" },
      { name: "voltage1", file: "in_voltage1_raw", processed: false, scaleFile: "in_voltage1_scale" },
    ]);
  });

  it("converts ABI units to SenML: milli-degree, milli-percent, kPa, lux, mV; (raw + offset) x scale", () => {
    expect([convert("temp", 21500, 1, 0, true), unitOf("temp")?.unit]).toEqual([21.5, "Cel"]);
    expect([convert("humidityrelative", 45250, 1, 0, true), unitOf("humidityrelative")?.unit]).toEqual([45.25, "%RH"]);
    expect([convert("pressure", 101.325, 1, 0, true), unitOf("pressure")?.unit]).toEqual([101325, "Pa"]);
    expect([convert("illuminance", 120, 1, 0, true), unitOf("illuminance")?.unit]).toEqual([120, "lx"]);
    expect([convert("voltage0", 16000, 0.125), unitOf("voltage0")?.unit]).toEqual([2, "V"]);
    expect(convert("temp", 100, 500, -50)).toBe(25);
    expect(unitOf("proximity")).toBeUndefined();
    expect(convert("proximity", 7, 2)).toBe(14);
  });

  it("names the overlay line to add", () => {
    expect(overlayHint("bme280")).toMatch(/dtoverlay=i2c-sensor,bme280/);
    expect(overlayHint("ads1115")).toMatch(/dtoverlay=ads1115/);
    expect(overlayHint("mysensor")).toMatch(/dtoverlay for mysensor/);
  });
});
