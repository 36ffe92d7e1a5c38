import type { Agent } from "../../src/agent/agent.js";
import { onServer, overlay, runAgent, ACCOUNTS, agentLogin, startAgentServer } from "../harness/agent.js";
import type { ServerKind, XmppServer } from "../harness/servers.js";

export interface RunningAgent {
  readonly agent: Agent;
  /** JSON log lines of the agent, to check what it logged. */
  readonly logs: Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

export interface ControlFixture extends RunningAgent {
  readonly server: XmppServer;
  /** The same server under the name tests written before ejabberd use. */
  readonly prosody: XmppServer;
  readonly agentJid: string;
}

export const USERS = { alice: ACCOUNTS.alice, bob: ACCOUNTS.bob, carol: "carol-pw-1", eve: "eve-pw-1" } as const;

/** The test bed's server with two more accounts: agent; alice admin; bob and carol readers; eve a stranger. */
export async function startAccounts(kind: ServerKind = "prosody"): Promise<XmppServer> {
  return startAgentServer({ kind, accounts: { carol: USERS.carol, eve: USERS.eve } });
}

/**
 * The agent on that server, with a writable simulated greenhouse and an alert on its temperature;
 * `extra` replaces top-level config keys.
 */
export async function startAgent(server: XmppServer, extra: Record<string, unknown> = {}): Promise<RunningAgent> {
  const base = {
    name: "greenhouse-pi",
    xmpp: { ...agentLogin(server.service), resource: "agent" },
    pubsub: { service: server.pubsubJid, access: "acl" },
    acl: { admins: ["alice@localhost"], readers: ["bob@localhost", "carol@localhost"] },
    devices: [{
      id: "greenhouse", driver: "simulated", intervalMs: 300,
      channels: {
        temperature: { unit: "Cel", writable: true, value: 21.5 },
        lamp: { type: "boolean", writable: true },
        humidity: { unit: "%RH", waveform: "constant", value: 55 },
      },
    }],
    alerts: [{ when: "greenhouse/temperature > 35", for: "1s", hysteresis: 2, notify: ["alice@localhost"], room: `ops@${server.mucJid}` }],
  };
  const running = await runAgent(overlay(base, extra), { logLevel: "info" });
  return { agent: running.agent, logs: running.entries, stop: running.stop };
}

export async function startControlFixture(extra: Record<string, unknown> = {}, kind: ServerKind = "prosody"): Promise<ControlFixture> {
  const server = await startAccounts(kind);
  return onServer(server, async () => ({ ...await startAgent(server, extra), server, prosody: server, agentJid: "agent@localhost/agent" }));
}
