import { startEjabberd, type EjabberdServer } from "../../src/ejabberd/server.js";
import { startProsody, type ProsodyServer } from "../../src/prosody/server.js";

/** The XMPP servers the interop tests run against, each started privately on loopback. */
export const SERVER_KINDS = ["prosody", "ejabberd"] as const;
export type ServerKind = (typeof SERVER_KINDS)[number];

/** A plain ProsodyServer (no `kind`) is a Prosody too: tests that start one themselves pass it as is. */
export type XmppServer = (ProsodyServer & { readonly kind?: "prosody" }) | EjabberdServer;

export interface ServerOptions {
  readonly pubsubAdmins?: readonly string[];
  readonly tls?: boolean;
  /** Restart on the same port and directory (accounts, nodes and rooms kept). */
  readonly port?: number;
  readonly dir?: string;
  /** Prosody only (the dashboard tests): an RFC 7395 WebSocket listener too. */
  readonly websocket?: boolean;
}

/** A private server of that kind; ejabberd missing fails loudly (CI installs it), never a skip. */
export async function startServer(kind: ServerKind, options: ServerOptions = {}): Promise<XmppServer> {
  if (kind === "ejabberd") {
    const { websocket, ...rest } = options;
    if (websocket) throw new Error("the private ejabberd has no WebSocket listener (only the Prosody one does)");
    return startEjabberd({ ...rest, logLevel: "warning" });
  }
  const prosody = await startProsody(options);
  return { ...prosody, kind: "prosody" };
}

/** Registers accounts (ejabberd: in one ejabberd_ctl round, an Erlang VM start costs ~1 s). */
export function registerAll(server: XmppServer, accounts: Readonly<Record<string, string>>): void {
  if (server.kind === "ejabberd") server.registerMany(accounts);
  else for (const [user, password] of Object.entries(accounts)) server.register(user, password);
}

/** Starts a server and registers accounts; stops and removes it again if registering fails. */
export async function startServerWith(kind: ServerKind, accounts: Readonly<Record<string, string>>, options: ServerOptions = {}): Promise<XmppServer> {
  const server = await startServer(kind, options);
  try {
    registerAll(server, accounts);
    return server;
  } catch (error) {
    await server.stop();
    server.remove();
    throw error;
  }
}
