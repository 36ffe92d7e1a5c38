import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { deviceSchema } from "../../devices/index.js";
import { formatIssues, parseConfig } from "../../src/config/load.js";

// docs/drivers.md is documentation users copy: every JSON block in it must be a
// valid device entry, and each hardware driver must have at least one example.
describe("docs/drivers.md", () => {
  const section = readFileSync(new URL("../../docs/drivers.md", import.meta.url), "utf8");
  const blocks = [...section.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");

  it("has an example per driver and every example validates", () => {
    const drivers = blocks.map((block) => {
      const result = deviceSchema.safeParse(JSON.parse(block));
      expect(result.success ? [] : formatIssues(result.error.issues), block).toEqual([]);
      return result.success ? result.data.driver : "";
    });
    expect(new Set(drivers)).toEqual(new Set(["serial", "nmea", "gpio", "ds18b20", "iio", "hwmon", "thermal"]));
  });
});

describe("devices/examples/pi.config.json", () => {
  it("is a valid agent config using every hardware driver", () => {
    const raw = JSON.parse(readFileSync(new URL("../../devices/examples/pi.config.json", import.meta.url), "utf8")) as { xmpp: Record<string, unknown> };
    // The password file exists only on a Pi: the environment variable stands in for it here.
    delete raw.xmpp["passwordFile"];
    const { config } = parseConfig(raw, { XMPP_IOT_PASSWORD: "test" });
    expect(new Set(config.devices.map((d) => d.driver))).toEqual(new Set(["serial", "nmea", "gpio", "ds18b20", "iio", "hwmon", "thermal"]));
  });
});
