import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IotError } from "../errors/catalog.js";
import { freeLoopbackPort, type ProsodyServer } from "../prosody/server.js";
import { renderEjabberdConfig } from "./config.js";
import { makeCertificates } from "./certificates.js";

export const EJABBERD_APT_COMMAND = "apt-get update && apt-get install -y ejabberd";

export interface EjabberdOptions {
  readonly domain?: string;
  readonly pubsubAdmins?: readonly string[];
  /**
   * STARTTLS required, with a certificate from a private CA made now (`certificateFile` is that
   * CA: what a user gives as xmpp.caFile). `names` are its subjectAltNames (default: the domain
   * and its subdomains); `[]` makes a certificate like Debian's ejabberd.pem: CN only, no SAN.
   */
  readonly tls?: boolean | { readonly names: readonly string[] };
  /** Reuse a port (restart after stop); default: a free loopback port chosen now. */
  readonly port?: number;
  /** Reuse a directory (keeps accounts, nodes and rooms across a restart). */
  readonly dir?: string;
  readonly logLevel?: "debug" | "info" | "warning";
  /** Start as a second node next to `peer` (its epmd and cookie), ready for `joinCluster(peer)`. */
  readonly peer?: EjabberdServer;
}

/** The same handle as a private Prosody, so a test runs against either. */
export interface EjabberdServer extends ProsodyServer {
  readonly kind: "ejabberd";
  /** Erlang node name, unique per instance (two instances never share one). */
  readonly node: string;
  /** Registers many accounts with one ejabberd_ctl round (an Erlang VM start is ~1 s). */
  registerMany(accounts: Readonly<Record<string, string>>): void;
  /** `ejabberdctl join_cluster`: this node joins `peer`'s cluster (mnesia replicated, routes shared). */
  joinCluster(peer: EjabberdServer): void;
  /** Erlang nodes in this node's cluster, as `ejabberdctl list_cluster` prints them. */
  clusterNodes(): string[];
  /** @internal the distribution environment a peer node shares (private epmd, cookie). */
  readonly erlang: ErlangEnv;
}

export interface ErlangEnv {
  readonly env: NodeJS.ProcessEnv;
  readonly cookie: string;
}

/** Debian installs ejabberd's own applications outside the Erlang root, under ERL_LIBS. */
function ejabberdLibs(): string | undefined {
  for (const base of ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib/arm-linux-gnueabihf", "/usr/lib"]) {
    if (existsSync(base) && readdirSync(base).some((name) => /^ejabberd-\d/.test(name))) return base;
  }
  return undefined;
}

export function ejabberdInstalled(): boolean {
  return existsSync("/usr/sbin/ejabberdctl") && existsSync("/usr/bin/erl") && ejabberdLibs() !== undefined;
}

/**
 * A private ejabberd on 127.0.0.1 in its own directory. Not through `ejabberdctl start`: as root it
 * switches to the `ejabberd` user (who cannot read a private temp dir) and it uses the shared epmd
 * on port 4369 on every interface. Here `erl` runs as the caller with ejabberdctl's arguments, a
 * private epmd (our child, loopback only, port chosen now: ERL_EPMD_ADDRESS/ERL_EPMD_PORT), a
 * random cookie, a unique node name, and mnesia, log and crash dump inside `dir`.
 */
