import xml, { type Element } from "@xmpp/xml";
import type { Logger } from "pino";
import { createBackoff } from "../reconnect/backoff.js";
import { messageOf } from "../errors/catalog.js";
import { decodeSenmlXml, type DecodedRecord } from "../senml/decode.js";
import { addressOf } from "../senml/name.js";
import { createConnection } from "../xmpp/connection.js";
import { NS_PUBSUB, NS_PUBSUB_EVENT } from "../xmpp/pubsub-nodes.js";
import { bare } from "../xmpp/presence.js";

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
  /** Bounds of the retry after a refusal (forbidden, not in the ACL). */
  readonly retryMinMs?: number;
  readonly retryMaxMs?: number;
}

export interface WatcherDeps {
  readonly log: Logger;
  readonly onReading: (reading: WatchedReading) => void;
  /** Plain-words news for the person watching: subscriptions, refusals, waiting for approval. */
  readonly onNotice?: (text: string) => void;
}

const errorCondition = (error: unknown): string | undefined => (error as { condition?: string }).condition;

/**
 * Subscribes (XEP-0060 section 6.1) to every node under the prefix and decodes SenML items; prints
 * only events of nodes under the prefix from the watched service, whatever else the account is
 * subscribed to. With `pep`, first asks the agent for a presence subscription (RFC 6121 section
 * 3.1): the presence access model (XEP-0163) lets only approved contacts subscribe.
 */
