import { Writable } from "node:stream";
import { createAgent, type Agent } from "../../src/agent/agent.js";
import { parseConfig } from "../../src/config/load.js";
import { createLogger } from "../../src/logging/log.js";
import type { ReadingSink } from "../../src/delivery/types.js";
import { startServerWith, type ServerKind, type ServerOptions, type XmppServer } from "./servers.js";

/** The agent in this process, its log captured for assertions. */
export interface InProcessAgent {
  readonly agent: Agent;
  /** Every log line the agent wrote (JSON text), in order. */
  readonly lines: string[];
  /** The same lines, parsed. */
  readonly entries: Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

export interface RunAgentOptions {
  readonly logLevel?: "debug" | "info" | "warn";
  /** Sinks added next to the configured ones (a recorder of what the pipeline produced). */
  readonly sinks?: readonly ReadingSink[];
  /** How long to wait for the XMPP session; 0 returns as soon as the agent started. */
  readonly onlineMs?: number;
}

/** Starts the agent on `config` in this process; stops it again if it does not come online. */
export async function runAgent(config: Record<string, unknown>, options: RunAgentOptions = {}): Promise<InProcessAgent> {
  const { logLevel = "debug", sinks = [], onlineMs = 30_000 } = options;
  const lines: string[] = [];
  const entries: Array<Record<string, unknown>> = [];
  const capture = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n")) {
        if (!line) continue;
        lines.push(line);
        entries.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  const agent = createAgent(parseConfig(config, {}), createLogger({ level: logLevel }, capture));
  for (const sink of sinks) agent.addSink(sink);
  try {
    await agent.start();
    if (onlineMs > 0) await agent.online(onlineMs);
  } catch (error) {
    await agent.stop();
    throw error;
  }
  return { agent, lines, entries, stop: () => agent.stop() };
}

/**
 * `base` with `overrides` laid over it: top-level keys are replaced, except the named sections,
 * which are merged one level deep. An undefined value means "leave the key out" (e.g.
 * `pubsub: { service: undefined }` for PEP instead of a pubsub service).
 */
export function overlay(base: Record<string, unknown>, overrides: Record<string, unknown>, sections: readonly string[] = []): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    const under = merged[key];
    merged[key] = sections.includes(key) && isObject(under) && isObject(value) ? { ...under, ...value } : value;
  }
  return withoutUndefined(merged, sections);
}

/** Starts the part that needs `server` (an agent, a fixture); if that fails the server is removed. stop() ends both. */
export async function onServer<T extends { stop(): Promise<void> }>(server: XmppServer, start: () => Promise<T>): Promise<T> {
  let part: T;
  try {
    part = await start();
  } catch (error) {
    await removeServer(server);
    throw error;
  }
  return { ...part, async stop() { await part.stop(); await removeServer(server); } };
}

export async function removeServer(server: XmppServer): Promise<void> {
  await server.stop();
  server.remove();
}

export interface TestBed {
  /** The private XMPP server (Prosody unless the test bed was asked for ejabberd). */
  readonly server: XmppServer;
  /** The same server under the name tests written before ejabberd use. */
  readonly prosody: XmppServer;
  readonly agent: Agent;
  /** Every log line the agent wrote (JSON), for assertions. */
  readonly logs: string[];
  stop(): Promise<void>;
}

/** Passwords of the accounts every test bed registers. */
export const ACCOUNTS = { agent: "agent-pw-1", alice: "alice-pw-1", bob: "bob-pw-1", mallory: "mallory-pw-1" } as const;

/** Who may do what on a test bed: alice administers, bob reads, mallory is a stranger. */
export const TEST_ACL = { admins: ["alice@localhost"], readers: ["bob@localhost"] } as const;

/** The agent's login on a loopback server without TLS. */
export const agentLogin = (service: string) => ({ service, jid: "agent@localhost", password: ACCOUNTS.agent, tls: "off" });

/**
 * A private server (Prosody by default, or ejabberd) with agent, alice (admin), bob (reader) and
 * mallory (stranger), and an agent started on `config` (its `xmpp` and `pubsub` merged over a
 * loopback, TLS-off default). Stop it in afterAll.
 */
export async function startTestBed(
  config: Record<string, unknown>,
  serverOptions: ServerOptions & { kind?: ServerKind } = {},
  runOptions: RunAgentOptions = {},
): Promise<TestBed> {
  const server = await startAgentServer(serverOptions);
  return onServer(server, async () => {
    const base = { xmpp: agentLogin(server.service), pubsub: { service: server.pubsubJid }, acl: TEST_ACL };
    const running = await runAgent(overlay(base, config, ["xmpp", "pubsub"]), runOptions);
    return { server, prosody: server, agent: running.agent, logs: running.lines, stop: running.stop };
  });
}

/**
 * A private server with the test bed's accounts (and `accounts` on top), the agent a pubsub admin;
 * remove it with removeServer().
 */
export async function startAgentServer(serverOptions: ServerOptions & { kind?: ServerKind; accounts?: Readonly<Record<string, string>> } = {}): Promise<XmppServer> {
  const { kind = "prosody", accounts = {}, ...options } = serverOptions;
  return startServerWith(kind, { ...ACCOUNTS, ...accounts }, { pubsubAdmins: ["agent@localhost"], ...options });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function withoutUndefined(config: Record<string, unknown>, sections: readonly string[]): Record<string, unknown> {
  const kept = Object.entries(config).filter(([, value]) => value !== undefined)
    .map(([key, value]) => [key, sections.includes(key) && isObject(value) ? withoutUndefined(value, []) : value]);
  return Object.fromEntries(kept);
}
