import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";

const SCRIPT = fileURLToPath(new URL("./xmpp-client.py", import.meta.url)).replace(/\/dist\/test\//, "/test/");

export interface ClientReply {
  readonly ok: boolean;
  readonly error?: { condition?: string; conditions?: string[]; type?: string; text?: string };
  readonly [key: string]: unknown;
}

/** A real slixmpp client in its own /usr/bin/python3 process, driven one JSON line at a time. */
export interface SlixClient {
  readonly jid: string;
  call(request: Record<string, unknown>, timeoutMs?: number): Promise<ClientReply>;
  stop(): Promise<void>;
}

/** `phone`: receipts, typing notifications and carbons, as Conversations or Monal send them; `ca`: STARTTLS trusting that file. */
export async function startSlixClient(port: number, jid: string, password: string, options: { phone?: boolean; ca?: string; host?: string } = {}): Promise<SlixClient> {
  const child: ChildProcess = spawn("/usr/bin/python3", [SCRIPT, options.host ?? "127.0.0.1", String(port), jid, password], {
    stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, XMPP_CLIENT_PHONE: options.phone ? "1" : "0", XMPP_CLIENT_CA: options.ca ?? "" },
  });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-4000); });
  const waiting = new Map<number, (reply: ClientReply) => void>();
  const lines = createInterface({ input: child.stdout! });
  lines.on("line", (line) => {
    let reply: ClientReply & { id?: number };
    try { reply = JSON.parse(line) as ClientReply & { id?: number }; } catch { return; }
    const resolve = waiting.get(reply.id ?? -1);
    waiting.delete(reply.id ?? -1);
    resolve?.(reply);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let next = 1;

  const ready = await Promise.race([
    new Promise<ClientReply>((resolve) => waiting.set(0, resolve)),
    exited.then(() => ({ ok: false, error: { text: `client exited: ${stderr}` } })),
    new Promise<ClientReply>((resolve) => setTimeout(() => resolve({ ok: false, error: { text: `login timeout: ${stderr}` } }), 20_000).unref()),
  ]);
  if (!ready.ok) {
    child.kill("SIGKILL");
    throw new Error(`${jid}: ${ready.error?.text ?? "no login"}`);
  }

  return {
    jid,
    call(request, timeoutMs = 20_000) {
      const id = next++;
      return new Promise<ClientReply>((resolve, reject) => {
        const timer = setTimeout(() => { waiting.delete(id); reject(new Error(`${jid}: no reply to ${JSON.stringify(request)}; stderr: ${stderr}`)); }, timeoutMs);
        waiting.set(id, (reply) => { clearTimeout(timer); resolve(reply); });
        child.stdin!.write(`${JSON.stringify({ ...request, id })}\n`);
      });
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.stdin!.end(`${JSON.stringify({ op: "quit", id: -1 })}\n`);
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}
