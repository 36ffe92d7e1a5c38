import { NS_SENML, resolveSenml } from "../src/senml/decode.js";
import { addressOf } from "../src/senml/name.js";
import type { IncomingReading } from "../src/dashboard/model.js";
import { conditionOf, xml, type Element, type Session } from "./session.js";

const NS_DISCO_ITEMS = "http://jabber.org/protocol/disco#items";
const NS_DISCO_INFO = "http://jabber.org/protocol/disco#info";
const NS_PUBSUB = "http://jabber.org/protocol/pubsub";
const NS_PUBSUB_EVENT = "http://jabber.org/protocol/pubsub#event";
const FOLLOW_CONCURRENCY = 8;

export interface NodeRef {
  /** Pubsub service JID, or the agent's bare JID for PEP. */
  readonly target: string;
  readonly node: string;
}

export interface DiscoveryReport {
  readonly targets: readonly string[];
  readonly nodes: number;
  readonly subscribed: number;
  /** Nodes whose items or subscription the server refused (not in the agent's ACL). */
  readonly refused: number;
}

/** Every reading in a pubsub `<item>` (XEP-0060 section 7.1.2), resolved per RFC 8428 section 4.6. */
export function readingsOfItem(item: Element, node: string): IncomingReading[] {
  const pack = item.getChild("sensml", NS_SENML);
  if (!pack) return [];
  const out: IncomingReading[] = [];
  let records: ReturnType<typeof resolveSenml>;
  try {
    records = resolveSenml(pack, Date.now() / 1000);
  } catch {
    return []; // a SenML version newer than the reader (RFC 8428 section 4.4): not to be used
  }
  for (const record of records) {
    const address = addressOf(record.name, node);
    if (!address) continue;
    out.push({ ...address, node, value: record.value, ...(record.unit !== undefined ? { unit: record.unit } : {}), time: record.time, quality: record.quality });
  }
  return out;
}

/**
 * Finds the agents' nodes and keeps them subscribed: pubsub services among the server's disco
 * items (XEP-0030, identity pubsub/service), plus the PEP of roster contacts and of JIDs the user
 * named (an agent without `pubsub` publishes to its own PEP). Each new node's stored items come
 * first (XEP-0060 section 6.5) as history, then a subscription (section 6.1) for live items.
 */
export function createDiscovery(deps: { session: Session; onReadings: (readings: IncomingReading[]) => void; onReport: (report: DiscoveryReport) => void },
  options: { prefix: string; pepJids: readonly string[]; historyItems: number }) {
  const { session } = deps;
  const known = new Map<string, "subscribed" | "refused">();
  let running: Promise<void> | undefined;

  const key = (ref: NodeRef): string => `${ref.target}\u0000${ref.node}`;

  async function services(): Promise<string[]> {
    const found: string[] = [];
    const items = await session.request(xml("iq", { type: "get", to: session.domain }, xml("query", { xmlns: NS_DISCO_ITEMS })));
    for (const item of items.getChild("query")?.getChildren("item") ?? []) {
      const jid = item.attrs["jid"];
      if (jid === undefined || item.attrs["node"] !== undefined) continue;
      try {
        const info = await session.request(xml("iq", { type: "get", to: jid }, xml("query", { xmlns: NS_DISCO_INFO })));
        if (info.getChild("query")?.getChildren("identity").some((i) => i.attrs["category"] === "pubsub" && i.attrs["type"] === "service")) found.push(jid);
      } catch { /* an item that does not answer disco#info is no pubsub service */ }
    }
    return found;
  }

  async function rosterContacts(): Promise<string[]> {
    const roster = await session.request(xml("iq", { type: "get" }, xml("query", { xmlns: "jabber:iq:roster" })));
    return (roster.getChild("query")?.getChildren("item") ?? [])
      .filter((i) => i.attrs["subscription"] === "both" || i.attrs["subscription"] === "to")
      .map((i) => i.attrs["jid"] ?? "").filter((j) => j !== "");
  }

  async function nodesOf(target: string): Promise<NodeRef[]> {
    try {
      const result = await session.request(xml("iq", { type: "get", to: target }, xml("query", { xmlns: NS_DISCO_ITEMS })));
      return (result.getChild("query")?.getChildren("item") ?? [])
        .map((i) => i.attrs["node"]).filter((n): n is string => n !== undefined && n.startsWith(options.prefix))
        .map((node) => ({ target, node }));
    } catch {
      return [];
    }
  }

  const REFUSALS = ["forbidden", "not-authorized", "not-allowed", "closed-node", "presence-subscription-required", "not-in-roster-group", "registration-required"];

  async function history(ref: NodeRef): Promise<void> {
    try {
      const result = await session.request(xml("iq", { type: "get", to: ref.target },
        xml("pubsub", { xmlns: NS_PUBSUB }, xml("items", { node: ref.node, max_items: String(options.historyItems) }))));
      const items = result.getChild("pubsub")?.getChild("items")?.getChildren("item") ?? [];
      const readings = items.flatMap((item) => readingsOfItem(item, ref.node));
      if (readings.length > 0) deps.onReadings(readings);
    } catch (error) {
      // A node that keeps no items (persist_items off) answers feature-not-implemented
      // (XEP-0060 section 6.5.9.5): it still has live items.
      if (REFUSALS.includes(conditionOf(error))) throw error;
    }
  }

  async function follow(ref: NodeRef): Promise<"subscribed" | "refused"> {
    try {
      await history(ref);
      await session.request(xml("iq", { type: "set", to: ref.target },
        xml("pubsub", { xmlns: NS_PUBSUB }, xml("subscribe", { node: ref.node, jid: session.bare }))));
      return "subscribed";
    } catch (error) {
      if (REFUSALS.includes(conditionOf(error))) return "refused";
      throw error;
    }
  }

  async function round(): Promise<void> {
    const targets = [...new Set([...(await services()), ...(await rosterContacts().catch(() => [])), ...options.pepJids])];
    const refs = (await Promise.all(targets.map(nodesOf))).flat();
    // A few requests in flight at once: an agent with hundreds of channels has as many nodes, and
    // one at a time each costs two round trips through the server.
    const queue = refs.filter((ref) => known.get(key(ref)) !== "subscribed");
    const worker = async (): Promise<void> => {
      for (let ref = queue.shift(); ref !== undefined; ref = queue.shift()) {
        try {
          known.set(key(ref), await follow(ref));
        } catch { /* a node that failed for another reason is tried again next round */ }
      }
    };
    await Promise.all(Array.from({ length: FOLLOW_CONCURRENCY }, worker));
    const states = [...known.values()];
    deps.onReport({ targets, nodes: refs.length, subscribed: states.filter((s) => s === "subscribed").length, refused: states.filter((s) => s === "refused").length });
  }

  return {
    /** One discovery round; overlapping calls share the round in progress. */
    run(): Promise<void> {
      running ??= round().finally(() => { running = undefined; });
      return running;
    },
    /** After a reconnect the server may have dropped subscriptions with the session: redo them. */
    forgetSubscriptions(): void { known.clear(); },
    /** Live items (XEP-0060 section 7.1.2.1); returns true when the stanza was one. */
    handle(stanza: Element): boolean {
      if (!stanza.is("message")) return false;
      const items = stanza.getChild("event", NS_PUBSUB_EVENT)?.getChild("items");
      if (!items) return false;
      const node = items.attrs["node"] ?? "";
      const readings = items.getChildren("item").flatMap((item) => readingsOfItem(item, node));
      if (readings.length > 0) deps.onReadings(readings);
      return true;
    },
  };
}
