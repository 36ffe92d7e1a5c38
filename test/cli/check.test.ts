import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCliSync } from "../harness/cli.js";

// `xmpp-iot check` (the compiled CLI) on the mistakes people make: each exits 78 naming the field
// and saying what to write instead, or, when the config is still valid, prints a warning.
const dir = mkdtempSync(join(tmpdir(), "xmpp-iot-check-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

function check(config: unknown): { code: number | null; lines: string[]; stdout: string } {
  const file = join(dir, `c${n++}.json`);
  writeFileSync(file, typeof config === "string" ? config : JSON.stringify(config, null, 2));
  const { code, stdout, stderr } = runCliSync(["check", "--config", file]);
  return { code, stdout, lines: stderr.split("\n").map((l) => l.trim()).filter(Boolean) };
}

const xmpp = { jid: "shed@example.org", password: "x" };
const device = (channels: object, extra: object = {}) => ({ id: "tank", driver: "simulated", channels, ...extra });
const refused = (config: unknown, line: string): void => {
  const { code, lines } = check(config);
  expect(lines).toContain(line);
  expect(code).toBe(78);
};

describe("xmpp-iot check: the mistakes people make", () => {
  it('"unit": "C" on a temperature is the coulomb: a warning that says "Cel", exit 0', () => {
    const { code, lines, stdout } = check({ xmpp, devices: [device({ temperature: { unit: "C" } })] });
    expect(lines).toEqual(['warning: devices[0].channels.temperature.unit: "C" is the coulomb (electric charge) in SenML; for degrees Celsius use "Cel"']);
    expect(stdout).toContain("ok (1 devices, 1 channels, agent shed@example.org, 1 warning)");
    expect(code).toBe(0);
  });

  it("an alert on a channel the device does not have", () => {
    refused({ xmpp, devices: [device({ water: { unit: "m" } })], alerts: [{ when: "tank/watr < 2", notify: ["alice@example.org"] }] },
      'alerts[0].when: "tank" has no channel "watr"; did you mean "water"?');
  });

  it("SDS011 channel names the driver never produces", () => {
    refused({ xmpp, devices: [{ id: "air", driver: "serial", path: "/dev/ttyUSB0", format: "sds011", channels: { pm25: { deadband: 1 } } }] },
      'devices[0].channels.pm25: the SDS011 gives only pm2_5 and pm10; did you mean "pm2_5"?');
  });

  it("NMEA channel names the driver never produces", () => {
    const { code, lines } = check({ xmpp, devices: [{ id: "gps", driver: "nmea", path: "/dev/ttyACM0", channels: { latitude: {} } }] });
    expect(lines.some((l) => l.startsWith("devices[0].channels.latitude: not an NMEA channel; expected one of lat, lon"))).toBe(true);
    expect(code).toBe(78);
  });

  it("a DS18B20 channel named like an id that is not one, and one without a sensor", () => {
    refused({ xmpp, devices: [{ id: "w1", driver: "ds18b20", channels: { tank: {} } }] },
      "devices[0].channels.tank.sensor: missing: the sensor id (28-...), or name the channel after it");
  });

  it("a serial path that is not absolute", () => {
    refused({ xmpp, devices: [{ id: "meter", driver: "serial", path: "ttyUSB0", format: "json" }] },
      'devices[0].path: "ttyUSB0" is not an absolute path; a serial port is a path like "/dev/ttyUSB0" or /dev/serial/by-id/...');
  });

  it("validMin greater than validMax", () => {
    refused({ xmpp, devices: [device({ setpoint: { unit: "Cel", validMin: 30, validMax: 10 } })] },
      "devices[0].channels.setpoint.validMin: 30 is greater than validMax 10; swap them");
  });

  it('"type": "boolean" together with a unit', () => {
    refused({ xmpp, devices: [device({ pump: { type: "boolean", unit: "W" } })] },
      'devices[0].channels.pump.unit: a boolean channel has no unit; remove "unit" or make the channel a number');
  });

  it("a JID with a scheme", () => {
    refused({ xmpp: { ...xmpp, jid: "xmpp:shed@example.org" } }, 'xmpp.jid: "xmpp:shed@example.org" is a URI; write the bare JID "shed@example.org"');
    refused({ xmpp, acl: { admins: ["xmpp:alice@example.org"] } }, 'acl.admins[0]: "xmpp:alice@example.org" is a URI; write the bare JID "alice@example.org"');
  });

  it("a DS18B20 channel in another unit without a conversion", () => {
    refused({ xmpp, devices: [{ id: "w1", driver: "ds18b20", channels: { "28-0316a2797eff": { unit: "K" } } }] },
      'devices[0].channels.28-0316a2797eff.unit: the DS18B20 reads degrees Celsius; "K" needs a conversion (for "K": "offset": 273.15), or use "Cel"');
    expect(check({ xmpp, devices: [{ id: "w1", driver: "ds18b20", channels: { "28-0316a2797eff": { unit: "K", offset: 273.15 } } }] }).code).toBe(0);
  });

  it("the old GPIO restart keys still run, with a warning naming the new key; both names at once are refused", () => {
    const door = { id: "door", driver: "gpio", channels: { contact: { line: 17 } } };
    const { code, lines } = check({ xmpp, devices: [{ ...door, restartMinMs: 500, restartMaxMs: 30_000 }] });
    expect(lines).toEqual([
      'warning: devices[0].restartMinMs: deprecated, still read: rename it to "reconnectMinMs"',
      'warning: devices[0].restartMaxMs: deprecated, still read: rename it to "reconnectMaxMs"',
    ]);
    expect(code).toBe(0);
    expect(check({ xmpp, devices: [{ ...door, reconnectMinMs: 500, reconnectMaxMs: 30_000 }] })).toMatchObject({ code: 0, lines: [] });
    refused({ xmpp, devices: [{ ...door, restartMinMs: 500, reconnectMinMs: 500 }] },
      "devices[0].restartMinMs: the old name of reconnectMinMs, which is also given; keep only reconnectMinMs");
  });

  it('unknown keys get a "did you mean"', () => {
    const { code, lines } = check({ xmpp, devcies: [], devices: [{ id: "meter", driver: "serial", path: "/dev/ttyUSB0", format: "json", baudrate: 9600 }] });
    expect(lines).toContain('devcies: unknown key; did you mean "devices"?');
    expect(lines).toContain('devices[0].baudrate: unknown key; did you mean "baudRate"?');
    expect(code).toBe(78);
  });

  it("a JSON syntax error names line and column and shows the line", () => {
    const { code, lines } = check('{\n  "xmpp": { "jid": "shed@example.org", "password": "x" },\n  "devices": [],\n}\n');
    expect(lines).toEqual([
      expect.stringMatching(/is not valid JSON$/),
      expect.stringMatching(/c\d+\.json:4:1: not valid JSON: .*a comma before \} or \] is not allowed in JSON: remove it$/),
      "4 | }",
      "| ^",
    ]);
    expect(code).toBe(78);
  });

  it("zod's wording becomes plain words", () => {
    refused({ devices: [] }, "xmpp: missing; add an xmpp section with jid and password (or passwordFile)");
    refused({ xmpp: { ...xmpp, tls: "yes" } }, 'xmpp.tls: text "yes" is not allowed; expected one of "required", "off"');
    refused({ xmpp, devices: [device({ t: {} }, { intervalMs: "100" })] }, 'devices[0].intervalMs: expected a number, not text "100"');
    refused({ xmpp: { ...xmpp, pingIntervalMs: 5 } }, "xmpp.pingIntervalMs: the number 5 is too small; must be at least 1000");
    const { lines } = check({ devices: [] });
    expect(lines.join("\n")).not.toMatch(/Invalid input|received undefined/);
  });

  it("a missing config file is reported once", () => {
    const { code, stderr } = runCliSync(["check", "--config", join(dir, "nope.json")]);
    expect(stderr).toBe(`xmpp-iot: cannot read the config ${join(dir, "nope.json")}: no such file (start from config.example.json)\n`);
    expect(code).toBe(78);
  });
});
