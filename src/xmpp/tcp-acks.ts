import { readFile } from "node:fs/promises";

/** The two ends of a TCP connection, as node's socket reports them. */
export interface TcpEnds {
  readonly localPort?: number | undefined;
  readonly remotePort?: number | undefined;
}

const TABLES = ["/proc/net/tcp", "/proc/net/tcp6"];

/**
 * Bytes this host sent on the connection that the peer's TCP stack has not acknowledged yet:
 * `tx_queue` of its line in /proc/net/tcp (Linux, proc(5)). 0 means the server's host takes every
 * byte (the server process may be busy, its kernel is there); more means they are not getting
 * through. undefined where that cannot be told (no /proc, the connection not found).
 */
export async function unacknowledgedBytes(ends: TcpEnds | undefined): Promise<number | undefined> {
  if (ends?.localPort === undefined || ends.remotePort === undefined) return undefined;
  const local = `:${hexPort(ends.localPort)}`;
  const remote = `:${hexPort(ends.remotePort)}`;
  for (const table of TABLES) {
    let text: string;
    try {
      text = await readFile(table, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n")) {
      // "sl local_address rem_address st tx_queue:rx_queue ...", addresses as HEXIP:HEXPORT.
      const fields = line.trim().split(/\s+/);
      if (fields.length < 5 || !fields[1]!.endsWith(local) || !fields[2]!.endsWith(remote)) continue;
      const txQueue = Number.parseInt(fields[4]!.split(":")[0]!, 16);
      return Number.isFinite(txQueue) ? txQueue : undefined;
    }
  }
  return undefined;
}

const hexPort = (port: number): string => port.toString(16).toUpperCase().padStart(4, "0");
