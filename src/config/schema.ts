import { hostname } from "node:os";
import { z } from "zod";
import { deviceSchema } from "../../devices/index.js";
import { channelType, identifierSchema } from "../device-contract/index.js";
import { alertRuleSchema, parseRule, ruleDevice } from "../alerts/rules.js";
import { deviceClassProblem } from "../home-assistant/device-classes.js";
import { reconnectShape } from "../reconnect/config.js";

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

const bareJid = z
  .string()
  .regex(/^[^@/\s]+@[^@/\s]+$/, "a bare JID like alice@example.org");

export const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(["127.0.0.1", "::1", "[::1]", "localhost"]);

/** Reconnect backoff to the XMPP server and to the MQTT broker (src/reconnect/backoff.ts). */
const serverReconnect = reconnectShape({ reconnectMinMs: 1000, reconnectMaxMs: 60_000 }, { floorMs: 100 });

const xmppSchema = z
  .strictObject({
    /** xmpp://host:port; defaults to the JID's domain on 5222. */
    service: z.string().regex(/^xmpps?:\/\/[^/]+$/, "an URL like xmpp://host:5222").optional(),
    jid: bareJid,
    password: z.string().min(1).optional(),
    passwordFile: z.string().min(1).optional(),
    resource: z.string().min(1).max(64).default("agent"),
    tls: z.enum(["required", "off"]).default("required"),
    /** PEM file of a private CA or a self-signed server certificate to trust (no "ignore TLS errors"). */
    caFile: z.string().min(1).optional(),
    ...serverReconnect,
    /** XEP-0199 ping to the server to notice a half-open link. */
    pingIntervalMs: z.number().int().min(1000).default(30_000),
    pingTimeoutMs: z.number().int().min(500).default(10_000),
    /** Bound of each step of a connect (TCP, the server's stream header, TLS + login); then it retries. */
    connectTimeoutMs: z.number().int().min(1000).max(300_000).default(15_000),
  })
  .refine((x) => !(x.password !== undefined && x.passwordFile !== undefined), {
    message: "give either password or passwordFile, not both",
    path: ["passwordFile"],
  });

const pubsubSchema = z.strictObject({
  /** The pubsub service JID; absent = the agent's own PEP. */
  service: z.string().min(1).optional(),
  nodePrefix: z.string().default("sensors/"),
  access: z.enum(["acl", "open"]).default("acl"),
  maxItems: z.number().int().min(1).max(10_000).default(10),
  persistItems: z.boolean().default(true),
  /** Readings kept in memory while offline; at the bound the oldest are dropped and counted. */
  maxPending: z.number().int().min(1).max(1_000_000).default(10_000),
  /**
   * Off unless present: readings of one node wait up to `windowMs` and go out as one item (a SenML
   * pack, id = its first reading's id), at most `maxReadings` per item (1000 x ~100 bytes stays
   * well under servers' stanza size limits).
   */
  batch: z.strictObject({
    windowMs: z.number().int().min(0).max(60_000).default(100),
    maxReadings: z.number().int().min(1).max(1000).default(100),
  }).optional(),
});

const aclSchema = z.strictObject({
  admins: z.array(bareJid).default([]),
  readers: z.array(bareJid).default([]),
});

