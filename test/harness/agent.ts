import { Writable } from "node:stream";
import { createAgent, type Agent } from "../../src/agent.js";
import { parseConfig } from "../../src/config/load.js";
import { createLogger } from "../../src/log.js";
import { startServerWith, type ServerKind, type ServerOptions, type XmppServer } from "./servers.js";

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

/**
 * A private server (Prosody by default, or ejabberd) with agent, alice (admin), bob (reader) and
 * mallory (stranger), and an agent started on `config` (merged over a loopback, TLS-off default).
 * Stop it in afterAll.
 */
export async function startTestBed(config: Record<string, unknown>, serverOptions: ServerOptions & { kind?: ServerKind } = {}): Promise<TestBed> {
  const { kind = "prosody", ...options } = serverOptions;
  const server = await startServerWith(kind, ACCOUNTS, { pubsubAdmins: ["agent@localhost"], ...options });
  const logs: string[] = [];
  const sink = new Writable({ write(chunk: Buffer, _enc, done) { logs.push(...chunk.toString().split("\n").filter(Boolean)); done(); } });
  const loaded = parseConfig({
    xmpp: { service: server.service, jid: "agent@localhost", password: ACCOUNTS.agent, tls: "off", ...(config["xmpp"] as object | undefined) },
    pubsub: withoutUndefined({ service: server.pubsubJid, ...(config["pubsub"] as object | undefined) }),
    acl: { admins: ["alice@localhost"], readers: ["bob@localhost"] },
    ...Object.fromEntries(Object.entries(config).filter(([k]) => k !== "xmpp" && k !== "pubsub")),
  }, {});
  const agent = createAgent(loaded, createLogger({ level: "debug" }, sink));
  try {
    await agent.start();
    await agent.online(30_000);
  } catch (error) {
    await agent.stop();
    await server.stop();
    server.remove();
    throw error;
  }
  return {
    server, prosody: server, agent, logs,
    async stop() {
      await agent.stop();
      await server.stop();
      server.remove();
    },
  };
}

/** `{ service: undefined }` in a test config means "leave the key out" (e.g. PEP instead of a service). */
function withoutUndefined(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined));
}
