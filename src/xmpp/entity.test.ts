import { describe, expect, it } from "vitest";
import { createEntity } from "./entity.js";

describe("entity: bytes after the server closed the stream", () => {
  it("are dropped instead of throwing from the socket's data event (xmpp.js 0.14 has no parser then)", () => {
    const { entity } = createEntity({ service: "xmpp://127.0.0.1:1", domain: "localhost", username: "u", password: "p", resource: "r", tlsRequired: false });
    const e = entity as unknown as { parser: unknown; _onData(data: Buffer): void };
    e.parser = null; // as after </stream:stream> (Connection#onStreamClosed -> _detachParser)
    expect(() => e._onData(Buffer.from("<message/>"))).not.toThrow();
    const written: string[] = [];
    e.parser = { write: (s: string) => written.push(s) };
    e._onData(Buffer.from("<iq/>"));
    expect(written).toEqual(["<iq/>"]);
  });
});
