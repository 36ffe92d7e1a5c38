import { once } from "node:events";
import { createServer, connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { unacknowledgedBytes } from "./tcp-acks.js";

describe("unacknowledgedBytes (a real loopback connection, /proc/net/tcp)", () => {
  const sockets: Socket[] = [];
  const servers: ReturnType<typeof createServer>[] = [];
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.destroy();
    for (const server of servers.splice(0)) server.close();
  });

  it("is 0 once the peer's kernel acknowledged what was written, for IPv4 and IPv6", async () => {
    for (const host of ["127.0.0.1", "::1"]) {
      const server = createServer((peer) => { sockets.push(peer); peer.resume(); });
      servers.push(server);
      server.listen(0, host);
      await once(server, "listening");
      const client = connect((server.address() as { port: number }).port, host);
      sockets.push(client);
      await once(client, "connect");
      client.write("<iq type='get' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>");
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await unacknowledgedBytes(client)).toBe(0);
    }
  });

  it("is undefined for a connection it cannot find", async () => {
    expect(await unacknowledgedBytes({ localPort: 1, remotePort: 1 })).toBeUndefined();
    expect(await unacknowledgedBytes(undefined)).toBeUndefined();
  });
});
