import { afterAll, describe, expect, it } from "vitest";
import { SERVER_KINDS, startServer, type XmppServer } from "../harness/servers.js";
import { startSlixClient, type SlixClient } from "./client.js";
import { startAccounts, startAgent, USERS, type RunningAgent } from "./fixture.js";
import { eventually } from "../harness/wait.js";
import { agentLogin } from "../harness/agent.js";


/** The agent rejoins its rooms after the server restarts, and room commands work again. */
describe.each(SERVER_KINDS)("rooms across a %s restart", (kind) => {
  let server: XmppServer | undefined;
  let running: RunningAgent | undefined;
  let alice: SlixClient | undefined;

  afterAll(async () => {
    await alice?.stop();
    await running?.stop();
    await server?.stop();
    server?.remove();
  });

  it("rejoins and answers in the room", async () => {
    const first = await startAccounts(kind);
    server = first;
    const room = `ops@${first.mucJid}`;
    running = await startAgent(first, {
      alerts: [],
      xmpp: { ...agentLogin(first.service), resource: "agent", reconnectMinMs: 200, reconnectMaxMs: 1000 },
      chat: { rooms: [room] },
    });
    const joins = () => running!.logs.filter((l) => l["msg"] === "joined room" && l["room"] === room).length;
    await eventually(joins, "first join", 20_000, { until: (n) => n === 1 });

    await first.stop();
    server = await startServer(kind, { pubsubAdmins: ["agent@localhost"], port: first.port, dir: first.dir });
    await eventually(joins, "rejoin after the restart", 20_000, { until: (n) => n === 2 });

    alice = await startSlixClient(server.port, "alice@localhost/phone", USERS.alice);
    await alice.call({ op: "join", room, nick: "alice" });
    await alice.call({ op: "groupchat", room, body: "!read greenhouse/humidity" });
    const reply = await alice.call({ op: "wait_messages", type: "groupchat", from: "/greenhouse-pi", timeout: 10 });
    expect((reply["messages"] as Array<{ body: string }>).map((m) => m.body)).toEqual([expect.stringMatching(/^alice: greenhouse\/humidity: 55 %RH \(\d+s ago\)$/)]);
  });
});
