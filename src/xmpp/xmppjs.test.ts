import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { setTimeout as sleep } from "node:timers/promises";
import xml from "@xmpp/xml";
import { describe, expect, it } from "vitest";
import { createEntity } from "./entity.js";
import {
  ACK_REQUEST_DELAY_MS, canUpgrade, Client, guardOutgoingXml, rawSocket, StanzaError, upgrade, type StreamManagement, type XmppJsEntity,
} from "./xmppjs.js";

/*
 * What src/xmpp/xmppjs.ts relies on inside xmpp.js, checked against the installed packages. A
 * failure here after an upgrade names the assumption that no longer holds: review the patch it
 * belongs to before changing the pinned version in package.json.
 */

const require = createRequire(import.meta.url);
/** The text of an xmpp.js file; `via` names the declared package that depends on it, so the copy it loads is read. */
const source = (file: string, via?: string): string => readFileSync((via ? createRequire(require.resolve(via)) : require).resolve(file), "utf8");
const NS_SM = "urn:xmpp:sm:3";

function entityWithFakeSocket() {
  const xmpp = createEntity({ service: "xmpp://127.0.0.1:1", domain: "localhost", username: "u", password: "p", resource: "r", tlsRequired: false });
  const written: string[] = [];
  const entity = xmpp.entity;
  // What connect() sets up: the TCP transport (registered by @xmpp/tcp) and its socket.
  const internals = entity as unknown as { transports: unknown[]; Transport: unknown };
  internals.Transport = internals.transports[0];
  entity.socket = Object.assign(new (require("node:events").EventEmitter)(), {
    write: (text: string, done: (error?: Error) => void) => { written.push(text); done(); },
  }) as unknown as XmppJsEntity["socket"];
  return { ...xmpp, written };
}

describe("xmpp.js internals the agent relies on", () => {
  it("every @xmpp package is the version package.json pins", () => {
    const pinned = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { dependencies: Record<string, string> }).dependencies;
    for (const [name, version] of Object.entries(pinned)) {
      if (!name.startsWith("@xmpp/")) continue;
      expect(JSON.parse(readFileSync(require.resolve(`${name}/package.json`), "utf8")).version, name).toBe(version);
    }
  });

  it("Connection: _onData is bound when the socket is attached, and reads this.parser (ignoreBytesAfterStreamClose)", () => {
    const connection = source("@xmpp/connection", "@xmpp/client-core");
    expect(connection).toContain("data: this._onData.bind(this)");
    expect(connection).toMatch(/_onData\(data\) \{[^}]*this\.parser\.write/);
    for (const method of ["_onData", "_attachSocket", "_detachSocket", "write", "send", "sendReceive", "isSecure", "restart"]) {
      expect(typeof (Client.prototype as unknown as Record<string, unknown>)[method], method).toBe("function");
    }
    const entity = new Client({ service: "xmpp://127.0.0.1:1", domain: "localhost" });
    expect(entity.parser).toBeNull();
    expect(entity.socket).toBeNull();
    expect(typeof entity.timeout).toBe("number");
  });

  it("Connection: send writes every stanza through entity.write (guardOutgoingXml)", async () => {
    const { entity, written } = entityWithFakeSocket();
    const replaced: string[] = [];
    guardOutgoingXml(entity, (char) => replaced.push(char));
    await entity.send(xml("message", { to: "a@localhost" }, xml("body", {}, "x\u0001y")));
    expect(written.join("")).toContain("x\uFFFDy");
    expect(replaced).toEqual(["U+0001"]);
  });

  it("stream management keeps its counters and queue as plain properties of its handle (fixInboundCount, boundUnackedQueue)", async () => {
    const { entity, streamManagement, written } = entityWithFakeSocket();
    const sm = streamManagement as StreamManagement;
    expect(sm.inbound).toBe(0);
    expect(Array.isArray(sm.outbound_q)).toBe(true);
    expect(sm.enabled).toBe(false);
    expect(sm.id).toBe("");
    // disableAckTimeout: the 60 s rule reads `sm.timeout` each time it would arm its timer.
    expect(sm.timeout).toBe(60_000);
    expect(source("@xmpp/stream-management")).toMatch(/if \(sm\.timeout && !timeoutTimeout\)/);
    // The late reset the patch ignores: xmpp.js still zeroes the counter in enabled(), after <enabled/>.
    expect(source("@xmpp/stream-management")).toMatch(/function enabled\([^)]*\) \{[^}]*sm\.inbound = 0;/);
    entity.emit("element", xml("enabled", { xmlns: NS_SM, id: "s1", resume: "true" }));
    entity.emit("element", xml("message", { from: "a@localhost" }));
    await sleep(0);
    expect(sm.inbound).toBe(1);
    sm.inbound = 0; // what enabled() does once its await returns
    expect(sm.inbound).toBe(1);
    // Its filter queues each sent stanza while enabled; ours then asks for an ack after the delay.
    sm.enabled = true;
    await entity.send(xml("message", { to: "a@localhost" }));
    expect(sm.outbound_q.length).toBe(1);
    await sleep(ACK_REQUEST_DELAY_MS + 30);
    expect(written.some((text) => text === `<r xmlns="${NS_SM}"/>`)).toBe(true);
  });

  it("iq caller keeps its pending requests in a `handlers` Map of Deferreds (guardIqCaller, requests.ts)", () => {
    const { iqCaller } = createEntity({ service: "xmpp://127.0.0.1:1", domain: "localhost", username: "u", password: "p", resource: "r", tlsRequired: false });
    expect(iqCaller.handlers).toBeInstanceOf(Map);
    expect(source("@xmpp/iq/caller.js")).toMatch(/this\.handlers\.set\(stanza\.attrs\.id, deferred\);\s*try \{\s*await this\.entity\.send\(stanza\)/);
  });

  it("SASL waits for nonzas through the entity's `nonza` listeners (connection.ts clears them before a new login)", () => {
    expect(source("@xmpp/events/lib/procedure.js", "@xmpp/sasl")).toContain('entity.on("nonza", listener)');
  });

  it("STARTTLS upgrade helpers and StanzaError keep their shapes", () => {
    expect(typeof canUpgrade).toBe("function");
    expect(typeof upgrade).toBe("function");
    const error = new StanzaError("item-not-found", "gone");
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: "StanzaError", condition: "item-not-found", text: "gone" });
  });

  it("rawSocket: xmpp.js's TCP socket is a net.Socket, its TLS socket wraps node's as `.socket`", () => {
    expect(source("@xmpp/connection-tcp/Socket.js", "@xmpp/tcp")).toContain("class Socket extends TCPSocket"); // a net.Socket itself
    expect(source("@xmpp/tls/lib/Socket.js")).toContain("this.socket = socket");
    const entity = new Client({ service: "xmpp://127.0.0.1:1", domain: "localhost" });
    expect(rawSocket(entity)).toBeUndefined();
    const tcp = { setNoDelay: () => undefined };
    entity.socket = tcp as unknown as XmppJsEntity["socket"];
    expect(rawSocket(entity)).toBe(tcp);
    entity.socket = { socket: tcp } as unknown as XmppJsEntity["socket"];
    expect(rawSocket(entity)).toBe(tcp);
  });
});
