import xml, { type Element } from "@xmpp/xml";
import type { Logger } from "pino";
import type { DeviceManager } from "../device-manager/device-manager.js";
import { messageOf } from "../errors/catalog.js";
import type { Connection } from "./connection.js";
import type { Disco } from "./disco.js";

export interface Acl {
  role(bareJid: string): "admin" | "reader" | "stranger";
}

export function bare(jid: string | undefined): string {
  return (jid ?? "").split("/")[0]!.toLowerCase();
}

/**
 * Health text for presence: `N/M devices ok`, and `xa` while any device is failing. `problems` are
 * other conditions worth a glance at the roster (a full disk under the outbox), appended after `; `.
 */
export function healthPresence(devices: DeviceManager, problems: readonly string[] = []): { show?: "xa"; status: string } {
  const list = devices.list();
  const ok = list.filter((d) => d.health.state === "ok").length;
  const failing = list.filter((d) => d.health.state === "failing");
  const status = `${ok}/${list.length} devices ok` + (failing.length > 0 ? `; failing: ${failing.map((d) => d.id).join(", ")}` : "")
    + problems.map((p) => `; ${p}`).join("");
  return failing.length > 0 ? { show: "xa", status } : { status };
}

/**
 * Presence as the health signal (RFC 6121 section 4), with XEP-0115 caps; subscription requests
 * are approved (and returned) only for ACL JIDs (RFC 6121 section 3.1).
 */
export function createPresence(deps: { connection: Connection; devices: DeviceManager; disco: Disco; acl: Acl; log: Logger; problems?: () => readonly string[] }) {
  const { connection, devices, disco, acl, log } = deps;
  let lastStatus: string | undefined;
  let poll: NodeJS.Timeout | undefined;

  const send = (element: Element): void => {
    if (connection.isOnline()) connection.send(element).catch((error: unknown) => log.debug({ err: messageOf(error) }, "presence send failed"));
  };
  const announce = (): void => {
    const health = healthPresence(devices, deps.problems?.() ?? []);
    lastStatus = health.status;
    send(xml("presence", {}, health.show ? xml("show", {}, health.show) : undefined, xml("status", {}, health.status), xml("priority", {}, "0"), disco.caps()));
  };
  const onStanza = (stanza: Element): void => {
    if (!stanza.is("presence")) return;
    const from = bare(stanza.attrs["from"]);
    const type = stanza.attrs["type"];
    if (type === "subscribe") {
      if (acl.role(from) === "stranger") {
        log.info({ from }, "presence subscription refused: not in the ACL");
        send(xml("presence", { to: from, type: "unsubscribed" }));
        return;
      }
      send(xml("presence", { to: from, type: "subscribed" }));
      send(xml("presence", { to: from, type: "subscribe" }));
      log.info({ from }, "presence subscription approved");
    }
  };
  /**
   * RFC 6121 section 3.2: a JID taken out of the ACL keeps its roster subscription (and with it our
   * presence and PEP items on the presence access model) unless we cancel it; do that on each login.
   */
  const revokeStrangers = async (): Promise<void> => {
    const roster = await connection.request(xml("iq", { type: "get" }, xml("query", { xmlns: "jabber:iq:roster" })));
    for (const item of roster.getChild("query")?.getChildren("item") ?? []) {
      const jid = bare(item.attrs["jid"]);
      const subscription = item.attrs["subscription"];
      if (acl.role(jid) !== "stranger" || (subscription !== "from" && subscription !== "both")) continue;
      send(xml("presence", { to: jid, type: "unsubscribed" }));
      log.info({ jid }, "presence subscription revoked: not in the ACL");
    }
  };
  const onOnline = (): void => {
    announce();
    revokeStrangers().catch((error: unknown) => log.warn({ err: messageOf(error) }, "could not check the roster against the ACL"));
  };

  return {
    announce,
    start(): void {
      connection.events.on("stanza", onStanza);
      connection.events.on("online", onOnline);
      devices.onHealthChange(announce);
      // Problems have no change events of their own (they come from several sinks): look every 5 s.
      if (deps.problems) {
        poll = setInterval(() => { if (healthPresence(devices, deps.problems!()).status !== lastStatus) announce(); }, 5000);
        poll.unref();
      }
      if (connection.isOnline()) onOnline();
    },
    /** Unavailable presence with a reason, before the stream closes. */
    async goodbye(reason: string): Promise<void> {
      clearInterval(poll);
      connection.events.off("stanza", onStanza);
      connection.events.off("online", onOnline);
      if (!connection.isOnline()) return;
      await connection.send(xml("presence", { type: "unavailable" }, xml("status", {}, reason))).catch(() => undefined);
    },
  };
}
