import { describe, expect, it } from "vitest";
import { deviceSchema } from "../../devices/index.js";
import { lintConfig } from "./lint.js";
import { closest } from "./suggest.js";

const base = { xmpp: { jid: "shed@example.org" }, acl: { admins: [], readers: [] } };
const devices = (...raw: unknown[]) => raw.map((d) => deviceSchema.parse(d));

describe("lintConfig", () => {
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
