import { EventEmitter } from "node:events";
import type { IClientOptions, MqttClient } from "mqtt";
import { quietMqttDebug } from "./quiet-debug.js";
import type { Logger } from "pino";
import type { MqttLink } from "../device-contract/index.js";
import { createReconnectBackoff } from "../reconnect/backoff.js";
import { IotError, messageOf } from "../errors/catalog.js";
import { filterProblem, topicMatches } from "./topics.js";

export type Qos = 0 | 1 | 2;

export interface MqttClientOptions {
  readonly url: string;
  readonly clientId: string;
  readonly username?: string;
  readonly password?: string;
  /** PEM of a private CA or a self-signed broker certificate (verification stays on). */
  readonly ca?: string;
  readonly keepaliveS: number;
  readonly connectTimeoutMs: number;
  readonly reconnectMinMs: number;
  readonly reconnectMaxMs: number;
  /** `online` is published here (retained) on every connect; the last will sets it `offline`. */
  readonly statusTopic: string;
  readonly protocolVersion: 4 | 5;
}

/** MQTT 5 request/response properties (section 4.10) of a received message, when present. */
export interface RequestProperties {
  readonly responseTopic?: string;
  readonly correlationData?: Buffer;
}

export interface PublishOptions {
  readonly qos: Qos;
  readonly retain: boolean;
  /** MQTT 5 only: echoed to a requester that asked for it. */
  readonly correlationData?: Buffer;
}

interface Subscription {
  readonly filter: string;
  readonly qos: Qos;
  readonly handler: (topic: string, payload: Buffer, retained: boolean, v5: RequestProperties) => void;
}

export type MqttClientHandle = ReturnType<typeof createMqttClient>;

/**
 * One broker connection shared by the bridge and the `mqtt` gateway driver. mqtt.js reconnects
 * after a fixed period and silently queues publishes while offline (unbounded), so each attempt
 * here is a fresh mqtt.js client with reconnect off: we own the backoff (src/reconnect), refuse
 * publishes while disconnected (callers keep their own bounded queues) and resubscribe ourselves.
 */
