import { createServer, connect, type Socket } from "node:net";

/**
 * A TCP proxy on 127.0.0.1 between a client and its server (the agent and Prosody, a client and
 * Mosquitto) that breaks the link on demand:
 * `cut()` closes every connection (RST), `silence()` keeps them open but lets no byte through in
 * either direction (a half-open link: a NAT that forgot the flow, a pulled uplink cable).
 * New connections after either are forwarded normally.
 */
export interface FaultProxy {
  readonly port: number;
  readonly service: string;
  /** Connections accepted so far (each agent (re)connect is one). */
  readonly accepted: number;
  readonly open: number;
  cut(): void;
  silence(): void;
  /**
   * Holds every server-to-agent byte `ms` before passing it on, in order (an overloaded server
   * answers late but answers); 0 passes at once again. Agent-to-server bytes are not held.
   */
  delay(ms: number): void;
  /**
   * Passes server-to-agent bytes only every `ms`, all that arrived since at once (a busy server
   * that serves each session in turns); 0 ends it.
   */
  turns(ms: number): void;
  /** Passes server-to-agent bytes `bytes` at a time, one piece every `everyMs` (a server sending slowly); 0 ends it. */
  trickle(bytes: number, everyMs: number): void;
  /** Cut, and refuse every new connection until `unblock()` (the server is unreachable). */
  block(): void;
  unblock(): void;
  close(): Promise<void>;
}

export async function startProxy(targetPort: number): Promise<FaultProxy> {
  const pairs = new Set<{ client: Socket; upstream: Socket; silent: boolean }>();
  let accepted = 0;
  let blocked = false;
  let delayMs = 0;
  let turnMs = 0;
  const turnsFrom = Date.now();
  let trickleBytes = 0;
  let trickleEveryMs = 0;
  /** When a piece arriving now may pass; never before the piece ahead of it (one FIFO). */
  const dueAt = (after: number): number => {
    const now = Date.now();
    let due = now + delayMs;
    if (turnMs > 0) due = turnsFrom + Math.ceil((due - turnsFrom) / turnMs) * turnMs;
    if (trickleBytes > 0) due = Math.max(due, after + trickleEveryMs);
    return Math.max(due, after);
  };
  const server = createServer((client) => {
    accepted++;
    if (blocked) { client.resetAndDestroy(); return; }
    const upstream = connect(targetPort, "127.0.0.1");
    const pair = { client, upstream, silent: false };
    pairs.add(pair);
    const forward = (from: Socket, to: Socket): void => {
      from.on("data", (chunk: Buffer) => { if (!pair.silent && !to.destroyed) to.write(chunk); });
    };
    forward(client, upstream);
    // Server to agent through one FIFO: a shorter delay later cannot reorder bytes.
    const held: Array<{ dueAt: number; chunk: Buffer }> = [];
    let timer: NodeJS.Timeout | undefined;
    const release = (): void => {
      timer = undefined;
      while (held.length > 0 && held[0]!.dueAt <= Date.now()) {
        const { chunk } = held.shift()!;
        if (!pair.silent && !client.destroyed) client.write(chunk);
      }
      if (held.length > 0) timer = setTimeout(release, held[0]!.dueAt - Date.now());
    };
    let lastDueAt = 0;
    upstream.on("data", (chunk: Buffer) => {
      if (pair.silent || client.destroyed) return;
      if (delayMs === 0 && turnMs === 0 && trickleBytes === 0 && held.length === 0) { client.write(chunk); return; }
      const size = trickleBytes > 0 ? trickleBytes : chunk.length;
      for (let at = 0; at < chunk.length; at += size) {
        lastDueAt = dueAt(lastDueAt);
        held.push({ dueAt: lastDueAt, chunk: chunk.subarray(at, at + size) });
      }
      timer ??= setTimeout(release, held[0]!.dueAt - Date.now());
    });
    client.on("close", () => clearTimeout(timer));
    const end = (): void => {
      pairs.delete(pair);
      if (pair.silent) return; // a half-open link tells neither side
      client.destroy();
      upstream.destroy();
    };
    client.on("close", end);
    upstream.on("close", end);
    client.on("error", () => undefined);
    upstream.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (typeof address !== "object" || !address) throw new Error("proxy has no port");
  const cut = (): void => {
    for (const pair of [...pairs]) { pair.client.resetAndDestroy(); pair.upstream.destroy(); pairs.delete(pair); }
  };
  return {
    port: address.port,
    service: `xmpp://127.0.0.1:${address.port}`,
    get accepted() { return accepted; },
    get open() { return pairs.size; },
    cut,
    silence() {
      for (const pair of pairs) pair.silent = true;
    },
    delay(ms: number) {
      delayMs = ms;
    },
    turns(ms: number) {
      turnMs = ms;
    },
    trickle(bytes: number, everyMs: number) {
      trickleBytes = bytes;
      trickleEveryMs = everyMs;
    },
    block() {
      blocked = true;
      cut();
    },
    unblock() {
      blocked = false;
    },
    async close() {
      for (const pair of [...pairs]) { pair.client.destroy(); pair.upstream.destroy(); }
      pairs.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
