import xml, { type Element } from "@xmpp/xml";
import type { Logger } from "pino";
import { messageOf } from "../errors/catalog.js";
import { readForm, submitForm, type FieldValue } from "./forms.js";

export const NS_PUBSUB = "http://jabber.org/protocol/pubsub";
export const NS_PUBSUB_OWNER = "http://jabber.org/protocol/pubsub#owner";
export const NS_PUBSUB_EVENT = "http://jabber.org/protocol/pubsub#event";
const NODE_CONFIG = "http://jabber.org/protocol/pubsub#node_config";
const PUBLISH_OPTIONS = "http://jabber.org/protocol/pubsub#publish-options";

export interface NodeSettings {
  readonly maxItems: number;
  readonly persistItems: boolean;
  /** XEP-0060 section 4.5 access models; `acl` maps to whitelist (service) or presence (PEP). */
  readonly accessModel: "open" | "whitelist" | "presence";
  /** Bare JIDs given the `member` affiliation on whitelist nodes (XEP-0060 section 8.9). */
  readonly members: readonly string[];
}

type Request = (element: Element, timeoutMs?: number) => Promise<Element>;

/**
 * The node configuration (XEP-0060 section 16.4.3, pubsub#node_config). send_last_published_item
 * is set because servers differ: ejabberd defaults to `on_sub_and_presence`, which sends the last
 * item when a subscriber subscribes and again whenever its presence becomes available, so a
 * watcher that subscribes and then sends presence gets the same item twice. `on_sub` sends it once,
 * when a subscription is made: a new watcher or dashboard shows the current value at once (the
 * retained message of the MQTT bridge plays the same part) instead of waiting for the next reading,
 * which for a channel that only publishes on change (deadband, a lamp) may never come, as it would
 * with `never`.
 */
export function nodeConfigFields(settings: NodeSettings, title?: string): Record<string, FieldValue> {
  return {
    "pubsub#max_items": settings.maxItems,
    "pubsub#persist_items": settings.persistItems,
    "pubsub#access_model": settings.accessModel,
    "pubsub#notify_retract": false,
    "pubsub#deliver_payloads": true,
    "pubsub#send_last_published_item": "on_sub",
    ...(title !== undefined ? { "pubsub#title": title } : {}),
  };
}

/** The condition name of a stanza error (`item-not-found`, `conflict`, ...), if any. */
export function errorCondition(error: unknown): string | undefined {
  return (error as { condition?: string }).condition;
}

/**
 * The field of the submitted form that an error names as unknown or unacceptable ("Unknown field
 * 'pubsub#max_items' of type ..." from ejabberd), or undefined. Only a field that was sent counts.
 */
export function refusedField(error: unknown, form: Element | undefined): string | undefined {
  const text = (error as { text?: string }).text ?? "";
  if (text === "" || !form) return undefined;
  const sent = [...readForm(form.getChild("x") ?? form).keys()].filter((v) => v !== "FORM_TYPE");
  // Field names are namespaced (`pubsub#...`): a substring match cannot confuse two of them.
  return sent.find((name) => text.includes(name));
}

/** The publish-options fields (XEP-0060 section 7.1.5) the agent asks for. */
export function publishOptionFields(settings: NodeSettings): Record<string, FieldValue> {
  return {
    "pubsub#access_model": settings.accessModel,
    "pubsub#max_items": settings.maxItems,
    "pubsub#persist_items": settings.persistItems,
  };
}

/** XEP-0060 section 7.1.5 publish-options without the fields a service refused; undefined if none is left. */
export function publishOptions(settings: NodeSettings, refused: ReadonlySet<string> = new Set()): Element | undefined {
  const fields = Object.entries(publishOptionFields(settings)).filter(([name]) => !refused.has(name));
  return fields.length === 0 ? undefined : xml("publish-options", {}, submitForm(PUBLISH_OPTIONS, Object.fromEntries(fields)));
}

/**
 * Creates and configures nodes on first use (Prosody's pubsub component has
 * autocreate_on_publish off): create with <configure/> (XEP-0060 section 8.1.3); if the node
 * exists, reconfigure it (section 8.2.4) so max_items and the access model follow the config.
 */
