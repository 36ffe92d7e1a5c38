import { Writable } from "node:stream";
import { createAgent, type Agent } from "../../src/agent.js";
import { parseConfig } from "../../src/config/load.js";
import { createLogger } from "../../src/log.js";
import { startProsody, type ProsodyOptions, type ProsodyServer } from "../../src/prosody/server.js";

export interface TestBed {
  readonly prosody: ProsodyServer;
  readonly agent: Agent;
  /** Every log line the agent wrote (JSON), for assertions. */
  readonly logs: string[];
  stop(): Promise<void>;
}

/** Passwords of the accounts every test bed registers. */
export const ACCOUNTS = { agent: "agent-pw-1", alice: "alice-pw-1", bob: "bob-pw-1", mallory: "mallory-pw-1" } as const;

/**
 * A private Prosody with agent, alice (admin), bob (reader) and mallory (stranger), and an agent
 * started on `config` (merged over a loopback, TLS-off default). Stop it in afterAll.
 */
export async function startTestBed(config: Record<string, unknown>, prosodyOptions: ProsodyOptions = {}): Promise<TestBed> {
  const prosody = await startProsody({ pubsubAdmins: ["agent@localhost"], ...prosodyOptions });
  for (const [user, password] of Object.entries(ACCOUNTS)) prosody.register(user, password);
  const logs: string[] = [];
  const sink = new Writable({ write(chunk: Buffer, _enc, done) { logs.push(...chunk.toString().split("\n").filter(Boolean)); done(); } });
  const loaded = parseConfig({
    xmpp: { service: prosody.service, jid: "agent@localhost", password: ACCOUNTS.agent, tls: "off", ...(config["xmpp"] as object | undefined) },
    pubsub: withoutUndefined({ service: prosody.pubsubJid, ...(config["pubsub"] as object | undefined) }),
    acl: { admins: ["alice@localhost"], readers: ["bob@localhost"] },
    ...Object.fromEntries(Object.entries(config).filter(([k]) => k !== "xmpp" && k !== "pubsub")),
  }, {});
  const agent = createAgent(loaded, createLogger({ level: "debug" }, sink));
  try {
    await agent.start();
    await agent.online(30_000);
  } catch (error) {
    await agent.stop();
    await prosody.stop();
    prosody.remove();
    throw error;
  }
  return {
    prosody, agent, logs,
    async stop() {
      await agent.stop();
      await prosody.stop();
      prosody.remove();
    },
  };
}

/** `{ service: undefined }` in a test config means "leave the key out" (e.g. PEP instead of a service). */
function withoutUndefined(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined));
}
