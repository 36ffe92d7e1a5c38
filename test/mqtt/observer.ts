import { spawnSync } from "node:child_process";
import { connectAsync, type MqttClient } from "mqtt";

export interface Seen {
  readonly topic: string;
  readonly text: string;
  readonly retain: boolean;
  readonly at: number;
  /** MQTT 5 correlation data, as text. */
  readonly correlation?: string;
}

export interface Observer {
  readonly client: MqttClient;
  readonly seen: Seen[];
  waitFor(predicate: (m: Seen) => boolean, timeoutMs?: number, what?: string): Promise<Seen>;
  publish(topic: string, payload: string, retain?: boolean): Promise<void>;
  close(): Promise<void>;
}

/** A plain MQTT client (mqtt.js) that records everything on `filters`, as a user's tool would. */
export async function observe(url: string, filters: readonly string[], options: { username?: string; password?: string; protocolVersion?: 4 | 5 } = {}): Promise<Observer> {
  const client = await connectAsync(url, { reconnectPeriod: 200, connectTimeout: 5000, clientId: `observer-${process.pid}-${Math.random().toString(16).slice(2, 8)}`, ...options });
  const seen: Seen[] = [];
  const waiters = new Set<() => void>();
  client.on("message", (topic, payload, packet) => {
    const correlation = packet.properties?.correlationData?.toString("utf8");
    seen.push({ topic, text: payload.toString("utf8"), retain: packet.retain, at: Date.now(), ...(correlation !== undefined ? { correlation } : {}) });
    for (const wake of waiters) wake();
  });
  const subscribeAll = async (): Promise<void> => { if (filters.length > 0) await client.subscribeAsync([...filters], { qos: 1 }); };
  await subscribeAll();
  return {
    client,
    seen,
    waitFor(predicate, timeoutMs = 10_000, what = "a matching message") {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const found = seen.find(predicate);
          if (found) { cleanup(); resolve(found); }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no ${what} within ${timeoutMs} ms; saw ${seen.length}: ${JSON.stringify(seen.slice(-15).map((m) => [m.topic, m.text.slice(0, 160), m.retain]))}`));
        }, timeoutMs);
        const cleanup = (): void => { clearTimeout(timer); waiters.delete(check); };
        waiters.add(check);
        check();
      });
    },
    async publish(topic, payload, retain = false) {
      await client.publishAsync(topic, payload, { qos: 1, retain });
    },
    async close() {
      await client.endAsync(true);
    },
  };
}

/** The Debian mosquitto_pub, as a user would type it. */
export function mosquittoPub(port: number, topic: string, message: string | null, extra: readonly string[] = []): void {
  const args = ["-h", "127.0.0.1", "-p", String(port), "-q", "1", "-t", topic, ...(message === null ? ["-n"] : ["-m", message]), ...extra];
  const result = spawnSync("/usr/bin/mosquitto_pub", args, { encoding: "utf8", timeout: 10_000 });
  if (result.status !== 0) throw new Error(`mosquitto_pub ${args.join(" ")} failed (${result.status}): ${result.stderr}`);
}

/** One retained message as mosquitto_sub sees it (`-C 1 -W` bounds the wait), or undefined. */
export function mosquittoSubRetained(port: number, topic: string, timeoutS = 3): string | undefined {
  const result = spawnSync("/usr/bin/mosquitto_sub", ["-h", "127.0.0.1", "-p", String(port), "-t", topic, "-C", "1", "-W", String(timeoutS), "--retained-only"], { encoding: "utf8", timeout: (timeoutS + 5) * 1000 });
  return result.status === 0 ? result.stdout.replace(/\n$/, "") : undefined;
}
