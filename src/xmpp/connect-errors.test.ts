import { describe, expect, it } from "vitest";
import { describeConnectFailure, hostPort } from "./connect-errors.js";

const context = { service: "xmpp://127.0.0.1:47999", domain: "localhost", timeoutMs: 15_000, caFile: false };
const timeout = Object.assign(new Error(""), { name: "TimeoutError" });

describe("describeConnectFailure", () => {
  it("never gives an empty reason: xmpp.js's TimeoutError has no message, the phase names the cause", () => {
    expect(describeConnectFailure(timeout, "stream", context).message).toBe("no XMPP stream from 127.0.0.1:47999 within 15 s; is this the server's client port (5222)? (xmpp.connectTimeoutMs for a slow server)");
    expect(describeConnectFailure(timeout, "tcp", context).message).toMatch(/^no TCP connection to 127.0.0.1:47999 within 15 s/);
    expect(describeConnectFailure(timeout, "login", context).message).toMatch(/did not complete TLS, login and resource binding within 15 s/);
    expect(describeConnectFailure(Object.assign(new Error(""), { name: "Weird" }), "login", context).message).toBe("cannot connect to xmpp://127.0.0.1:47999: Weird");
  });
  it("a refused login is AUTH_FAILED (exit 69, the one final failure); the rest is SERVICE_UNREACHABLE", () => {
    expect(describeConnectFailure(Object.assign(new Error("not-authorized"), { name: "SASLError", condition: "not-authorized" }), "login", context).code).toBe("AUTH_FAILED");
    expect(describeConnectFailure(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }), "tcp", context).code).toBe("SERVICE_UNREACHABLE");
  });
  it("a SASL failure about the exchange, not the credentials, is tried again (RFC 6120 section 6.5)", () => {
    for (const condition of ["malformed-request", "temporary-auth-failure", "aborted", "incorrect-encoding"]) {
      const failure = describeConnectFailure(Object.assign(new Error(condition), { name: "SASLError", condition }), "login", context);
      expect(failure.code).toBe("SERVICE_UNREACHABLE");
      expect(failure.message).toBe(`127.0.0.1:47999 broke off the login (${condition}); trying again (the server's log says why if it repeats)`);
    }
    for (const condition of ["not-authorized", "account-disabled", "credentials-expired", "invalid-mechanism"]) {
      expect(describeConnectFailure(Object.assign(new Error(condition), { name: "SASLError", condition }), "login", context).code).toBe("AUTH_FAILED");
    }
  });
  it("hostPort fills in the default port of the scheme", () => {
    expect(hostPort("xmpp://example.org")).toBe("example.org:5222");
    expect(hostPort("xmpps://example.org")).toBe("example.org:5223");
  });
});
