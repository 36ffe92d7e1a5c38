import { describe, expect, it } from "vitest";
import { entityConfig, haId, type DiscoveryOptions } from "./discovery.js";
import { haUnit } from "../home-assistant/units.js";

const options: DiscoveryOptions = {
  discoveryPrefix: "homeassistant", topicPrefix: "xmpp-iot/pi", statusTopic: "xmpp-iot/pi/status",
  agentName: "pi", readOnly: false, qos: 1, channels: () => undefined,
};
const device = { id: "meter.1", name: "Meter one", driver: "serial" };

describe("Home Assistant entity configs", () => {
  it("makes a read-only number a sensor with unit, device_class and state_class", () => {
    const e = entityConfig(options, device, "energy", "number", false, { unit: "kWh" }, "kWh");
    expect(e.topic).toBe("homeassistant/sensor/xmpp-iot_pi/meter_1_energy/config");
    expect(JSON.parse(e.payload)).toMatchObject({
      unique_id: "xmpp-iot_pi_meter.1_energy", state_topic: "xmpp-iot/pi/meter.1/energy", unit_of_measurement: "kWh",
      device_class: "energy", state_class: "total_increasing", value_template: "{{ value_json[0].v }}",
      device: { identifiers: ["xmpp-iot_pi_meter.1"], name: "Meter one", model: "serial device" },
    });
  });

  it("makes writable booleans switches and read-only ones binary sensors", () => {
    const sw = JSON.parse(entityConfig(options, device, "relay", "boolean", true, { type: "boolean", writable: true }, undefined).payload);
    expect(sw).toMatchObject({ command_topic: "xmpp-iot/pi/meter.1/relay/set", state_on: "ON", state_off: "OFF" });
    const bin = entityConfig(options, device, "door", "boolean", false, undefined, undefined);
    expect(bin.topic).toContain("/binary_sensor/");
    expect(JSON.parse(bin.payload)).not.toHaveProperty("command_topic");
  });

  it("announces no command topics in read-only mode", () => {
    const e = entityConfig({ ...options, readOnly: true }, device, "relay", "boolean", true, undefined, undefined);
    expect(e.topic).toContain("/binary_sensor/");
    expect(JSON.parse(e.payload)).not.toHaveProperty("command_topic");
  });

  it("gives writable numbers the channel's range and precision", () => {
    const n = JSON.parse(entityConfig(options, device, "sp", "number", true, { unit: "Cel", validMin: 5, validMax: 30, precision: 1 }, "Cel").payload);
    expect(n).toMatchObject({ min: 5, max: 30, step: 0.1, mode: "box", unit_of_measurement: "°C", device_class: "temperature" });
  });

  it("makes strings text when writable and sensors otherwise", () => {
    expect(entityConfig(options, device, "msg", "string", true, undefined, undefined).topic).toContain("/text/");
    expect(JSON.parse(entityConfig(options, device, "fw", "string", false, undefined, undefined).payload).value_template).toBe("{{ value_json[0].vs }}");
  });

  it("keeps discovery topic ids to HA's character set", () => {
    expect(haId("a.b c/d")).toBe("a_b_c_d");
  });
});

describe("SenML -> Home Assistant units", () => {
  it.each([
    ["Cel", "°C", "temperature"], ["%RH", "%", "humidity"], ["%EL", "%", "battery"], ["hPa", "hPa", "pressure"],
    ["lx", "lx", "illuminance"], ["W", "W", "power"], ["ug/m3", "µg/m³", undefined], ["dBm", "dBm", "signal_strength"],
  ])("%s -> %s (%s)", (senml, unit, deviceClass) => {
    const ha = haUnit(senml);
    expect(ha.unit).toBe(unit);
    expect(ha.deviceClass).toBe(deviceClass);
  });
  it("passes unknown units through without a device class, and ratios without a unit", () => {
    expect(haUnit("beat/min")).toEqual({ unit: "beat/min", stateClass: "measurement" });
    expect(haUnit("/")).toEqual({ stateClass: "measurement" });
    expect(haUnit(undefined)).toEqual({ stateClass: "measurement" });
  });
});
