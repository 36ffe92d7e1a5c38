import { createHash, createHmac, pbkdf2Sync, randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startEjabberd } from "../../src/ejabberd/server.js";
import { startProsody } from "../../src/prosody/server.js";
import type { XmppServer } from "../harness/servers.js";
import { findPid } from "./servers.js";

export type FleetServerKind = "prosody" | "ejabberd";

export interface FleetServer {
  readonly server: XmppServer;
  /** The server's OS process, for its CPU time (/proc/<pid>/stat). */
  readonly pid: number;
  stop(): Promise<void>;
}

/**
 * A private server for a fleet of `accounts`, every one allowed to create pubsub nodes (Prosody's
 * component lets only its admins do that; ejabberd's access_createnode the same list).
 */
export async function startFleetServer(kind: FleetServerKind, accounts: Readonly<Record<string, string>>): Promise<FleetServer> {
  const admins = Object.keys(accounts).map((user) => `${user}@localhost`);
  let server: XmppServer;
  if (kind === "ejabberd") {
    const ejabberd = await startEjabberd({ pubsubAdmins: admins, logLevel: "warning" });
    server = ejabberd;
    try {
      ejabberd.registerMany(accounts);
    } catch (error) {
      await ejabberd.stop();
      ejabberd.remove();
      throw error;
    }
  } else {
    const prosody = await startProsody({ pubsubAdmins: admins, logLevel: "warn", nagle: false });
    server = { ...prosody, kind: "prosody" };
    writeProsodyAccounts(prosody.dir, prosody.domain, accounts);
  }
  const pid = findPid(server.dir);
  if (pid === undefined) {
    await server.stop();
    server.remove();
    throw new Error(`cannot find the ${kind} process of ${server.dir}`);
  }
  return { server, pid, async stop() { await server.stop(); server.remove(); } };
}

/**
 * Prosody's `internal_hashed` account files written directly: `prosodyctl register` starts a Lua
 * VM per account (seconds each on a loaded machine, minutes for a fleet). The fields are those
 * prosodyctl writes: SCRAM-SHA-1 StoredKey and ServerKey (RFC 5802 section 3) in hex, salt, count.
 */
export function writeProsodyAccounts(dir: string, domain: string, accounts: Readonly<Record<string, string>>): void {
  const folder = join(dir, "data", datamanagerName(domain), "accounts");
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  for (const [user, password] of Object.entries(accounts)) {
    const salt = randomUUID();
    const iterations = 4096;
    const salted = pbkdf2Sync(password, salt, iterations, 20, "sha1");
    const clientKey = createHmac("sha1", salted).update("Client Key").digest();
    const storedKey = createHash("sha1").update(clientKey).digest("hex");
    const serverKey = createHmac("sha1", salted).update("Server Key").digest("hex");
    writeFileSync(join(folder, `${datamanagerName(user)}.dat`), `return {\n\t["stored_key"] = "${storedKey}";\n\t["server_key"] = "${serverKey}";\n\t["salt"] = "${salt}";\n\t["iteration_count"] = ${iterations};\n};\n`, { mode: 0o600 });
  }
}

/** Prosody's util/datamanager file names: every non-alphanumeric byte as %xx (lower-case hex). */
function datamanagerName(name: string): string {
  return [...Buffer.from(name, "utf8")].map((b) => (/[A-Za-z0-9]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, "0")}`)).join("");
}
