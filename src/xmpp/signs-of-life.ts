import type { LivenessWatch } from "./liveness.js";

interface Emitter { on(event: string, fn: () => void): unknown }

/**
 * Feeds liveness.ts every sign of life from the server: each chunk of bytes read from its socket
 * (a server that is sending is alive, even in the middle of a large stanza) and each parsed
 * element. During a login it also times the longest wait between two signs of life, from the TCP
 * connect to the session (stream header, SASL steps, bind, XEP-0198 enable): each step waits for
 * the server's answer, so that is the slowest round trip of the login, and the session's first
 * evidence of how slow the server is: one that took 8 s per step may be silent that long again.
 */
export function watchSignsOfLife(entity: Emitter, liveness: LivenessWatch, socketOf: () => unknown) {
  const watched = new WeakSet<object>();
  let loginFrom: number | undefined;
  let slowestStepMs = 0;
  const signOfLife = (): void => {
    liveness.inbound();
    if (loginFrom === undefined) return;
    const now = Date.now();
    slowestStepMs = Math.max(slowestStepMs, now - loginFrom);
    loginFrom = now;
  };
  // STARTTLS replaces the socket during the login: the new one is watched once the session is up.
  const watchBytes = (): void => {
    const socket = socketOf() as Partial<Emitter> | undefined;
    if (typeof socket?.on !== "function" || watched.has(socket)) return;
    watched.add(socket);
    socket.on("data", signOfLife);
  };
  entity.on("element", signOfLife);

  return {
    /** The TCP connection of a login is up. */
    connected(): void {
      loginFrom = Date.now();
      slowestStepMs = 0;
      watchBytes();
    },
    /** The session is up: the login's slowest step counts as an answered request of it. */
    online(): void {
      watchBytes();
      if (loginFrom === undefined) return;
      loginFrom = undefined;
      liveness.observe(slowestStepMs);
    },
  };
}