export async function startEjabberd(options: EjabberdOptions = {}): Promise<EjabberdServer> {
  const libs = ejabberdLibs();
  if (!ejabberdInstalled() || !libs) {
    throw new IotError("DEPENDENCY_MISSING", `ejabberd is not installed; run: ${EJABBERD_APT_COMMAND}`);
  }
  const domain = options.domain ?? "localhost";
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), "xmpp-iot-ejabberd-"));
  for (const sub of ["spool", "log"]) mkdirSync(join(dir, sub), { recursive: true, mode: 0o700 });
  const port = options.port ?? (await freeLoopbackPort());
  const tlsNames = options.tls === true ? [domain, `*.${domain}`] : options.tls ? options.tls.names : undefined;
  const certificates = tlsNames ? makeCertificates(dir, domain, tlsNames) : undefined;
  const configFile = join(dir, "ejabberd.yml");
  writeFileSync(configFile, renderEjabberdConfig({
    port, domain, pubsubAdmins: options.pubsubAdmins ?? [],
    ...(certificates ? { certfile: certificates.serverPem } : {}),
    ...(options.logLevel ? { logLevel: options.logLevel } : {}),
  }));

  const epmdPort = options.peer ? Number(options.peer.erlang.env["ERL_EPMD_PORT"]) : await freeLoopbackPort();
  // mnesia's schema belongs to the node name: a restart on the same dir must reuse it.
  const nodeFile = join(dir, "node");
  const node = existsSync(nodeFile) ? readFileSync(nodeFile, "utf8").trim() : `xmppiot${process.pid}x${randomBytes(4).toString("hex")}@localhost`;
  writeFileSync(nodeFile, `${node}\n`);
  const erlang: ErlangEnv = {
    cookie: options.peer?.erlang.cookie ?? randomBytes(16).toString("hex"),
    env: {
      ...process.env,
      HOME: dir, // erl writes ~/.erlang.cookie when none is given; keep it inside dir anyway
      ERL_LIBS: libs,
      ERL_EPMD_ADDRESS: "127.0.0.1",
      ERL_EPMD_PORT: String(epmdPort),
      EJABBERD_CONFIG_PATH: configFile,
      EJABBERD_LOG_PATH: join(dir, "log", "ejabberd.log"),
      ERL_CRASH_DUMP: join(dir, "log", "erl_crash.dump"),
      ERL_CRASH_DUMP_BYTES: "0",
    },
  };
  // A peer node registers with the first node's epmd; only the first one owns (and stops) it.
  const epmd = options.peer ? undefined : spawn("/usr/bin/epmd", ["-port", String(epmdPort), "-address", "127.0.0.1"], { env: erlang.env, cwd: dir, stdio: "ignore" });
  const epmdExited = epmd ? exitOf(epmd) : Promise.resolve();
  if (epmd) await waitForPort(epmdPort, 10_000, () => epmd.exitCode !== null, "epmd");

  const beam = spawn("/usr/bin/erl", [
    "-sname", node, "-setcookie", erlang.cookie, "-noinput", "-start_epmd", "false",
    "-kernel", "inet_dist_use_interface", "{127,0,0,1}",
    "+K", "true", "+P", "250000",
    "-mnesia", "dir", JSON.stringify(join(dir, "spool")),
    "-s", "ejabberd",
  ], { env: erlang.env, cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const keep = (chunk: Buffer): void => { output = (output + chunk.toString()).slice(-4000); };
  beam.stdout?.on("data", keep);
  beam.stderr?.on("data", keep);
  const beamExited = exitOf(beam);
  try {
    // ejabberd opens its listeners last, when every module has started.
    await waitForPort(port, 60_000, () => beam.exitCode !== null, "ejabberd");
  } catch (error) {
    beam.kill("SIGKILL");
    epmd?.kill("SIGKILL");
    const log = readTail(join(dir, "log", "ejabberd.log"));
    throw new IotError("SERVICE_UNREACHABLE", `ejabberd did not start on 127.0.0.1:${port}: ${String(error)}\n${output}\n${log}`);
  }

  try {
    // The listener opens before every mnesia table is loaded: a login or `register` at once fails
    // with {aborted,{no_exists,passwd,...}}; wait until the node says its tables are there.
    erl(erlang, `Wait = fun W(0) -> halt(1); W(N) ->
        case rpc:call('${node}', mnesia, wait_for_tables, [rpc:call('${node}', mnesia, system_info, [tables]), 1000]) of
          ok -> case rpc:call('${node}', ejabberd_auth, user_exists, [<<"readiness-probe">>, <<${JSON.stringify(domain)}/utf8>>]) of
                  false -> halt(0);
                  _ -> timer:sleep(200), W(N - 1)
                end;
          _ -> timer:sleep(200), W(N - 1)
        end end, Wait(150).`, {}, "readiness check");
  } catch (error) {
    beam.kill("SIGKILL");
    epmd?.kill("SIGKILL");
    throw new IotError("SERVICE_UNREACHABLE", `ejabberd on 127.0.0.1:${port} did not become ready: ${String(error)}\n${readTail(join(dir, "log", "ejabberd.log"))}`);
  }

  const server: EjabberdServer = {
    kind: "ejabberd", node, port, domain, dir, erlang,
    pubsubJid: `pubsub.${domain}`,
    mucJid: `conference.${domain}`,
    service: `xmpp://127.0.0.1:${port}`,
    ...(certificates ? { certificateFile: certificates.caFile } : {}),
    register(username, password) {
      server.registerMany({ [username]: password });
    },
    registerMany(accounts) {
      ctl(erlang, node, domain, accounts);
    },
    joinCluster(peer) {
      erl(erlang, `case rpc:call('${node}', ejabberd_ctl, process, [["join_cluster", "${peer.node}"]], 120000) of 0 -> halt(0); R -> io:format("~p~n", [R]), halt(1) end.`, {}, `ejabberdctl join_cluster ${peer.node}`);
    },
    clusterNodes() {
      const result = spawnSync("/usr/bin/erl", ["-sname", `ctl${process.pid}x${randomBytes(3).toString("hex")}@localhost`, "-setcookie", erlang.cookie, "-hidden", "-noinput", "-start_epmd", "false",
        "-eval", `io:format("~s~n", [string:join([atom_to_list(N) || N <- rpc:call('${node}', ejabberd_cluster, get_nodes, [])], " ")]), halt(0).`], { env: { ...erlang.env, ERL_LIBS: "" }, encoding: "utf8", timeout: 60_000 });
      return result.stdout.trim().split(/\s+/).filter(Boolean).sort();
    },
    async stop() {
      // SIGTERM: the VM runs init:stop() (OTP 20+), ejabberd closes its sessions and mnesia.
      await stopChild(beam, beamExited, 15_000);
      if (epmd) await stopChild(epmd, epmdExited, 5000);
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}

/**
 * `ejabberdctl register USER HOST PASSWORD` for each account, through the same module ejabberdctl
 * calls (ejabberd_ctl:process/1 on the node), in one short-lived hidden node. The passwords go
 * through the environment, not the command line (`ps` shows that).
 */
function ctl(erlang: ErlangEnv, node: string, domain: string, accounts: Readonly<Record<string, string>>): void {
  const entries = Object.entries(accounts);
  if (entries.length === 0) return;
  const codes = (s: string): string => `[${[...Buffer.from(s, "utf8")].join(",")}]`;
  const users = entries.map(([user], i) => `{${codes(user)}, ${i}}`).join(", ");
  erl(erlang, `Results = [ {U, rpc:call('${node}', ejabberd_ctl, process, [["register", U, ${JSON.stringify(domain)}, os:getenv("XMPP_IOT_PASSWORD_" ++ integer_to_list(I))]])} || {U, I} <- [${users}] ],
    case [ R || {_, Code} = R <- Results, Code =/= 0 ] of [] -> halt(0); Failed -> io:format("~p~n", [Failed]), halt(1) end.`,
  Object.fromEntries(entries.map(([, password], i) => [`XMPP_IOT_PASSWORD_${i}`, password])), `ejabberd_ctl register ${entries.map(([u]) => u).join(", ")}`);
}

/** Runs `script` in a short-lived hidden Erlang node that reaches ours through the private epmd. */
function erl(erlang: ErlangEnv, script: string, env: Record<string, string>, what: string): void {
  const result = spawnSync("/usr/bin/erl", [
    "-sname", `ctl${process.pid}x${randomBytes(3).toString("hex")}@localhost`, "-setcookie", erlang.cookie,
    "-hidden", "-noinput", "-start_epmd", "false", "-eval", script,
  ], { env: { ...erlang.env, ERL_LIBS: "", ...env }, encoding: "utf8", timeout: 60_000 });
  if (result.status !== 0) throw new Error(`${what} failed (${result.status ?? result.signal}): ${result.stdout}${result.stderr}`);
}

function exitOf(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

async function stopChild(child: ChildProcess, exited: Promise<void>, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

async function waitForPort(port: number, timeoutMs: number, gaveUp: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (gaveUp()) throw new Error(`${what} exited`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => { socket.destroy(); resolve(true); });
      socket.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what}: timeout after ${timeoutMs} ms`);
}

function readTail(file: string): string {
  try {
    return readFileSync(file, "utf8").slice(-3000);
  } catch {
    return "";
  }
}
