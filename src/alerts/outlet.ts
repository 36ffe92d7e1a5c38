import type { Logger } from "pino";
import type { SinkStatus } from "../delivery/types.js";

/** One alert or all-clear, as MQTT carries it (`<prefix>/alerts`, JSON). */
export interface AlertEvent {
  readonly rule: string;
  readonly state: "alert" | "ok";
  readonly kind: "value" | "failing" | "stale";
  readonly device: string;
  readonly channel?: string;
  /** The same text chat and rooms get. */
  readonly message: string;
  /** Epoch seconds. */
  readonly time: number;
}

/** Where alerts go; chat and MUC implement the XMPP side, the MQTT bridge the optional `mqtt`. */
export interface AlertDelivery {
  toJid(jid: string, body: string): void;
  toRoom(room: string, body: string): void;
  online(): boolean;
  readonly mqtt?: { publish(event: AlertEvent): void; online(): boolean };
}

export interface AlertTargets {
  readonly notify: readonly string[];
  readonly room?: string | undefined;
}

/** Lines kept while a link is down, per link; past the bound the oldest are dropped and counted. */
export const MAX_QUEUED = 100;

/**
 * The delivery queue every kind of alert shares: XMPP lines (chat and rooms) and MQTT events,
 * each bounded and flushed when its own link is up, so a down broker never holds back chat.
 */
export function createAlertOutlet(deps: { delivery: AlertDelivery; log: Logger }) {
  const { delivery, log } = deps;
  const lines: Array<{ to: string; room: boolean; body: string }> = [];
  const events: AlertEvent[] = [];
  let delivered = 0;
  let dropped = 0;
  let timer: NodeJS.Timeout | undefined;

  const flush = (): void => {
    if (delivery.online()) {
      while (lines.length > 0) {
        const line = lines.shift()!;
        if (line.room) delivery.toRoom(line.to, line.body); else delivery.toJid(line.to, line.body);
        delivered++;
      }
    }
    const mqtt = delivery.mqtt;
    if (mqtt?.online()) {
      while (events.length > 0) {
        mqtt.publish(events.shift()!);
        delivered++;
      }
    }
  };

  const bound = <T>(queue: T[]): void => {
    while (queue.length > MAX_QUEUED) { queue.shift(); dropped++; }
  };

  return {
    send(targets: AlertTargets, event: AlertEvent): void {
      log.info({ rule: event.rule, kind: event.kind, state: event.state, body: event.message }, "alert");
      for (const jid of targets.notify) lines.push({ to: jid, room: false, body: event.message });
      if (targets.room !== undefined) lines.push({ to: targets.room, room: true, body: event.message });
      bound(lines);
      if (delivery.mqtt) { events.push(event); bound(events); }
      // After the current turn: a `set` that triggers the alert gets its own reply out first.
      setImmediate(flush);
    },
    start(): void {
      // Lines queued while offline go out once the link is back.
      timer = setInterval(flush, 1000);
      timer.unref();
    },
    stop(): void {
      clearInterval(timer);
    },
    status(): SinkStatus {
      return { name: "alerts", connected: delivery.online(), pending: lines.length + events.length, dropped, delivered };
    },
  };
}

export type AlertOutlet = ReturnType<typeof createAlertOutlet>;
