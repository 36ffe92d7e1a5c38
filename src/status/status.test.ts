import { describe, expect, it } from "vitest";
import { formatStatus, type AgentStatus } from "./status.js";

describe("formatStatus", () => {
  it("adds the MQTT command counts when the bridge runs", () => {
    const base: AgentStatus = { name: "pi", jid: "agent@x", connected: true, uptimeS: 1, devices: [], sinks: [], pipeline: { accepted: 0, suppressed: 0, rejected: 0 } };
    expect(formatStatus(base)).not.toMatch(/mqtt commands/);
    const withMqtt: AgentStatus = { ...base, mqtt: { commands: { sets: 2, requests: 1, errors: 0, ignoredRetained: 0, inflight: 0 } } };
    expect(formatStatus(withMqtt).split("\n").at(-1)).toBe("mqtt commands: 2 set, 1 requests, 0 errors");
  });
});
