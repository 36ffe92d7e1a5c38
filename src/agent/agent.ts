import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "pino";
import { createAcl } from "../commands/acl.js";
import { createAlertEngine } from "../alerts/engine.js";
import { createCommandRegistry } from "../commands/index.js";
import type { LoadedConfig } from "../config/load.js";
import { createDeviceManager } from "../device-manager/device-manager.js";
import { createHistory } from "../history/rollup.js";
import { createMqttBridge, createMqttClientFromConfig } from "../mqtt/bridge.js";
import { IotError, messageOf } from "../errors/catalog.js";
import { createPipeline } from "../pipeline/pipeline.js";
import type { Reading } from "../readings/reading.js";
import { createDeliverySink, type DeliverySink } from "../delivery/engine.js";
import type { ReadingSink, Transport } from "../delivery/types.js";
import { collectStatus, sinkProblems, type AgentStatus, type MqttBridgeStatus } from "../status/status.js";
import { createAdhoc } from "../xmpp/adhoc/index.js";
import { createChat } from "../xmpp/chat.js";
import { createConnection } from "../xmpp/connection.js";
import { createMuc } from "../xmpp/muc.js";
import { createDisco } from "../xmpp/disco.js";
import { createPresence } from "../xmpp/presence.js";
import { createPubsubTransport } from "../xmpp/pubsub-transport.js";
import { openOutbox } from "../outbox/index.js";
import { createHeapGovernor, defaultHeapSlackMb } from "../runtime/heap-governor.js";

/** Anything with listeners or timers that the agent starts after the core and stops before it. */
export interface AgentPart {
  readonly name: string;
  start(signal: AbortSignal): Promise<void> | void;
  stop(): Promise<void> | void;
}

/**
 * The composition root: every part is created here and nowhere else, started in order and
 * stopped in reverse (Zigbee2MQTT's controller and fastify's close order are the models).
 */
