import xml, { type Element } from "@xmpp/xml";
import type { Logger } from "pino";
import type { AclHandle } from "../commands/acl.js";
import type { CommandRegistry } from "../commands/index.js";
import { chatReplyOf } from "../errors/replies.js";
import { IotError, messageOf } from "../errors/catalog.js";
import { runChatLine } from "./chat-commands.js";
import { createInOrder } from "./in-order.js";
import type { Connection } from "./connection.js";
import { NS_DATA } from "./forms.js";
import { bare } from "./presence.js";
import { createRateLimiter } from "../commands/rate-limit.js";

const NS_MUC = "http://jabber.org/protocol/muc";
const NS_MUC_USER = "http://jabber.org/protocol/muc#user";
const NS_MUC_OWNER = "http://jabber.org/protocol/muc#owner";
/** Occupants remembered per room; past it, new nicks are not mapped (their lines are ignored). */
const MAX_OCCUPANTS = 500;
/** Lines for a room not joined yet (start, reconnect); past it the oldest are dropped. */
const MAX_WAITING = 50;

export interface MucOptions {
  readonly rooms: readonly string[];
  readonly nick: string;
  readonly burst: number;
  readonly perMinute: number;
}

/**
 * XEP-0045 rooms the agent joins (for alerts and commands). Room lines addressed to the agent
 * (`<nick>: read greenhouse` or `!read greenhouse`) from occupants whose real JID is in the ACL run
 * as chat commands. The real JID is known only where the room shows it to the agent (section 7.2.3:
 * non-anonymous rooms, or the agent is a moderator); other occupants are ignored and logged.
 */