export function createWatcher(deps: WatcherDeps, options: WatcherOptions) {
  const [username, domain] = options.jid.split("@") as [string, string];
  const connection = createConnection({ log: deps.log }, {
    service: options.service, domain, username, password: options.password, resource: `watch-${process.pid}`,
    tlsRequired: options.tlsRequired, ...(options.ca !== undefined ? { ca: options.ca } : {}),
    reconnectMinMs: 500, reconnectMaxMs: 10_000, pingIntervalMs: 30_000, pingTimeoutMs: 10_000,
  });
  const target = (options.pubsub ?? options.pep)!;
  const notice = deps.onNotice ?? (() => undefined);
  const subscribed = new Set<string>();
  const refusal = createBackoff({ minMs: options.retryMinMs ?? 3000, maxMs: options.retryMaxMs ?? 300_000 });
  let refusedNotified = false;
  let presence: "none" | "pending" | "approved" | "refused" = options.pep !== undefined ? "none" : "approved";
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let started = false;
  let busy = false;

  const approve = (): void => {
    if (presence === "approved") return;
    presence = "approved";
    notice(`${options.pep} approved the presence subscription; subscribing to its nodes`);
    void discover();
  };
  const refuse = (): void => {
    if (presence === "refused" || presence === "approved") return;
    presence = "refused";
    notice(`${options.pep} refused the presence subscription: ${options.jid} is not in its ACL (acl.readers or acl.admins); still asking, with growing pauses`);
  };

  const onPresence = (stanza: Element): void => {
    if (options.pep === undefined || bare(stanza.attrs["from"] ?? "") !== bare(options.pep)) return;
    const type = stanza.attrs["type"];
    // The agent's available presence goes only to approved contacts: approval on any server.
    if (type === "subscribed" || type === undefined) approve();
    else if (type === "unsubscribed") refuse();
    // The agent subscribes back to its approved contacts; agreeing keeps the roster tidy.
    else if (type === "subscribe") void connection.send(xml("presence", { to: bare(options.pep), type: "subscribed" })).catch(() => undefined);
  };

  /** RFC 6121 section 2.1.6 roster push: how Prosody tells of an approval or a refusal. */
  const onRosterPush = (query: Element): void => {
    const item = query.getChildren("item").find((i) => bare(i.attrs["jid"] ?? "") === bare(options.pep ?? ""));
    if (!item || presence === "none") return;
    const subscription = item.attrs["subscription"];
    if (subscription === "to" || subscription === "both") approve();
    else if (item.attrs["ask"] === undefined) refuse();
  };

  const onStanza = (stanza: Element): void => {
    if (stanza.is("presence")) { onPresence(stanza); return; }
    if (!stanza.is("message")) return;
    const items = stanza.getChild("event", NS_PUBSUB_EVENT)?.getChild("items");
    if (!items) return;
    const node = items.attrs["node"] ?? "";
    // Other subscriptions of the account (other services, other prefixes) are not printed.
    if (!node.startsWith(options.prefix) || bare(stanza.attrs["from"] ?? "") !== bare(target)) return;
    for (const item of items.getChildren("item")) {
      const sensml = item.getChild("sensml");
      if (!sensml) continue;
      let records: DecodedRecord[];
      try {
        records = decodeSenmlXml(sensml);
      } catch (error) {
        deps.log.warn({ node, item: item.attrs["id"], err: messageOf(error) }, "SenML item skipped");
        continue;
      }
      for (const record of records) {
        const { device, channel } = addressOf(record.name, node) ?? { device: "", channel: record.name };
        deps.onReading({
          node, itemId: item.attrs["id"] ?? "", device, channel, value: record.value,
          ...(record.unit !== undefined ? { unit: record.unit } : {}),
          ...(record.time !== undefined ? { time: record.time } : {}),
          ...(record.quality ? { quality: record.quality } : {}),
          receivedAt: Date.now(),
        });
      }
    }
  };

  /** Next look: soon while all is well, with growing pauses after a refusal. */
  const schedule = (ms: number): void => {
    clearTimeout(timer);
    if (!stopped) timer = setTimeout(() => void discover(), ms);
  };

  async function askPresence(): Promise<void> {
    if (options.pep === undefined || presence === "approved") return;
    if (presence === "none") {
      // Fetching the roster makes this session one that gets roster pushes (RFC 6121 section
      // 2.1.6), and says whether the agent approved us already.
      const roster = await connection.request(xml("iq", { type: "get" }, xml("query", { xmlns: "jabber:iq:roster" })));
      const item = roster.getChild("query")?.getChildren("item").find((i) => bare(i.attrs["jid"] ?? "") === bare(options.pep!));
      if (item?.attrs["subscription"] === "to" || item?.attrs["subscription"] === "both") { approve(); return; }
    }
    await connection.send(xml("presence", { to: bare(options.pep), type: "subscribe" }));
    if (presence === "none") {
      presence = "pending";
      notice(`asked ${options.pep} for a presence subscription (its PEP nodes use the presence access model); waiting for it to approve`);
    }
  }

  async function discover(): Promise<void> {
    if (!connection.isOnline() || stopped || busy) return;
    busy = true;
    try {
      await askPresence();
      if (presence !== "approved") { schedule(refusal.next()); return; }
      const result = await connection.request(xml("iq", { type: "get", to: target }, xml("query", { xmlns: "http://jabber.org/protocol/disco#items" })));
      const nodes = (result.getChild("query")?.getChildren("item") ?? []).map((i) => i.attrs["node"]).filter((n): n is string => n !== undefined && n.startsWith(options.prefix));
      const added: string[] = [];
      for (const node of nodes) {
        if (subscribed.has(node)) continue;
        await connection.request(xml("iq", { type: "set", to: target }, xml("pubsub", { xmlns: NS_PUBSUB }, xml("subscribe", { node, jid: `${username}@${domain}` }))));
        subscribed.add(node);
        added.push(node);
        deps.log.info({ node }, "subscribed");
      }
      if (added.length > 0 && refusedNotified) notice(`${target} accepts the subscription now`);
      if (added.length > 0) notice(`subscribed to ${added.length} node${added.length === 1 ? "" : "s"} under ${options.prefix} on ${target} (${subscribed.size} in all)`);
      refusedNotified = false;
      refusal.reset();
      schedule(options.discoverEveryMs ?? 3000);
    } catch (error) {
      const condition = errorCondition(error);
      const delay = refusal.next();
      if (condition === "forbidden" || condition === "not-authorized" || condition === "registration-required" || condition === "presence-subscription-required") {
        if (!refusedNotified) {
          refusedNotified = true;
          notice(`${target} refused the subscription (${condition}): ${options.jid} is not allowed to read the agent's nodes; ask its admin to add it to acl.readers. Retrying with growing pauses (up to ${Math.round((options.retryMaxMs ?? 300_000) / 1000)} s).`);
        }
      } else {
        deps.log.debug({ err: messageOf(error), condition }, "node discovery or subscription failed");
      }
      schedule(delay);
    } finally {
      busy = false;
    }
  }

  return {
    subscribed: (): readonly string[] => [...subscribed],
    /** With `pep`: the agent has not approved the presence subscription (yet). */
    awaitingApproval: (): boolean => presence !== "approved",
    /** Connects, asks for what it needs, and returns after the first look for nodes. */
    async start(signal: AbortSignal): Promise<void> {
      connection.events.on("stanza", onStanza);
      connection.iqCallee.set("jabber:iq:roster", "query", ({ stanza, element }) => {
        if (bare(stanza.attrs["from"] ?? username + "@" + domain) === `${username}@${domain}`) onRosterPush(element);
        return true;
      });
      // After a reconnect the server may have dropped temporary subscriptions: look again.
      connection.events.on("online", () => { if (started) { subscribed.clear(); void discover(); } });
      await connection.start(signal);
      await connection.send(xml("presence"));
      started = true;
      await discover();
    },
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
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