export function createAgent(loaded: LoadedConfig, log: Logger) {
  const { config, password } = loaded;
  const [username, domain] = config.xmpp.jid.split("@") as [string, string];
  const startedAt = Date.now();
  log.debug({ config }, "configuration loaded");
  const sinks: ReadingSink[] = [];
  /** The sinks behind an outbox: flushed at stop before their connections close. */
  const deliveries: DeliverySink[] = [];
  /**
   * A transport becomes a sink with its own outbox: durable under `<outbox.path>/<name>` when the
   * outbox section is configured, else in memory with the sink's own bound (`memoryBound`).
   */
  const deliver = (transport: Transport, memoryBound: number): DeliverySink => {
    const sink = createDeliverySink({ transport, outbox: openOutbox({ log: log.child({ part: "outbox" }) }, transport.name, config.outbox, memoryBound), log: log.child({ part: transport.name }) });
    deliveries.push(sink);
    sinks.push(sink);
    return sink;
  };
  const parts: AgentPart[] = [];
  const channelsById = new Map(config.devices.map((d) => [d.id, d.channels ?? {}]));
  const unnamedBoundById = new Map(config.devices.map((d) => [d.id, d.maxUnnamedChannels]));
  const rejectLogAt = new Map<string, number>();

  // The minute rollup behind `history`: fed like a sink, but not a delivery, so not in `status`.
  const historyPath = config.history.path ?? (process.env["STATE_DIRECTORY"] ? join(process.env["STATE_DIRECTORY"].split(":")[0]!, "history.jsonl") : undefined);
  const history = createHistory({ log: log.child({ part: "history" }) }, { maxRecords: config.history.maxRecords, ...(historyPath !== undefined ? { path: historyPath } : {}) });
  history.load();

  const pipeline = createPipeline({
    channels: (device) => channelsById.get(device),
    maxUnnamedChannels: (device) => unnamedBoundById.get(device),
    // Indexed: under the unit's --no-opt a for-of allocates an iterator per reading.
    onReading: (reading: Reading) => { history.accept(reading); for (let i = 0; i < sinks.length; i++) sinks[i]!.accept(reading); },
    onRejected: (device, channel, reason) => {
      // Garbage is counted always, logged at most once a second per device (one noisy device must not hide another).
      if (Date.now() - (rejectLogAt.get(device) ?? 0) > 1000) { rejectLogAt.set(device, Date.now()); log.warn({ device, channel, reason }, "sample rejected"); }
    },
  });
  // MQTT bridge: the broker connection exists before the devices so `mqtt` gateway devices share it.
  const mqttClient = config.mqtt ? createMqttClientFromConfig(config, config.mqtt, log.child({ part: "mqtt" })) : undefined;
  const devices = createDeviceManager({ devices: config.devices, pipeline, log: log.child({ part: "devices" }), ...(mqttClient ? { mqtt: mqttClient.link } : {}) });
  const connection = createConnection({ log: log.child({ part: "xmpp" }) }, {
    service: config.xmpp.service ?? `xmpp://${domain}:5222`,
    domain, username, password,
    resource: config.xmpp.resource,
    tlsRequired: config.xmpp.tls === "required",
    ...(config.xmpp.caFile !== undefined ? { ca: readCa(config.xmpp.caFile) } : {}),
    reconnectMinMs: config.xmpp.reconnectMinMs,
    reconnectMaxMs: config.xmpp.reconnectMaxMs,
    pingIntervalMs: config.xmpp.pingIntervalMs,
    pingTimeoutMs: config.xmpp.pingTimeoutMs,
    connectTimeoutMs: config.xmpp.connectTimeoutMs,
  });
  const acl = createAcl(config.acl);
  const disco = createDisco({ connection }, { category: "client", type: "bot", name: `xmpp-iot ${config.name}` });
  disco.addFeature("http://jabber.org/protocol/commands");
  const presence = createPresence({ connection, devices, disco, acl, log: log.child({ part: "presence" }), problems: () => sinkProblems(sinks) });
  const pubsubConfig = config.pubsub ?? { nodePrefix: "sensors/", access: "acl" as const, maxItems: 10, persistItems: true, maxPending: 10_000 };
  deliver(createPubsubTransport({ connection, log: log.child({ part: "pubsub" }) }, {
    service: config.pubsub?.service,
    nodePrefix: pubsubConfig.nodePrefix,
    ...(config.pubsub?.batch ? { batch: config.pubsub.batch } : {}),
    settings: {
      maxItems: pubsubConfig.maxItems,
      persistItems: pubsubConfig.persistItems,
      // DESIGN: "acl" = whitelist on a pubsub service, the presence model on PEP.
      accessModel: pubsubConfig.access === "open" ? "open" : config.pubsub?.service ? "whitelist" : "presence",
      members: acl.members(),
    },
  }), pubsubConfig.maxPending);

  let mqttStatus: (() => MqttBridgeStatus) | undefined;
  const status = (): AgentStatus => collectStatus({
    name: config.name, jid: connection.jid, connected: connection.isOnline(), startedAt, devices, pipeline, sinks,
    ...(mqttStatus ? { mqtt: mqttStatus } : {}),
  });

  // Control: one registry for ad-hoc, chat, rooms (and MQTT); alerts as a sink.
  const commands = createCommandRegistry({ devices, pipeline, status, history });
  const adhoc = createAdhoc({ connection, disco, acl, registry: commands, log: log.child({ part: "adhoc" }) },
    { sessionTtlMs: config.commands.sessionTimeoutS * 1000, maxSessions: config.commands.maxSessions, maxSessionsPerJid: config.commands.maxSessionsPerJid });
  adhoc.register();
  const chat = createChat({ connection, acl, registry: commands, log: log.child({ part: "chat" }) }, config.chat);
  const rooms = [...new Set([...config.chat.rooms, ...config.alerts.flatMap((a) => (a.room !== undefined ? [a.room] : []))].map((r) => r.toLowerCase()))];
  const muc = createMuc({ connection, acl, registry: commands, log: log.child({ part: "muc" }) }, { ...config.chat, rooms, nick: config.chat.nick ?? config.name });
  parts.push(adhoc, chat, muc, history);
  parts.push(createHeapGovernor({ log: log.child({ part: "memory" }) }, { slackBytes: (config.memory.heapSlackMb ?? defaultHeapSlackMb(process.execArgv)) * 1048576 }));
  let mqttAlerts: ReturnType<typeof createMqttBridge>["alerts"] | undefined;
  if (mqttClient && config.mqtt) {
    const mqtt = createMqttBridge({ client: mqttClient, devices, pipeline, registry: commands, agentBareJid: connection.bareJid, log: log.child({ part: "mqtt" }) }, config, config.mqtt);
    deliver(mqtt.transport, config.mqtt.maxPending);
    parts.push(mqtt);
    mqttAlerts = mqtt.alerts;
    mqttStatus = mqtt.status;
  }
  if (config.alerts.length > 0) {
    sinks.push(createAlertEngine({ rules: config.alerts, log: log.child({ part: "alerts" }), devices,
      delivery: { toJid: (jid, body) => chat.send(jid, body), toRoom: (room, body) => muc.send(room, body), online: () => connection.isOnline(),
        ...(mqttAlerts ? { mqtt: mqttAlerts } : {}) } }));
  }

  const controller = new AbortController();
  let started = false;
  const failed = new Promise<IotError>((resolve) => connection.events.once("failed", resolve));

  return {
    config, log, connection, devices, pipeline, acl, disco, presence, sinks, status, commands,
    addSink(sink: ReadingSink): void { sinks.push(sink); },

    /**
     * Starts everything at once: devices and the outbox run while XMPP connects in the background
     * with backoff (a Pi that boots before its network keeps its readings). Only a refused login
     * is final: `failed` resolves with it (AUTH_FAILED, exit 69).
     */
    async start(signal?: AbortSignal): Promise<void> {
      signal?.addEventListener("abort", () => controller.abort(), { once: true });
      disco.start();
      presence.start();
      for (const sink of sinks) await sink.start(controller.signal);
      for (const part of parts) {
        try { await part.start(controller.signal); } catch (error) {
          log.error({ part: part.name, err: messageOf(error) }, "part failed to start; the agent keeps running without it");
        }
      }
      await devices.start(controller.signal);
      connection.startInBackground(controller.signal);
      started = true;
      log.info({ devices: config.devices.length, jid: connection.jid, xmpp: "connecting in the background" }, "agent started");
    },

    /** Resolves when the first session is up; rejects with the login refusal, or after `timeoutMs` with the last connect failure. */
    online(timeoutMs: number): Promise<void> {
      return connection.waitOnline(timeoutMs);
    },

    /** Resolves with the refusal when the server refused the login before any session (wrong password). */
    failed,

    async stop(reason = "shutting down"): Promise<void> {
      if (!started && controller.signal.aborted) return;
      started = false;
      await devices.stop();
      // Before the parts: the MQTT bridge closes its connection when it stops.
      await Promise.all(deliveries.map(async (sink) => {
        if (!(await sink.flush(5000))) log.warn({ sink: sink.name, pending: sink.status().pending }, "stopping with readings not yet acknowledged");
      }));
      for (const part of [...parts].reverse()) {
        try { await part.stop(); } catch (error) { log.warn({ part: part.name, err: messageOf(error) }, "part stop failed"); }
      }
      await presence.goodbye(reason);
      for (const sink of [...sinks].reverse()) await sink.stop();
      controller.abort();
      await connection.stop();
      log.info("agent stopped");
    },
  };
}

export type Agent = ReturnType<typeof createAgent>;

function readCa(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw new IotError("CONFIG_INVALID", `xmpp.caFile: cannot read ${file} (${messageOf(error)})`, { details: [`xmpp.caFile: cannot read ${file} (${messageOf(error)})`] });
  }
}
