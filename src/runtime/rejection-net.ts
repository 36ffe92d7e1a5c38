import type { Logger } from "pino";
import { messageOf } from "../errors/catalog.js";

/** xmpp.js's StanzaError: a server's answer to one request (RFC 6120 section 8.3), never a reason to exit. */
export function isStanzaError(reason: unknown): reason is Error & { condition?: string; text?: string } {
  return reason instanceof Error && reason.name === "StanzaError";
}

/**
 * The process-level safety net for promise rejections nobody handled. Node's default
 * (`--unhandled-rejections=throw`) exits on the first one; a server's error reply to one request
 * must never take the agent down, however it escaped (src/xmpp/xmppjs.ts guardIqCaller closes the window known
 * in xmpp.js), so a StanzaError is logged and the process goes on. Anything else is a bug: it is
 * logged and then rethrown, which is Node's default crash (exit 1; systemd restarts the unit).
 * Returns the uninstaller.
 */
export function installRejectionNet(log: Logger, target: NodeJS.Process = process): () => void {
  const onRejection = (reason: unknown): void => {
    if (isStanzaError(reason)) {
      log.error({ condition: reason.condition, text: reason.text, err: messageOf(reason) }, "unhandled XMPP stanza error; ignored, the agent keeps running");
      return;
    }
    log.fatal({ err: messageOf(reason), stack: reason instanceof Error ? reason.stack : undefined }, "unhandled promise rejection");
    throw reason;
  };
  target.on("unhandledRejection", onRejection);
  return () => { target.off("unhandledRejection", onRejection); };
}