/** The MQTT bridge (src/mqtt): readings, status, commands and Home Assistant discovery. */
const mqttSchema = z
  .strictObject({
    url: z.string().regex(/^(mqtts?|wss?|tcp|ssl):\/\/[^/]+/, "an URL like mqtt://127.0.0.1:1883"),
    /** Default `xmpp-iot/<name>`. */
    topicPrefix: z.string().min(1).regex(/^(?![$/])[^+#]*(?<!\/)$/, "a topic without '+', '#', a leading '$' or '/', or a trailing '/'").optional(),
    /** Default `xmpp-iot-<name>`; broker ACLs can match it with %c. */
    clientId: z.string().min(1).max(128).optional(),
    username: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    passwordFile: z.string().min(1).optional(),
    /** PEM file of a private CA or a self-signed broker certificate, for mqtts:// and wss://. */
    caFile: z.string().min(1).optional(),
    qos: z.union([z.literal(0), z.literal(1), z.literal(2)]).default(1),
    retain: z.boolean().default(true),
    /** No `/set` subscription; command topics run with the reader role (set is refused). */
    readOnly: z.boolean().default(false),
    protocolVersion: z.union([z.literal(4), z.literal(5)]).default(4),
    keepaliveS: z.number().int().min(5).max(3600).default(30),
    ...serverReconnect,
    /** Readings kept in memory while the broker is down; at the bound the oldest are dropped and counted. */
    maxPending: z.number().int().min(1).max(1_000_000).default(10_000),
    homeAssistant: z
      .strictObject({
        enabled: z.boolean().default(true),
        discoveryPrefix: z.string().min(1).regex(/^[^+#]+$/, "a topic without '+' or '#'").default("homeassistant"),
        /** Linked from every device without its own `configurationUrl` (e.g. where the dashboard is served). */
        configurationUrl: z.string().regex(/^(https?|homeassistant):\/\/\S+$/, "an URL like http://pi.local:8080/").optional(),
      })
      .optional(),
  })
  .refine((x) => !(x.password !== undefined && x.passwordFile !== undefined), {
    message: "give either password or passwordFile, not both",
    path: ["passwordFile"],
  })
  .refine((x) => !/^[a-z]+:\/\/[^/]*@/i.test(x.url), {
    // A password in the URL would sit in logs and `ps`; it has its own keys.
    message: "no credentials in the URL; use mqtt.username and mqtt.passwordFile (or XMPP_IOT_MQTT_PASSWORD)",
    path: ["url"],
  })
  .refine((x) => x.caFile === undefined || /^(mqtts|wss|ssl):/.test(x.url), {
    message: "caFile needs a TLS URL (mqtts:// or wss://)",
    path: ["caFile"],
  });

/** The durable outbox (src/outbox): one directory per sink under `path`, bounded per sink. */
const outboxSchema = z.strictObject({
  path: z.string().min(1),
  maxReadings: z.number().int().min(1).max(10_000_000).default(100_000),
  /** fdatasync at most this often while readings flow (power-cut window vs. SD card wear); 0 = every batch. */
  syncIntervalMs: z.number().int().min(0).max(60_000).default(1000),
});

/** Chat commands (one-to-one and in rooms) and the XEP-0045 rooms the agent joins. */
const chatSchema = z.strictObject({
  /** Per-JID rate limit (src/commands/rate-limit.ts): at most `burst` lines in any 10 s and `perMinute` in any 60 s. */
  burst: z.number().int().min(1).max(100).default(20),
  perMinute: z.number().int().min(1).max(600).default(30),
  /** Rooms joined besides those named by alert rules. */
  rooms: z.array(bareJid).default([]),
  /** Nick in rooms; default: the agent's name. */
  nick: z.string().min(1).max(64).optional(),
});

/** The minute rollup behind the `history` command (src/history). */
const historySchema = z.strictObject({
  /** JSON-lines file; absent: $STATE_DIRECTORY/history.jsonl under systemd, else memory only. */
  path: z.string().min(1).optional(),
  /** Minute records kept, all channels together (about 80 bytes each on disk); 7 days of 6 channels is 60 480. */
  maxRecords: z.number().int().min(60).max(2_000_000).default(100_000),
});

/** XEP-0050 ad-hoc sessions: bounded in number, expiring without activity. */
const commandsSchema = z.strictObject({
  /** An ad-hoc session idle this long is dropped (a form left open on a phone). */
  sessionTimeoutS: z.number().min(1).max(86_400).default(120),
  /** All open ad-hoc sessions; when full, the account holding the most (readers first) gives one up. */
  maxSessions: z.number().int().min(1).max(10_000).default(64),
  /** Per account (bare JID, all resources together); past it the account's oldest session is dropped. */
  maxSessionsPerJid: z.number().int().min(1).max(1000).default(4),
});

/** src/runtime/heap-governor.ts: collect early so RSS stays near the live heap (small boards). */
const memorySchema = z.strictObject({
  /**
   * MB the JS heap may grow past the last full GC before the next one; 0 = V8's own policy (+8 MB).
   * Absent: src/runtime/heap-governor.ts defaultHeapSlackMb (2 without the optimizing compiler, else 0).
   */
  heapSlackMb: z.number().min(0).max(1024).optional(),
});

const logSchema = z.strictObject({
  level: z.enum(LOG_LEVELS).default("info"),
  /** auto: readable lines in a terminal, journal lines under systemd, JSON lines otherwise. */
  format: z.enum(["auto", "json", "pretty"]).default("auto"),
});

export const configSchema = z
  .strictObject({
    name: identifierSchema.default(() => hostname().replace(/[^A-Za-z0-9_.-]/g, "-")),
    xmpp: xmppSchema,
    pubsub: pubsubSchema.optional(),
    acl: aclSchema.default({ admins: [], readers: [] }),
    devices: z.array(deviceSchema).default([]),
    mqtt: mqttSchema.optional(),
    outbox: outboxSchema.optional(),
    log: logSchema.default({ level: "info", format: "auto" }),
    memory: memorySchema.default({}),
    chat: chatSchema.default({ burst: 20, perMinute: 30, rooms: [] }),
    commands: commandsSchema.default({ sessionTimeoutS: 120, maxSessions: 64, maxSessionsPerJid: 4 }),
    history: historySchema.default({ maxRecords: 100_000 }),
    alerts: z.array(alertRuleSchema).default([]),
  })
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.devices.forEach((device, index) => {
      if (seen.has(device.id)) ctx.addIssue({ code: "custom", path: ["devices", index, "id"], message: `duplicate device id "${device.id}"` });
      seen.add(device.id);
      for (const [name, channel] of Object.entries(device.channels ?? {})) {
        // Checked against the type discovery will announce: the contract's rule, not only a declared `type`.
        const problem = channel.deviceClass === undefined ? undefined : deviceClassProblem(channel.deviceClass, { ...channel, type: channelType(channel) });
        if (problem) ctx.addIssue({ code: "custom", path: ["devices", index, "channels", name, "deviceClass"], message: problem });
      }
      if (device.driver === "mqtt" && config.mqtt === undefined) {
        ctx.addIssue({ code: "custom", path: ["devices", index, "driver"], message: "the mqtt driver needs the top-level mqtt section (the broker to subscribe to)" });
      }
      // `<prefix>/command/<name>` are the MQTT command topics: a device called "command" would
      // publish its readings onto them.
      if (device.id === "command" && config.mqtt !== undefined) {
        ctx.addIssue({ code: "custom", path: ["devices", index, "id"], message: "\"command\" is reserved by the MQTT command topics; choose another id" });
      }
    });
    config.alerts.forEach((rule, index) => {
      const parsed = parseRule(rule.when);
      const device = parsed.ok ? ruleDevice(parsed) : undefined;
      if (device !== undefined && device !== "*" && !seen.has(device)) {
        ctx.addIssue({ code: "custom", path: ["alerts", index, "when"], message: `no device "${device}" in devices (have: ${[...seen].join(", ") || "none"})` });
      }
      // A deadband suppresses a steady value: without a heartbeat shorter than the silence the
      // alert would fire on a sensor that is fine.
      if (parsed.ok && parsed.kind === "stale") {
        const channel = config.devices.find((d) => d.id === parsed.device)?.channels?.[parsed.channel];
        if (channel?.deadband !== undefined && !(channel.maxIntervalMs !== undefined && channel.maxIntervalMs < parsed.afterMs)) {
          ctx.addIssue({ code: "custom", path: ["alerts", index, "when"], message: `${parsed.device}/${parsed.channel} has a deadband, so a steady value is not republished: give it maxIntervalMs below ${parsed.afterMs} ms` });
        }
      }
    });
    if (config.xmpp.tls === "off") {
      const host = config.xmpp.service ? new URL(config.xmpp.service).hostname : config.xmpp.jid.split("@")[1] ?? "";
      if (!LOOPBACK_HOSTS.has(host)) {
        ctx.addIssue({ code: "custom", path: ["xmpp", "tls"], message: `"off" is accepted only for a loopback service (127.0.0.1, ::1, localhost), not ${host}` });
      }
    }
  });

export type Config = z.infer<typeof configSchema>;
export type XmppConfig = Config["xmpp"];
export type PubsubConfig = z.infer<typeof pubsubSchema>;
export type MqttConfig = z.infer<typeof mqttSchema>;
