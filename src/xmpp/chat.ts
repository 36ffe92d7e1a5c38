import xml, { type Element } from "@xmpp/xml";
import type { Logger } from "pino";
import type { AclHandle } from "../commands/acl.js";
import type { CommandRegistry } from "../commands/index.js";
import { chatReplyOf } from "../errors/replies.js";
import { IotError, messageOf } from "../errors/catalog.js";
import { runChatLine } from "./chat-commands.js";
import { createInOrder } from "./in-order.js";
import type { Connection } from "./connection.js";
import { bare } from "./presence.js";
import { createRateLimiter, retryText } from "../commands/rate-limit.js";

export interface ChatOptions {
  readonly burst: number;
  readonly perMinute: number;
}

const MAX_BODY = 1000;

/**
 * One-to-one chat commands (RFC 6121 section 5) from ACL JIDs; messages from strangers are
 * ignored and logged (at most one log line per stranger and minute), never answered.
 */
export function createChat(deps: { connection: Connection; acl: AclHandle; registry: CommandRegistry; log: Logger }, options: ChatOptions) {
  const { connection, acl, registry, log } = deps;
  const limiter = createRateLimiter({ burst: options.burst, perMinute: options.perMinute });
  const strangerLog = createRateLimiter({ burst: 1, perMinute: 1 });
  const limitLog = createRateLimiter({ burst: 1, perMinute: 1 });
  const ordered = createInOrder((who, error) => log.error({ from: who, err: messageOf(error) }, "chat command failed"));

  const send = (to: string, body: string, thread?: string): void => {
    if (!connection.isOnline()) return;
    connection.send(xml("message", { to, type: "chat" }, xml("body", {}, body), thread !== undefined ? xml("thread", {}, thread) : undefined))
      .catch((error: unknown) => log.debug({ err: messageOf(error) }, "chat reply failed"));
  };

  const onStanza = (stanza: Element): void => {
    if (!stanza.is("message")) return;
    const type = stanza.attrs["type"] ?? "normal";
    if (type !== "chat" && type !== "normal") return;
    const body = stanza.getChildText("body");
    // Chat states (XEP-0085), receipts (XEP-0184) and carbons (XEP-0280) carry no <body> of their
    // own: nothing to answer, and they do not count against the rate limit.
    if (body === null || body.trim() === "") return;
    if (isStaleCommand(stanza, Date.now())) return;
    const from = stanza.attrs["from"] as string | undefined;
    if (!from || bare(from) === bare(connection.jid)) return;
    const who = bare(from);
    const role = acl.role(who);
    if (role === "stranger") {
      if (strangerLog.take(who) === "ok") log.info({ from: who }, "chat message from a stranger ignored");
      return;
    }
    const thread = stanza.getChildText("thread") ?? undefined;
    const verdict = limiter.take(who);
    if (verdict === "silent") return;
    // Replies go out in the order the lines came (a `set` then `read` must not swap).
    const retryIn = verdict === "limited" ? limiter.retryInMs(who) : 0;
    ordered.run(who, async () => {
      if (verdict === "limited") {
        // Every refused line is answered (up to a flood bound), so nothing is dropped unseen.
        if (limitLog.take(who) === "ok") log.warn({ from: who }, "chat rate limit hit");
        const refused = new IotError("RATE_LIMITED", `Too many messages (limit ${options.perMinute} a minute, ${options.burst} in 10 s): "${body.trim().slice(0, 40)}" was not run; ${retryText(retryIn)}.`);
        send(from, chatReplyOf(refused), thread);
        return;
      }
      const text = await runChatLine(registry, body.slice(0, MAX_BODY), { role, via: "chat", who });
      log.info({ from: who, command: body.trim().split(/\s+/)[0]?.slice(0, 32) }, "chat command");
      send(from, text, thread);
    });
  };

  return {
    name: "chat",
    /** For alerts: a one-to-one message to a bare JID. */
    send,
    start(_signal: AbortSignal): void {
      connection.events.on("stanza", onStanza);
    },
    stop(): void {
      connection.events.off("stanza", onStanza);
    },
  };
}

export type Chat = ReturnType<typeof createChat>;

/** Commands delayed up to this long (a stream resumption, XEP-0198) are still answered. */
export const MAX_COMMAND_DELAY_MS = 60_000;

/**
 * XEP-0203: an offline-stored command from long ago is stale, and acting on it now could surprise;
 * one the server held back only across a short link cut is answered.
 */
export function isStaleCommand(stanza: Element, nowMs: number): boolean {
  const delay = stanza.getChild("delay", "urn:xmpp:delay");
  if (!delay) return false;
  const stamp = Date.parse(delay.attrs["stamp"] ?? "");
  return !Number.isFinite(stamp) || nowMs - stamp > MAX_COMMAND_DELAY_MS;
}