export function createMuc(deps: { connection: Connection; acl: AclHandle; registry: CommandRegistry; log: Logger }, options: MucOptions) {
  const { connection, acl, registry, log } = deps;
  const rooms = new Map(options.rooms.map((r) => [r.toLowerCase(), { occupants: new Map<string, string | undefined>(), joined: false, waiting: [] as string[] }]));
  const limiter = createRateLimiter({ burst: options.burst, perMinute: options.perMinute });
  const logLimiter = createRateLimiter({ burst: 1, perMinute: 1 });
  const ordered = createInOrder((room, error) => log.error({ room, err: messageOf(error) }, "room command failed"));
  const prefix = new RegExp(`^(?:!|${options.nick.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}[:,]\\s*)`, "i");

  const sendTo = (room: string, body: string): void => {
    if (!connection.isOnline()) return;
    connection.send(xml("message", { to: room, type: "groupchat" }, xml("body", {}, body)))
      .catch((error: unknown) => log.debug({ room, err: messageOf(error) }, "room message failed"));
  };

  const join = (room: string): void => {
    if (!connection.isOnline()) return;
    // Section 7.2.1 with no history: old lines must not be taken as new commands.
    connection.send(xml("presence", { to: `${room}/${options.nick}` }, xml("x", { xmlns: NS_MUC }, xml("history", { maxstanzas: "0" }))))
      .catch((error: unknown) => log.warn({ room, err: messageOf(error) }, "room join failed"));
  };

  const onPresence = (stanza: Element, room: string, nick: string): void => {
    const state = rooms.get(room)!;
    const x = stanza.getChild("x", NS_MUC_USER);
    const codes = x?.getChildren("status").map((s) => s.attrs["code"]) ?? [];
    if (stanza.attrs["type"] === "error") {
      log.warn({ room, condition: stanza.getChild("error")?.children.find((c) => typeof c !== "string")?.toString() }, "could not join room");
      return;
    }
    if (stanza.attrs["type"] === "unavailable") {
      state.occupants.delete(nick);
      if (codes.includes("110")) state.joined = false;
      return;
    }
    if (codes.includes("110")) {
      if (!state.joined) log.info({ room, nick }, "joined room");
      state.joined = true;
      // A non-occupant may not post (section 7.4): lines sent before the join go out now.
      for (const body of state.waiting.splice(0)) sendTo(room, body);
      // Section 10.1.2: a room we just created stays locked until configured; accept the defaults.
      if (codes.includes("201")) {
        void connection.request(xml("iq", { type: "set", to: room }, xml("query", { xmlns: NS_MUC_OWNER }, xml("x", { xmlns: NS_DATA, type: "submit" }))))
          .catch((error: unknown) => log.warn({ room, err: messageOf(error) }, "could not unlock the new room"));
      }
      return;
    }
    if (state.occupants.size >= MAX_OCCUPANTS && !state.occupants.has(nick)) return;
    const jid = x?.getChild("item")?.attrs["jid"] as string | undefined;
    state.occupants.set(nick, jid === undefined ? undefined : bare(jid));
  };

  const onGroupchat = (stanza: Element, room: string, nick: string): void => {
    const body = stanza.getChildText("body");
    if (body === null || nick === options.nick || stanza.getChild("delay", "urn:xmpp:delay")) return;
    const match = prefix.exec(body.trim());
    if (!match) return;
    const real = rooms.get(room)!.occupants.get(nick);
    const role = real === undefined ? "stranger" : acl.role(real);
    if (role === "stranger") {
      if (logLimiter.take(`${room}/${nick}`) === "ok") {
        log.info({ room, nick, realJid: real ?? "hidden by the room" }, "room command from an occupant outside the ACL ignored");
      }
      return;
    }
    const verdict = limiter.take(real!);
    if (verdict === "silent") return;
    ordered.run(room, async () => {
      if (verdict === "limited") {
        sendTo(room, `${nick}: ${chatReplyOf(new IotError("RATE_LIMITED", "too many messages; wait a little."))}`);
        return;
      }
      const text = await runChatLine(registry, body.trim().slice(match[0].length, 1000), { role, via: "muc", who: real! });
      log.info({ room, from: real, command: body.trim().slice(match[0].length).split(/\s+/)[0]?.slice(0, 32) }, "room command");
      sendTo(room, `${nick}: ${text}`);
    });
  };

  const onStanza = (stanza: Element): void => {
    // Every stanza passes here, each publish result too: no string work unless a room is configured.
    if (rooms.size === 0) return;
    const from = (stanza.attrs["from"] as string | undefined) ?? "";
    const slash = from.indexOf("/");
    const room = (slash < 0 ? from : from.slice(0, slash)).toLowerCase();
    if (!rooms.has(room)) return;
    const nick = slash < 0 ? "" : from.slice(slash + 1);
    if (stanza.is("presence")) onPresence(stanza, room, nick);
    else if (stanza.is("message") && stanza.attrs["type"] === "groupchat") onGroupchat(stanza, room, nick);
  };
  const onOnline = (): void => {
    for (const [room, state] of rooms) { state.joined = false; state.occupants.clear(); join(room); }
  };

  return {
    name: "muc",
    /** Sends a line to a room the agent is configured for (alerts). */
    send(room: string, body: string): void {
      const state = rooms.get(room.toLowerCase());
      if (!state) return;
      if (state.joined) { sendTo(room, body); return; }
      state.waiting.push(body);
      if (state.waiting.length > MAX_WAITING) {
        state.waiting.shift();
        log.warn({ room }, "room not joined; oldest waiting line dropped");
      }
    },
    joined: (room: string): boolean => rooms.get(room.toLowerCase())?.joined ?? false,
    start(_signal: AbortSignal): void {
      connection.events.on("stanza", onStanza);
      connection.events.on("online", onOnline);
      if (connection.isOnline()) onOnline();
    },
    async stop(): Promise<void> {
      connection.events.off("stanza", onStanza);
      connection.events.off("online", onOnline);
      for (const [room, state] of rooms) {
        if (state.joined && connection.isOnline()) await connection.send(xml("presence", { to: `${room}/${options.nick}`, type: "unavailable" })).catch(() => undefined);
        state.joined = false;
      }
    },
  };
}

export type Muc = ReturnType<typeof createMuc>;
