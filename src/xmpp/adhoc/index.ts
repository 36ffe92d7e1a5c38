import xml, { type Element } from "@xmpp/xml";
import type { Logger } from "pino";
import type { AclHandle } from "../../commands/acl.js";
import type { CommandRegistry } from "../../commands/index.js";
import { boundErrorText, MAX_ECHO_CHARS } from "../../text/echo.js";
import { adhocReplyOf, stanzaErrorOf } from "../../errors/replies.js";
import { IotError } from "../../errors/catalog.js";
import type { Connection } from "../connection.js";
import type { Disco } from "../disco.js";
import { NS_DATA } from "../forms.js";
import { bare } from "../presence.js";
import { checkStage, readSubmitted, resultForm, stageForm } from "./form.js";
import { createSessionStore, type AdhocSession } from "./sessions.js";

export const NS_COMMANDS = "http://jabber.org/protocol/commands";
/** Longest answer to one form field (a device, a channel, a value for `set`). */
const MAX_FIELD_CHARS = 1024;
const NS_DISCO_ITEMS = "http://jabber.org/protocol/disco#items";
const NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas";

export interface AdhocOptions {
  readonly sessionTtlMs: number;
  readonly maxSessions: number;
  readonly maxSessionsPerJid: number;
}

/** XEP-0050 section 4.6: a stanza error plus the command-specific condition. */
function commandError(condition: "bad-action" | "bad-sessionid" | "bad-payload" | "session-expired" | "malformed-action"): Element {
  const general = condition === "session-expired" ? "not-allowed" : "bad-request";
  return xml("error", { type: condition === "session-expired" ? "cancel" : "modify" }, xml(general, { xmlns: NS_STANZAS }), xml(condition, { xmlns: NS_COMMANDS }));
}

function stanzaError(condition: string, type = "cancel", text?: string): Element {
  return xml("error", { type }, xml(condition, { xmlns: NS_STANZAS }), text !== undefined ? xml("text", { xmlns: NS_STANZAS }, text) : undefined);
}

/** A refusal from the error catalog as a stanza error (its condition, type and message). */
function refusal(error: IotError): Element {
  const { condition, type, text } = stanzaErrorOf(error);
  return stanzaError(condition, type, text);
}

/**
 * XEP-0050 ad-hoc commands on top of the command registry: disco#items on the commands node shows
 * only what the requester may run, each command node has its disco#info, and multi-stage forms
 * (XEP-0004) keep a bounded, expiring session per run. Strangers get <forbidden/>.
 */