export function createNodeManager(deps: { request: Request; log: Logger; service: string | undefined }) {
  const { request, log } = deps;
  const to = deps.service;
  const ready = new Set<string>();
  /** Node configuration fields this service refused by name; the rest is still sent. */
  const refusedConfig = new Set<string>();

  function configForm(node: string, settings: NodeSettings): Element {
    const fields = Object.entries(nodeConfigFields(settings, node)).filter(([name]) => !refusedConfig.has(name));
    return submitForm(NODE_CONFIG, Object.fromEntries(fields));
  }

  /**
   * Sends a form-carrying request; a refusal that names one of the form's fields is a configuration
   * answer (the server does not know that field), so the field is dropped and the request sent again,
   * at most once per field. Other errors are the caller's.
   */
  async function withForm(node: string, settings: NodeSettings, build: (form: Element) => Element): Promise<Element> {
    for (;;) {
      const form = configForm(node, settings);
      try {
        return await request(build(form));
      } catch (error) {
        const field = errorCondition(error) === "conflict" ? undefined : refusedField(error, form);
        if (field === undefined || field === "pubsub#access_model") throw error; // never publish wider than configured
        refusedConfig.add(field);
        log.warn({ service: to ?? "PEP", field, answer: (error as { text?: string }).text }, "the pubsub service refused a node configuration field; configuring without it");
      }
    }
  }

  async function create(node: string, settings: NodeSettings): Promise<"created" | "exists"> {
    try {
      await withForm(node, settings, (form) => xml("iq", { type: "set", to }, xml("pubsub", { xmlns: NS_PUBSUB },
        xml("create", { node }), xml("configure", {}, form))));
      return "created";
    } catch (error) {
      if (errorCondition(error) === "conflict") return "exists";
      throw error;
    }
  }

  async function configure(node: string, settings: NodeSettings): Promise<void> {
    await withForm(node, settings, (form) => xml("iq", { type: "set", to }, xml("pubsub", { xmlns: NS_PUBSUB_OWNER },
      xml("configure", { node }, form))));
  }

  const bareOf = (jid: string | undefined): string => (jid ?? "").split("/")[0]!.toLowerCase();

  /**
   * Whitelist members = the ACL (XEP-0060 section 8.9): missing members are added, and a JID taken
   * out of the ACL loses its `member` affiliation and its subscriptions (section 8.8.2.1), so a
   * removed reader stops receiving items instead of keeping what it once had.
   */
  async function syncMembers(node: string, members: readonly string[]): Promise<void> {
    const wanted = new Set(members.map((jid) => jid.toLowerCase()));
    const step = async (what: string, type: "get" | "set", child: Element): Promise<Element> => {
      try {
        return await request(xml("iq", { type, to }, xml("pubsub", { xmlns: NS_PUBSUB_OWNER }, child)));
      } catch (error) {
        (error as { step?: string }).step = what;
        throw error;
      }
    };
    const affiliations = (await step("get affiliations", "get", xml("affiliations", { node })))
      .getChild("pubsub")?.getChild("affiliations")?.getChildren("affiliation") ?? [];
    const has = new Map(affiliations.map((a) => [bareOf(a.attrs["jid"]), a.attrs["affiliation"] as string]));
    const keep = (jid: string): boolean => wanted.has(jid) || ["owner", "publisher"].includes(has.get(jid) ?? "");
    const subscriptions = (await step("get subscriptions", "get", xml("subscriptions", { node })))
      .getChild("pubsub")?.getChild("subscriptions")?.getChildren("subscription") ?? [];
    const revoked = subscriptions.filter((s) => s.attrs["subscription"] !== "none" && !keep(bareOf(s.attrs["jid"])));
    if (revoked.length > 0) {
      await step("remove subscriptions", "set", xml("subscriptions", { node }, ...revoked.map((s) => xml("subscription", {
        jid: s.attrs["jid"], subscription: "none", ...(s.attrs["subid"] !== undefined ? { subid: s.attrs["subid"] } : {}) }))));
      log.info({ node, revoked: revoked.map((s) => bareOf(s.attrs["jid"])) }, "pubsub subscriptions of JIDs outside the ACL removed");
    }
    // After the subscriptions: Prosody 0.12 refuses to drop a member who still has one.
    const changes = [
      ...[...wanted].filter((jid) => !["member", "publisher", "owner"].includes(has.get(jid) ?? "")).map((jid) => xml("affiliation", { jid, affiliation: "member" })),
      ...[...has].filter(([jid, aff]) => aff === "member" && !wanted.has(jid)).map(([jid]) => xml("affiliation", { jid, affiliation: "none" })),
    ];
    if (changes.length > 0) await step("set affiliations", "set", xml("affiliations", { node }, ...changes));
  }

  return {
    isReady: (node: string) => ready.has(node),
    forget: (node: string) => ready.delete(node),
    forgetAll: () => ready.clear(),
    configure,

    async ensure(node: string, settings: NodeSettings): Promise<void> {
      if (ready.has(node)) return;
      try {
        const outcome = await create(node, settings);
        if (outcome === "exists") await configure(node, settings);
        if (settings.accessModel === "whitelist") {
          await syncMembers(node, settings.members).catch((error: unknown) => {
            // Publishing still works; say plainly that the ACL is not enforced on this node.
            log.warn({ node, step: (error as { step?: string }).step, condition: errorCondition(error), err: messageOf(error) }, "could not sync whitelist members with the ACL");
          });
        }
        ready.add(node);
        log.info({ node, service: to ?? "PEP", outcome }, "pubsub node ready");
      } catch (error) {
        throw explain(error, node, to);
      }
    },
  };
}

/** Turns XEP-0060 errors into a log line a user can act on. */
export function explain(error: unknown, node: string, service: string | undefined): Error {
  const condition = errorCondition(error);
  const where = service ?? "the agent's PEP";
  let hint: string;
  switch (condition) {
    case "forbidden":
      hint = service
        ? `the agent is not allowed to create or configure "${node}" on ${service}: add the agent's JID to the component's admins in prosody.cfg.lua (Component "${service}" "pubsub" / admins = { "agent@..." }), or on ejabberd to the ACL of mod_pubsub's access_createnode rule, or have the node's owner make the agent a publisher`
        : `the server refused "${node}" on the agent's PEP (is mod_pep enabled?)`;
      break;
    case "item-not-found":
    case "service-unavailable":
    case "feature-not-implemented":
      hint = `${where} has no pubsub service (${condition}): check pubsub.service in the config, or drop it to use PEP`;
      break;
    case "not-acceptable":
    case "precondition-not-met":
      hint = `${where} rejected the node configuration of "${node}" (${condition}): check pubsub.maxItems against the server limit (Prosody: pubsub_max_items / pep_max_items)`;
      break;
    default:
      hint = `pubsub request for "${node}" on ${where} failed: ${condition ?? messageOf(error)}`;
  }
  const explained = new Error(hint);
  (explained as { condition?: string | undefined }).condition = condition;
  return explained;
}
