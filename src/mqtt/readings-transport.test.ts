import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { createMqttReadingTransport } from "./readings-transport.js";

class ErrorWithReasonCode extends Error {
  constructor(message: string, readonly code: number) { super(message); }
}

describe("MQTT reading transport", () => {
  const client = { events: new EventEmitter<{ online: []; offline: [] }>(), isConnected: () => true, publishWithCallback: () => undefined };
  const transport = createMqttReadingTransport({ client }, { topicPrefix: "xmpp-iot/pi", agentBareJid: "agent@localhost", qos: 1, retain: true });

  it("takes a PUBACK 'Quota exceeded' (MQTT 5 section 3.4.2.1) as an overloaded broker, any other refusal as a refused reading", () => {
    expect(transport.classify(new ErrorWithReasonCode("Publish error: Quota exceeded", 0x97))).toEqual({ kind: "transient", condition: "quota-exceeded" });
    expect(transport.classify(new ErrorWithReasonCode("Publish error: Not authorized", 0x87))).toEqual({ kind: "refused", reason: "refused by the MQTT broker: Publish error: Not authorized" });
  });

  it("sends each reading to its channel's topic, the set-aside record's destination", () => {
    expect(transport.destination({ device: "greenhouse", channel: "temperature", value: 1, time: 0, id: "x" })).toBe("xmpp-iot/pi/greenhouse/temperature");
  });
});
