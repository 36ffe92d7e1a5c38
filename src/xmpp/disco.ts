import { createHash } from "node:crypto";
import xml, { type Element } from "@xmpp/xml";
import type { Connection } from "./connection.js";

export const NS_DISCO_INFO = "http://jabber.org/protocol/disco#info";
export const NS_CAPS = "http://jabber.org/protocol/caps";
export const CAPS_NODE = "https://github.com/xmpp-iot/xmpp-iot";

export interface Identity {
  readonly category: string;
  readonly type: string;
  readonly name: string;
}

/** XEP-0115 section 5.1: ver = base64(sha1(identities '<' features '<')), both sorted. */
export function capsVer(identity: Identity, features: readonly string[]): string {
  const s = `${identity.category}/${identity.type}//${identity.name}<${[...new Set(features)].sort().join("<")}<`;
  return createHash("sha1").update(s).digest("base64");
}

/**
 * XEP-0030 disco#info for the agent's full JID, including the `node#ver` query of XEP-0115
 * section 6.2. Other modules add their features before `start`.
 */
export function createDisco(deps: { connection: Connection }, identity: Identity) {
  const features = new Set<string>([NS_DISCO_INFO, NS_CAPS, "urn:xmpp:ping", "http://jabber.org/protocol/disco#items"]);
  const infoHandlers = new Map<string, () => Element[]>();

  return {
    addFeature(feature: string): void {
      features.add(feature);
    },
    /** Answer disco#info for a node (e.g. one ad-hoc command) with these children. */
    addNodeInfo(node: string, children: () => Element[]): void {
      infoHandlers.set(node, children);
    },
    caps(): Element {
      return xml("c", { xmlns: NS_CAPS, hash: "sha-1", node: CAPS_NODE, ver: capsVer(identity, [...features]) });
    },
    start(): void {
      deps.connection.iqCallee.get(NS_DISCO_INFO, "query", ({ element }) => {
        const node = element.attrs["node"];
        const ver = capsVer(identity, [...features]);
        if (node === undefined || node === `${CAPS_NODE}#${ver}`) {
          return xml("query", node === undefined ? { xmlns: NS_DISCO_INFO } : { xmlns: NS_DISCO_INFO, node },
            xml("identity", { category: identity.category, type: identity.type, name: identity.name }),
            ...[...features].sort().map((f) => xml("feature", { var: f })));
        }
        const handler = infoHandlers.get(node);
        if (!handler) return xml("error", { type: "cancel" }, xml("item-not-found", { xmlns: "urn:ietf:params:xml:ns:xmpp-stanzas" }));
        return xml("query", { xmlns: NS_DISCO_INFO, node }, ...handler());
      });
      // XEP-0199 section 4.1: answer server-to-client and client-to-client pings.
      deps.connection.iqCallee.get("urn:xmpp:ping", "ping", () => ({}));
    },
  };
}

export type Disco = ReturnType<typeof createDisco>;
