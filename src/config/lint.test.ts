import { describe, expect, it } from "vitest";
import { deviceSchema } from "../../devices/index.js";
import { lintConfig } from "./lint.js";
import { closest } from "./suggest.js";

const base = { xmpp: { jid: "shed@example.org" }, acl: { admins: [], readers: [] } };
const devices = (...raw: unknown[]) => raw.map((d) => deviceSchema.parse(d));

describe("lintConfig", () => {
  it("checks the channel of a stale rule like a value rule; a failing rule names none; kernel sensors", () => {
    const config = {
      ...base,
      devices: devices(
        { id: "air", driver: "iio", deviceName: "bme280", channels: { temperature: { source: "temp" } } },
        { id: "any", driver: "iio", deviceName: "bh1750" },
        { id: "soc", driver: "thermal" },
      ),
      alerts: [{ when: "air/temprature stale 10m" }, { when: "air failing" }, { when: "any/illuminance stale 5m" }, { when: "soc/temp > 80" }, { when: "soc/tmp stale 1m" }],
    };
    expect(lintConfig(config).map((f) => [f.severity, f.path.join("."), f.message])).toEqual([
      ["error", "alerts.0.when", '"air" has no channel "temprature"; did you mean "temperature"?'],
      ["warning", "alerts.2.when", '"any" has no configured channel "illuminance"; the alert fires only if the device sends it'],
      ["error", "alerts.4.when", '"soc" has no channel "tmp"; did you mean "temp"?'],
    ]);
  });

  it("knows the channels a gpio input adds (edge counters) and an open device only warns", () => {
    const config = {
      ...base,
      devices: devices(
        { id: "door", driver: "gpio", channels: { contact: { line: 17, direction: "input" } } },
        { id: "meter", driver: "serial", path: "/dev/ttyUSB0", format: "json" },
      ),
      alerts: [{ when: "door/contact_edges > 3" }, { when: "meter/power > 3000" }, { when: "door/contakt == true" }],
    };
    expect(lintConfig(config).map((f) => [f.severity, f.path.join("."), f.message])).toEqual([
      ["warning", "alerts.1.when", '"meter" has no configured channel "power"; the alert fires only if the device sends it'],
      ["error", "alerts.2.when", '"door" has no channel "contakt"; did you mean "contact"?'],
    ]);
  });

  it("suggests within a typo's reach only", () => {
    expect(closest("devcies", ["devices", "alerts"])).toBe("devices");
    expect(closest("baudrate", ["baudRate", "path"])).toBe("baudRate");
    expect(closest("colour", ["devices", "alerts", "xmpp"])).toBeUndefined();
  });
});
