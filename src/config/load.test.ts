import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { IotError } from "../errors/catalog.js";
import { loadConfig, parseConfig } from "./load.js";

const base = { xmpp: { jid: "agent@localhost", password: "s3cret" } };

function problems(raw: unknown, env: NodeJS.ProcessEnv = {}): readonly string[] {
  try {
    parseConfig(raw, env);
  } catch (error) {
    expect(error).toBeInstanceOf(IotError);
    expect((error as IotError).exitCode).toBe(78);
    return (error as IotError).details;
  }
  return [];
}

describe("config validation", () => {
  it("accepts the shipped example with the password from XMPP_IOT_PASSWORD", () => {
    const example = JSON.parse(readFileSync(new URL("../../config.example.json", import.meta.url), "utf8")) as { xmpp: Record<string, unknown> };
    delete example.xmpp["passwordFile"];
    const loaded = parseConfig(example, { XMPP_IOT_PASSWORD: "from-env" });
    expect(loaded.password).toBe("from-env");
    expect(loaded.config.devices.map((d) => d.id)).toEqual(["greenhouse", "weather"]);
  });

  it("names every bad field: an unknown key and a unit that is not SenML", () => {
    expect(problems({
      ...base,
      xmpp: { ...base.xmpp, pasword: "typo" },
      devices: [{ id: "g", driver: "simulated", channels: { temperature: { unit: "Celsius" } } }],
    })).toEqual([
      'xmpp.pasword: unknown key; did you mean "password"?',
      'devices[0].channels.temperature.unit: "Celsius" is not a SenML unit (RFC 8428 section 12.1, e.g. Cel, %RH, Pa, lx, V)',
    ]);
  });

  it("lists the drivers when one is unknown and refuses duplicate ids", () => {
    expect(problems({ ...base, devices: [{ id: "x", driver: "zigbee" }] })[0]).toMatch(/^devices\[0\]\.driver: unknown driver "zigbee"; expected one of .*simulated/);
    expect(problems({ ...base, devices: [{ id: "a", driver: "simulated", channels: {} }, { id: "a", driver: "simulated", channels: {} }] }))
      .toEqual(['devices[1].id: duplicate device id "a"']);
  });

  it('accepts "tls": "off" only for a loopback service', () => {
    expect(problems({ xmpp: { ...base.xmpp, tls: "off", service: "xmpp://127.0.0.1:5222" } })).toEqual([]);
    expect(problems({ xmpp: { ...base.xmpp, tls: "off", service: "xmpp://xmpp.example.org:5222" } })[0]).toMatch(/^xmpp\.tls: "off" is accepted only for a loopback service/);
  });

  it("takes the password from passwordFile or XMPP_IOT_PASSWORD, and says where it looked", () => {
    const dir = mkdtempSync(join(tmpdir(), "cfg-"));
    writeFileSync(join(dir, "pw"), "from-file\n");
    expect(parseConfig({ xmpp: { jid: "a@localhost", passwordFile: join(dir, "pw") } }, {}).password).toBe("from-file");
    expect(parseConfig({ xmpp: { jid: "a@localhost" } }, { XMPP_IOT_PASSWORD: "from-env" }).password).toBe("from-env");
    expect(problems({ xmpp: { jid: "a@localhost" } })).toEqual([expect.stringMatching(/^xmpp\.password: missing; set xmpp\.password, xmpp\.passwordFile or .*XMPP_IOT_PASSWORD/)]);
    expect(problems({ xmpp: { jid: "a@localhost", passwordFile: join(dir, "nope") } })[0]).toMatch(/^xmpp\.passwordFile: cannot read/);
  });

  it("reports JSON syntax errors with exit code 78", () => {
    const dir = mkdtempSync(join(tmpdir(), "cfg-"));
    writeFileSync(join(dir, "bad.json"), "{ not json");
    expect(() => loadConfig(join(dir, "bad.json"), {})).toThrow(/not valid JSON/);
  });
});

