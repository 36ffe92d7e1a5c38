import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMosquitto, type Mosquitto } from "../mqtt/mosquitto.js";
import { observe, type Observer } from "../mqtt/observer.js";
import { startSlixClient, type ClientReply, type SlixClient } from "./client.js";
import { startControlFixture, USERS, type ControlFixture } from "./fixture.js";
import { eventually } from "../harness/wait.js";

// `set` outside a channel's validMin/validMax is refused with the range on every front end, through
// the one command registry: chat and ad-hoc (slixmpp on a real Prosody), MQTT /set and the MQTT
// command topic (a real Mosquitto). The value stays what it was.
const PREFIX = "xmpp-iot/greenhouse-pi";
const REFUSAL = "greenhouse/setpoint: 50°C is outside the valid range (10°C to 30°C); nothing was changed";

describe("set respects validMin/validMax on every front end", () => {
  let broker: Mosquitto;
  let fx: ControlFixture;
  let alice: SlixClient;
  let mqtt: Observer;
  const to = "agent@localhost/agent";
  const notes = (r: ClientReply): Array<{ type: string; text: string }> => r["notes"] as Array<{ type: string; text: string }>;

  beforeAll(async () => {
    broker = await startMosquitto();
    fx = await startControlFixture({
      devices: [{
        id: "greenhouse", driver: "simulated", intervalMs: 300,
        channels: {
          temperature: { unit: "Cel", writable: true, value: 21.5 },
          setpoint: { unit: "Cel", writable: true, value: 22, waveform: "constant", validMin: 10, validMax: 30 },
        },
      }],
      mqtt: { url: broker.url },
    });
    alice = await startSlixClient(fx.prosody.port, "alice@localhost/phone", USERS.alice);
    mqtt = await observe(broker.url, [`${PREFIX}/command/#`]);
  }, 60_000);

  afterAll(async () => {
    await mqtt?.close();
    await alice?.stop();
    await fx?.stop();
    await broker?.remove();
  });

  async function chat(body: string): Promise<string> {
    await alice.call({ op: "chat", to: "agent@localhost", body });
    const got = (await alice.call({ op: "wait_messages", type: "chat", contains: "", timeout: 10 }))["messages"] as Array<{ body: string }>;
    expect(got).toHaveLength(1);
    return got[0]!.body;
  }

  it("chat: refused with the range; a value inside is applied", async () => {
    expect(await chat("set greenhouse/setpoint 50")).toBe(`Error: ${REFUSAL}`);
    expect(await chat("read greenhouse/setpoint")).toMatch(/^greenhouse\/setpoint: 22°C/);
    expect(await chat("set greenhouse/setpoint 25")).toBe("greenhouse/setpoint = 25°C (was 22°C)");
  });

  it("ad-hoc: completing with 50 is refused with the range and the form is asked again", async () => {
    const first = await alice.call({ op: "command", to, node: "set" });
    const second = await alice.call({ op: "command", to, node: "set", action: "next", sessionid: first["sessionid"], form: { device: "greenhouse", channel: "setpoint" } });
    expect((second["fields"] as Array<{ var: string; desc?: string }>)[0]).toMatchObject({ var: "value" });
    const done = await alice.call({ op: "command", to, node: "set", action: "complete", sessionid: first["sessionid"], form: { value: "50" } });
    // The form comes back with the error (XEP-0050 note type="error"), for another value.
    expect(done["status"]).toBe("executing");
    expect(notes(done)).toEqual([{ type: "error", text: REFUSAL }]);
  });

  it("MQTT /set: refused and logged with the range; the value stays", async () => {
    await mqtt.publish(`${PREFIX}/greenhouse/setpoint/set`, "50");
    await eventually(() => fx.logs.some((l) => l["msg"] === "MQTT set refused"), "MQTT set refused logged", 10_000);
    expect(fx.logs.find((l) => l["msg"] === "MQTT set refused")).toMatchObject({ code: "BAD_INPUT", err: REFUSAL });
  });

  it("MQTT command topic: an error response with the range", async () => {
    await mqtt.publish(`${PREFIX}/command/set`, JSON.stringify({ id: 7, device: "greenhouse", channel: "setpoint", value: 50 }));
    const response = await mqtt.waitFor((m) => m.topic === `${PREFIX}/command/set/response`, 10_000, "the set response");
    expect(JSON.parse(response.text)).toEqual({ id: 7, status: "error", code: "BAD_INPUT", error: REFUSAL });
    expect(await chat("read greenhouse/setpoint")).toMatch(/^greenhouse\/setpoint: 25°C/);
  });
});
