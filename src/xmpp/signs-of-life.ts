import type { LivenessWatch } from "./liveness.js";

interface Emitter { on(event: string, fn: () => void): unknown }

/**
 * Feeds liveness.ts every sign of life from the server: each chunk of bytes read from its socket
 * (a server that is sending is alive, even in the middle of a large stanza) and each parsed
 * element. During a login it also times each step from what the agent sent (a stream header,
 * a SASL response, bind, XEP-0198 enable) to the server's first byte after it: the slowest is the
 * session's first evidence of how slow the server is, and one that took 8 s to answer may be
 * silent that long again.
 */
export function watchSignsOfLife(entity: Emitter, liveness: LivenessWatch, socketOf: () => unknown) {
  const watched = new WeakSet<object>();
  let loggingIn = false;
  let waitingSince: number | undefined;
  let slowestStepMs = 0;
  const signOfLife = (): void => {
    liveness.inbound();
    if (waitingSince === undefined) return;
    slowestStepMs = Math.max(slowestStepMs, Date.now() - waitingSince);
    waitingSince = undefined;
  };
  const sent = (): void => {
    if (loggingIn) waitingSince ??= Date.now();
  };
  // STARTTLS replaces the socket during the login: the new one is watched once the session is up.
  const watchBytes = (): void => {
    const socket = socketOf() as Partial<Emitter> | undefined;
    if (typeof socket?.on !== "function" || watched.has(socket)) return;
    watched.add(socket);
    socket.on("data", signOfLife);
  };
  entity.on("element", signOfLife);
  entity.on("send", sent);
  entity.on("opening", sent); // a stream header, at the start and after SASL (written without "send")

  return {
    /** The TCP connection of a login is up. */
    connected(): void {
      loggingIn = true;
      waitingSince = undefined;
      slowestStepMs = 0;
      watchBytes();
    },
    /** The session is up: the login's slowest step counts as an answered request of it. */
    online(): void {
      watchBytes();
      if (!loggingIn) return;
      loggingIn = false;
      waitingSince = undefined;
      liveness.observe(slowestStepMs);
    },
  };
}
