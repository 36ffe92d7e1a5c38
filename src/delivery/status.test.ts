import { describe, expect, it } from "vitest";
import { sinkStatus } from "./status.js";

describe("sinkStatus", () => {
  it("takes depth, age of the oldest, drops and last ack from the outbox", () => {
    const status = sinkStatus("pubsub", false, {
      pending: 200, inflight: 3, oldestAcceptedAt: 10_000, dropped: 7, delivered: 40, rejected: 1, lastAckAt: 9_000, recovered: 120, durable: true,
    }, 20_000);
    expect(status).toEqual({
      name: "pubsub", connected: false, pending: 200, oldestPendingAgeS: 10, dropped: 7, delivered: 40, rejected: 1, recovered: 120, durable: true, lastAckAt: 9_000,
    });
  });

  it("leaves out the age and the last ack when there is none", () => {
    const status = sinkStatus("mqtt", true, { pending: 0, inflight: 0, dropped: 0, delivered: 0, rejected: 0, recovered: 0, durable: false });
    expect(status).not.toHaveProperty("oldestPendingAgeS");
    expect(status).not.toHaveProperty("lastAckAt");
  });
});