export function createMqttClient(deps: { log: Logger }, options: MqttClientOptions) {
  const { log } = deps;
  const shownUrl = withoutCredentials(options.url);
  const events = new EventEmitter<{ online: []; offline: [] }>();
  const subscriptions = new Set<Subscription>();
  const backoff = createReconnectBackoff(options);
  /** Publishes awaiting their PUBACK on the current connection; failed when it closes. */
  const pending = new Set<(error: Error) => void>();
  let client: MqttClient | undefined;
  let online = false;
  let stopped = true;
  let timer: NodeJS.Timeout | undefined;
  let lastError: string | undefined;
  let connects = 0;
  let failures = 0;

  function subscribeOnBroker(c: MqttClient, filters: ReadonlyMap<string, Qos>): void {
    for (const [filter, qos] of filters) {
      c.subscribe(filter, { qos }, (error, granted) => {
        const refused = granted?.find((g) => g.qos === 128);
        if (error || refused) log.error({ filter, err: error ? messageOf(error) : "refused by the broker (ACL?)" }, "MQTT subscribe failed");
      });
    }
  }

  function wantedFilters(): Map<string, Qos> {
    const filters = new Map<string, Qos>();
    for (const s of subscriptions) filters.set(s.filter, Math.max(filters.get(s.filter) ?? 0, s.qos) as Qos);
    return filters;
  }

  function attempt(): void {
    timer = undefined;
    if (stopped) return;
    void loadMqtt().then(dial, (error: unknown) => log.error({ err: messageOf(error) }, "cannot load mqtt.js"));
  }

  const noLog = (): void => undefined;

  function dial({ connect }: typeof import("mqtt")): void {
    if (stopped) return;
    const settings: IClientOptions = {
      clientId: options.clientId,
      protocolVersion: options.protocolVersion,
      keepalive: options.keepaliveS,
      connectTimeout: options.connectTimeoutMs,
      reconnectPeriod: 0,
      clean: true,
      resubscribe: false,
      queueQoSZero: false,
      // With the default (true) mqtt.js re-arms its keepalive timer on every PUBACK, a new timer per
      // reading; off, it pings once per keepalive whatever the traffic and a missing PINGRESP still
      // closes the link after 1.5 keepalives (mqtt.js KeepaliveManager), so nothing is lost.
      reschedulePings: false,
      // mqtt.js calls its `debug` logger about ten times per publish and PUBACK; disabled, each call
      // still gathers its arguments into an array, which without the optimizing compiler (the unit's
      // --no-opt) is garbage per reading. DEBUG=mqttjs* keeps mqtt.js's own logging available.
      ...(process.env["DEBUG"] ? {} : { log: noLog }),
      will: { topic: options.statusTopic, payload: Buffer.from("offline"), qos: 1, retain: true },
      ...(options.username !== undefined ? { username: options.username } : {}),
      ...(options.password !== undefined ? { password: options.password } : {}),
      ...(options.ca !== undefined ? { ca: options.ca, rejectUnauthorized: true } : {}),
    };
    const c = connect(options.url, settings);
    client = c;
    let closed = false;

    c.on("connect", () => {
      online = true;
      // The backoff starts over only if this connection lasts: a broker that accepts and drops at
      // once (ACL kick, two agents sharing a clientId) must not be hammered at the minimum delay.
      backoff.up();
      connects++;
      lastError = undefined;
      log.info({ url: shownUrl, clientId: options.clientId }, "MQTT connected");
      subscribeOnBroker(c, wantedFilters());
      c.publish(options.statusTopic, "online", { qos: 1, retain: true }, (error) => {
        if (error) log.warn({ err: messageOf(error) }, "could not publish the online status");
      });
      events.emit("online");
    });
    c.on("message", (topic, payload, packet) => {
      for (const s of subscriptions) {
        if (!topicMatches(s.filter, topic)) continue;
        try {
          const props = packet.properties;
          s.handler(topic, payload, packet.retain, {
            ...(props?.responseTopic !== undefined ? { responseTopic: props.responseTopic } : {}),
            ...(props?.correlationData !== undefined ? { correlationData: props.correlationData } : {}),
          });
        } catch (error) {
          log.error({ topic, err: messageOf(error) }, "MQTT message handler failed");
        }
      }
    });
    c.on("error", (error) => {
      // Connection refused, TLS failures and CONNACK refusals (bad credentials) land here; the
      // stream closes right after and the close handler schedules the retry.
      lastError = messageOf(error);
    });
    c.on("close", () => {
      if (closed) return;
      closed = true;
      const wasOnline = online;
      online = false;
      for (const reject of pending) reject(new Error("MQTT connection closed before the broker acknowledged"));
      pending.clear();
      c.removeAllListeners("message");
      c.end(true);
      if (client === c) client = undefined;
      if (wasOnline) events.emit("offline");
      if (stopped) return;
      failures++;
      const delay = backoff.next();
      log.warn({ url: shownUrl, err: lastError ?? "connection closed", retryInMs: delay, attempt: backoff.attempts }, "MQTT disconnected; retrying");
      timer = setTimeout(attempt, delay);
    });
  }

  /**
   * `done` runs exactly once: after the PUBACK (QoS 1), the write (QoS 0), or with the error when the
   * broker refuses or the connection closes first. The callback form is the per-reading path
   * (src/mqtt/readings-transport.ts): no promise and closure chain per reading.
   */
  function publishWithCallback(topic: string, payload: string | Buffer, publishOptions: PublishOptions, done: (error?: Error) => void): void {
    const c = client;
    if (!online || !c) return done(new IotError("SERVICE_UNREACHABLE", "MQTT broker not connected"));
    let settled = false;
    // mqtt.js's callback itself (one closure per publish, not two); it passes null or nothing on success.
    const finish = (error?: Error | null): void => {
      if (settled) return;
      settled = true;
      pending.delete(finish);
      done(error ?? undefined);
    };
    pending.add(finish);
    const { correlationData } = publishOptions;
    const settings = correlationData === undefined ? publishOptions : options.protocolVersion === 5 ? { qos: publishOptions.qos, retain: publishOptions.retain, properties: { correlationData } } : { qos: publishOptions.qos, retain: publishOptions.retain };
    c.publish(topic, payload, settings, finish);
  }

  function publish(topic: string, payload: string | Buffer, publishOptions: PublishOptions): Promise<void> {
    return new Promise<void>((resolve, reject) => publishWithCallback(topic, payload, publishOptions, (error) => (error ? reject(error) : resolve())));
  }

  function subscribe(filter: string, handler: Subscription["handler"], qos: Qos = 1): () => void {
    const problem = filterProblem(filter);
    if (problem) throw new IotError("BAD_INPUT", `MQTT topic filter ${JSON.stringify(filter)}: ${problem}`);
    const entry: Subscription = { filter, qos, handler };
    const isNew = ![...subscriptions].some((s) => s.filter === filter);
    subscriptions.add(entry);
    if (online && client && isNew) subscribeOnBroker(client, new Map([[filter, qos]]));
    return () => {
      subscriptions.delete(entry);
      const stillWanted = [...subscriptions].some((s) => s.filter === filter);
      if (!stillWanted && online && client) client.unsubscribe(filter);
    };
  }

  const link: MqttLink = {
    subscribe: (filter, handler) => subscribe(filter, (topic, payload) => handler(topic, payload)),
    publish: (topic, payload, publishOptions) => publish(topic, payload, publishOptions),
    isConnected: () => online,
    onConnectionChange(listener) {
      const up = (): void => listener(true);
      const down = (): void => listener(false);
      events.on("online", up);
      events.on("offline", down);
      return () => {
        events.off("online", up);
        events.off("offline", down);
      };
    },
  };

  return {
    events,
    link,
    publish,
    publishWithCallback,
    subscribe,
    isConnected: () => online,
    stats: () => ({ connects, failures, ...(lastError !== undefined ? { lastError } : {}) }),

    /** Connects in the background: a broker that is down at start is retried, never fatal. */
    start(signal: AbortSignal): void {
      if (!stopped) return;
      stopped = false;
      signal.addEventListener("abort", () => void this.stop(), { once: true });
      attempt();
    },

    /** Waits up to `timeoutMs` for the first connection (tests, `run` start-up logs). */
    waitOnline(timeoutMs: number): Promise<boolean> {
      if (online) return Promise.resolve(true);
      return new Promise((resolve) => {
        const done = (): void => { clearTimeout(t); resolve(true); };
        const t = setTimeout(() => { events.off("online", done); resolve(false); }, timeoutMs);
        t.unref();
        events.once("online", done);
      });
    },

    /**
     * A clean DISCONNECT makes the broker drop the last will (MQTT 3.1.1 section 3.1.2.5), so the
     * retained `offline` is published explicitly first.
     */
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
      const c = client;
      if (!c) return;
      if (online) {
        await Promise.race([
          publish(options.statusTopic, "offline", { qos: 1, retain: true }).catch((error: unknown) => {
            log.warn({ err: messageOf(error) }, "could not publish the offline status");
          }),
          new Promise((resolve) => setTimeout(resolve, 2000).unref()),
        ]);
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => { c.end(true); resolve(); }, 2000);
        c.end(false, {}, () => { clearTimeout(t); resolve(); });
      });
      online = false;
      client = undefined;
    },
  };
}

/** `mqtt://user:secret@host` -> `mqtt://host` for logs: credentials in the URL never reach a log. */
export function withoutCredentials(url: string): string {
  return url.replace(/^([a-z]+:\/\/)[^@/]*@/i, "$1");
}

let mqttModule: Promise<typeof import("mqtt")> | undefined;

/** mqtt.js loads on the first connect: an agent without MQTT does not pay its ~20 MB of RSS. */
function loadMqtt(): Promise<typeof import("mqtt")> {
  if (!mqttModule) quietMqttDebug();
  return (mqttModule ??= import("mqtt"));
}
