import xml, { type Element } from "@xmpp/xml";
import type { Logger } from "pino";
import { messageOf } from "../errors.js";
import { decodeSenmlXml } from "../senml/xml.js";
import { createConnection } from "../xmpp/connection.js";
import { NS_PUBSUB, NS_PUBSUB_EVENT } from "../xmpp/pubsub-nodes.js";

export interface WatchedReading {
  readonly node: string;
  readonly itemId: string;
  readonly device: string;
  readonly channel: string;
  readonly value: number | boolean | string;
  readonly unit?: string;
  readonly time?: number;
  readonly quality?: readonly string[];
  readonly receivedAt: number;
}

export interface WatcherOptions {
  readonly service: string;
  readonly jid: string;
  readonly password: string;
  readonly tlsRequired: boolean;
  readonly ca?: string;
  /** Pubsub service JID, or undefined with `pep` set to the agent's bare JID. */
  readonly pubsub?: string;
  readonly pep?: string;
  readonly prefix: string;
  /** How often to look for nodes created after the start. */
  readonly discoverEveryMs?: number;
}

/** Subscribes (XEP-0060 section 6.1) to every node under the prefix and decodes SenML items. */
export function createWatcher(deps: { log: Logger; onReading: (reading: WatchedReading) => void }, options: WatcherOptions) {
  const [username, domain] = options.jid.split("@") as [string, string];
  const connection = createConnection({ log: deps.log }, {
    service: options.service, domain, username, password: options.password, resource: `watch-${process.pid}`,
    tlsRequired: options.tlsRequired, ...(options.ca !== undefined ? { ca: options.ca } : {}),
    reconnectMinMs: 500, reconnectMaxMs: 10_000, pingIntervalMs: 30_000, pingTimeoutMs: 10_000,
  });
  const target = options.pubsub ?? options.pep;
  const subscribed = new Set<string>();
  let timer: NodeJS.Timeout | undefined;

  const onStanza = (stanza: Element): void => {
    if (!stanza.is("message")) return;
    const items = stanza.getChild("event", NS_PUBSUB_EVENT)?.getChild("items");
    if (!items) return;
    const node = items.attrs["node"] ?? "";
    for (const item of items.getChildren("item")) {
      const sensml = item.getChild("sensml");
      if (!sensml) continue;
      for (const record of decodeSenmlXml(sensml)) {
        const device = record.baseName.replace(/\/$/, "").split("/").pop() ?? "";
        deps.onReading({
          node, itemId: item.attrs["id"] ?? "", device, channel: record.name, value: record.value,
          ...(record.unit !== undefined ? { unit: record.unit } : {}),
          ...(record.time !== undefined ? { time: record.time } : {}),
          ...(record.quality ? { quality: record.quality } : {}),
          receivedAt: Date.now(),
        });
      }
    }
  };

  async function discover(): Promise<void> {
    if (!connection.isOnline() || target === undefined) return;
    try {
      const result = await connection.request(xml("iq", { type: "get", to: target }, xml("query", { xmlns: "http://jabber.org/protocol/disco#items" })));
      const nodes = (result.getChild("query")?.getChildren("item") ?? []).map((i) => i.attrs["node"]).filter((n): n is string => n !== undefined && n.startsWith(options.prefix));
      for (const node of nodes) {
        if (subscribed.has(node)) continue;
        await connection.request(xml("iq", { type: "set", to: target }, xml("pubsub", { xmlns: NS_PUBSUB }, xml("subscribe", { node, jid: `${username}@${domain}` }))));
        subscribed.add(node);
        deps.log.info({ node }, "subscribed");
      }
    } catch (error) {
      deps.log.warn({ err: messageOf(error) }, "node discovery or subscription failed");
    }
  }

  return {
    subscribed: (): readonly string[] => [...subscribed],
    async start(signal: AbortSignal): Promise<void> {
      connection.events.on("stanza", onStanza);
      connection.events.on("online", () => { subscribed.clear(); void discover(); });
      await connection.start(signal);
      await connection.send(xml("presence"));
      timer = setInterval(() => void discover(), options.discoverEveryMs ?? 3000);
    },
    async stop(): Promise<void> {
      clearInterval(timer);
      connection.events.off("stanza", onStanza);
      await connection.stop();
    },
  };
}

/** `greenhouse/temperature  21.53 Cel  age 0.02s` */
export function formatWatched(r: WatchedReading): string {
  const value = typeof r.value === "number" ? String(Math.round(r.value * 1000) / 1000) : String(r.value);
  const age = r.time !== undefined ? `age ${Math.max(0, (r.receivedAt / 1000 - r.time)).toFixed(2)}s` : "";
  const quality = r.quality && r.quality.length > 0 ? ` [${r.quality.join(",")}]` : "";
  return `${`${r.device}/${r.channel}`.padEnd(28)} ${`${value}${r.unit !== undefined ? ` ${r.unit}` : ""}`.padEnd(18)} ${age}${quality}`;
}
