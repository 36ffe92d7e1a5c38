import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

// systemd's end of the notify protocol, for tests: a real AF_UNIX datagram socket served by
// python3 (Node cannot receive AF_UNIX datagrams either), reporting each message and sender PID.
const LISTENER = fileURLToPath(new URL("./notify-listener.py", import.meta.url));

export interface Datagram { readonly data: string; readonly pid: number | null }

export interface NotifyListener {
  readonly address: string;
  /** Payloads in arrival order, without systemd-notify's BARRIER=1 follow-ups. */
  readonly messages: Datagram[];
  waitFor(predicate: (messages: Datagram[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): void;
}

/** Listens on a path or on an abstract name given as "@name". */
export async function listenNotify(address: string): Promise<NotifyListener> {
  const child = spawn("/usr/bin/python3", [LISTENER, address], { stdio: ["ignore", "pipe", "inherit"] });
  const messages: Datagram[] = [];
  const waiters = new Set<() => void>();
  let listening!: () => void;
  const ready = new Promise<void>((resolve) => (listening = resolve));
  createInterface({ input: child.stdout }).on("line", (line) => {
    const parsed = JSON.parse(line) as { listening?: string } & Datagram;
    if (parsed.listening !== undefined) listening();
    else if (parsed.data !== "BARRIER=1") messages.push(parsed);
    for (const fn of waiters) fn();
  });
  await ready;
  return {
    address,
    messages,
    close: () => void child.kill("SIGKILL"),
    waitFor(predicate, timeoutMs = 5000) {
      return new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (!predicate(messages)) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out; got ${JSON.stringify(messages)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}
