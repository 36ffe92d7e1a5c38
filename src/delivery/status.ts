import type { OutboxStats } from "../outbox/types.js";
import type { SinkStatus } from "./types.js";

/** The `status` view of a sink, taken from its outbox so depth, age, drops and last ack stay true. */
export function sinkStatus(name: string, connected: boolean, stats: OutboxStats, now = Date.now()): SinkStatus & { rejected: number; recovered: number; durable: boolean } {
  return {
    name,
    connected,
    pending: stats.pending,
    ...(stats.oldestAcceptedAt !== undefined ? { oldestPendingAgeS: Math.max(0, (now - stats.oldestAcceptedAt) / 1000) } : {}),
    dropped: stats.dropped,
    delivered: stats.delivered,
    rejected: stats.rejected,
    recovered: stats.recovered,
    durable: stats.durable,
    ...(stats.lastAckAt !== undefined ? { lastAckAt: stats.lastAckAt } : {}),
    ...(stats.disk ? { disk: stats.disk } : {}),
  };
}
