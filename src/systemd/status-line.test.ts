import { describe, expect, it } from "vitest";
import type { AgentStatus } from "../status/status.js";
import { systemdStatusLine } from "./status-line.js";

const base: AgentStatus = {
  name: "pi", jid: "agent@localhost/agent", connected: true, uptimeS: 10,
  devices: [{ id: "a", state: "ok", stats: {} }, { id: "b", state: "ok", stats: {} }],
  sinks: [{ name: "pubsub", connected: true, pending: 0, dropped: 0, delivered: 5 }],
  pipeline: {} as AgentStatus["pipeline"],
};

describe("systemdStatusLine", () => {
  it("summarizes a healthy agent", () => {
    expect(systemdStatusLine(base)).toBe("online, 2/2 devices ok, 0 pending");
  });

  it("names failing devices and counts drops across sinks", () => {
    const status: AgentStatus = {
      ...base,
      connected: false,
      devices: [{ id: "a", state: "ok", stats: {} }, { id: "meter", state: "failing", reason: "unplugged", stats: {} }],
      sinks: [
        { name: "pubsub", connected: false, pending: 7, dropped: 2, delivered: 0 },
        { name: "mqtt", connected: true, pending: 1, dropped: 0, delivered: 3 },
      ],
    };
    expect(systemdStatusLine(status)).toBe("offline, 1/2 devices ok, 8 pending, 2 dropped, failing: meter");
  });
});
