import type { Agent } from "../../src/agent.js";
import { onServer, overlay, runAgent } from "../harness/agent.js";
import { startServerWith, type ServerKind, type XmppServer } from "../harness/servers.js";

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

export const USERS = { alice: "alice-pw", bob: "bob-pw", carol: "carol-pw", eve: "eve-pw" } as const;

/** A private server with five accounts: agent; alice admin; bob and carol readers; eve a stranger. */
export async function startAccounts(kind: ServerKind = "prosody"): Promise<XmppServer> {
  return startServerWith(kind, { agent: "agent-pw", ...USERS }, { pubsubAdmins: ["agent@localhost"] });
}

/**
 * The agent on that server, with a writable simulated greenhouse and an alert on its temperature;
 * `extra` replaces top-level config keys.
 */
export async function startAgent(server: XmppServer, extra: Record<string, unknown> = {}): Promise<RunningAgent> {
  const base = {
    name: "greenhouse-pi",
    xmpp: { service: server.service, jid: "agent@localhost", password: "agent-pw", tls: "off", resource: "agent" },
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