export function createAdhoc(deps: { connection: Connection; disco: Disco; acl: AclHandle; registry: CommandRegistry; log: Logger }, options: AdhocOptions) {
  const { connection, disco, acl, registry, log } = deps;
  const sessions = createSessionStore({ ttlMs: options.sessionTtlMs, max: options.maxSessions, perJid: options.maxSessionsPerJid });
  let sweeper: NodeJS.Timeout | undefined;
  let registered = false;
  const described = new Set<string>();

  const reply = (node: string, sessionid: string, status: "executing" | "completed" | "canceled", ...children: Array<Element | undefined>): Element =>
    xml("command", { xmlns: NS_COMMANDS, node, sessionid, status }, ...children);

  /**
   * The form of the session's current stage, with its actions (XEP-0050 section 3.4). Only short
   * answers are filled in again, and the note is bounded: a long value is not echoed back.
   */
  function prompt(session: AdhocSession, note?: string): Element {
    const info = registry.get(session.node)!;
    const last = session.stage >= info.stageCount - 1;
    const actions = xml("actions", { execute: last ? "complete" : "next" }, session.stage > 0 ? xml("prev") : undefined, last ? xml("complete") : xml("next"));
    const fields = registry.fields(session.node, session.stage, session.input);
    const prefill = Object.fromEntries(Object.entries(session.input).filter(([, v]) => v.length <= MAX_ECHO_CHARS));
    return reply(session.node, session.id, "executing", actions, note !== undefined ? xml("note", { type: "error" }, boundErrorText(note)) : undefined,
      stageForm(info.description, `Step ${session.stage + 1} of ${info.stageCount}`, fields, prefill));
  }

  async function run(node: string, sessionid: string, input: Record<string, string>, from: string, session?: AdhocSession): Promise<Element> {
    const role = acl.role(from);
    const clean = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== ""));
    const result = await registry.execute(node, clean, { role, via: "adhoc", who: bare(from) });
    log.info({ from: bare(from), command: node, status: result.status, ...(result.status === "error" ? { code: result.error.code } : {}) }, "ad-hoc command");
    if (result.status === "error") {
      const answer = adhocReplyOf(result.error, session !== undefined);
      if (answer.kind === "ask-again" && session) return prompt(session, answer.note);
      if (session) sessions.close(session.id);
      if (answer.kind === "stanza-error") return stanzaError(answer.condition, answer.type, answer.text);
      return reply(node, sessionid, "completed", xml("note", { type: "error" }, answer.note));
    }
    if (session) sessions.close(session.id);
    return reply(node, sessionid, "completed", xml("note", { type: "info" }, result.text), resultForm(registry.get(node)?.description ?? node, result.table));
  }

  async function onCommand(stanza: Element, command: Element): Promise<Element> {
    const from = stanza.attrs["from"] as string | undefined ?? "";
    const node = command.attrs["node"] ?? "";
    const action = command.attrs["action"] ?? "execute";
    const sessionid = command.attrs["sessionid"];
    const info = registry.get(node);
    if (!info) return stanzaError("item-not-found");
    const role = acl.role(from);
    if (role === "stranger") {
      log.info({ from: bare(from), command: node }, "ad-hoc command refused: not in the ACL");
      return refusal(new IotError("FORBIDDEN", "not allowed"));
    }
    if (!["execute", "next", "prev", "complete", "cancel"].includes(action)) return commandError("malformed-action");

    if (sessionid === undefined) {
      if (action !== "execute") return commandError("bad-sessionid");
      if (!registry.list(role).some((c) => c.name === node)) return refusal(new IotError("FORBIDDEN", `${node} is for admins only`));
      if (info.stageCount === 0) return run(node, `${node}-${Date.now().toString(36)}`, {}, from);
      const session = sessions.create(from, node, role === "admin");
      if (!session) {
        log.info({ from: bare(from), command: node, open: sessions.size }, "ad-hoc command refused: the session pool is full of admins' sessions");
        return refusal(new IotError("RATE_LIMITED", "too many open command sessions; try again later"));
      }
      return prompt(session);
    }

    const found = sessions.lookup(sessionid);
    if (found === "expired") return commandError("session-expired");
    if (!found || found.jid !== from || found.node !== node) return commandError("bad-sessionid");
    const session = found;
    const last = session.stage >= info.stageCount - 1;
    const effective = action === "execute" ? (last ? "complete" : "next") : action;
    switch (effective) {
      case "cancel":
        sessions.close(session.id);
        return reply(node, session.id, "canceled");
      case "prev":
        if (session.stage === 0) return commandError("bad-action");
        session.stage--;
        return prompt(session);
      case "next":
      case "complete": {
        if ((effective === "next") === last) return commandError("bad-action");
        const submitted = readSubmitted(command);
        if (!submitted.ok) return commandError("bad-payload");
        const fields = registry.fields(node, session.stage, session.input);
        // XEP-0004 section 3.3: a boolean field sent without a value is false.
        const values = Object.fromEntries(fields.map((f) => [f.name, submitted.values[f.name] || (f.kind === "boolean" ? "0" : "")]));
        // Kept in the session until it ends: bounded, and never stored or echoed when too long.
        const tooLong = Object.entries(values).find(([, v]) => v.length > MAX_FIELD_CHARS);
        if (tooLong) return prompt(session, `${tooLong[0]} is ${tooLong[1].length} characters long; at most ${MAX_FIELD_CHARS}`);
        session.input = { ...session.input, ...values };
        const problem = checkStage(fields, values) ?? registry.check(node, session.stage, session.input);
        if (problem !== undefined) return prompt(session, problem);
        if (effective === "next") {
          session.stage++;
          return prompt(session);
        }
        return run(node, session.id, session.input, from, session);
      }
      default:
        return commandError("malformed-action");
    }
  }

  function register(): void {
    if (registered) return;
    registered = true;
    // XEP-0050 section 2.2: the list of commands is disco#items on the commands node, per requester.
    connection.iqCallee.get(NS_DISCO_ITEMS, "query", ({ stanza, element }) => {
      const node = element.attrs["node"];
      if (node !== NS_COMMANDS) return xml("query", node === undefined ? { xmlns: NS_DISCO_ITEMS } : { xmlns: NS_DISCO_ITEMS, node });
      const jid = (stanza.attrs["to"] as string | undefined) ?? connection.jid;
      return xml("query", { xmlns: NS_DISCO_ITEMS, node },
        ...registry.list(acl.role(stanza.attrs["from"] ?? "")).map((c) => xml("item", { jid, node: c.name, name: c.description })));
    });
    connection.iqCallee.set(NS_COMMANDS, "command", ({ stanza, element }) => onCommand(stanza, element));
    // XEP-0050 section 2.3: each command node is an automation/command-node with the forms feature.
    disco.addNodeInfo(NS_COMMANDS, () => [xml("identity", { category: "automation", type: "command-list", name: "Commands" })]);
    describeCommands();
  }

  /** Each command node's disco#info; again at start, for commands registered since (before start). */
  function describeCommands(): void {
    for (const c of registry.list("admin")) {
      if (described.has(c.name)) continue;
      described.add(c.name);
      disco.addNodeInfo(c.name, () => [
        xml("identity", { category: "automation", type: "command-node", name: c.description }),
        xml("feature", { var: NS_COMMANDS }), xml("feature", { var: NS_DATA }),
      ]);
    }
  }

  return {
    name: "adhoc",
    sessions,
    /** Before the connection starts, so the first disco#items already finds the handlers. */
    register,
    start(_signal: AbortSignal): void {
      register();
      describeCommands();
      sweeper = setInterval(() => sessions.sweep(), Math.max(1000, Math.min(60_000, options.sessionTtlMs / 2)));
      sweeper.unref();
    },
    stop(): void {
      clearInterval(sweeper);
      sessions.clear();
    },
  };
}
