import { execFileSync } from "node:child_process";
import { eventually } from "./wait.js";

let tables = 0;

export interface Blackhole {
  /** Lets packets through again (idempotent). */
  lift(): void;
}

/**
 * A half-open link as a network makes one (a pulled cable, a NAT that forgot the connection):
 * every loopback packet to or from `port` is dropped by nftables, so neither side's TCP stack
 * acknowledges the other's bytes. A proxy that only stops forwarding (FaultProxy.silence) is a
 * hung server instead: its host still acknowledges everything. Needs root and nft (.ci/packages.txt).
 */
export function blackhole(port: number): Blackhole {
  const table = `xmpp_iot_test_${process.pid}_${tables++}`;
  const nft = (...args: string[]): void => { execFileSync("nft", args, { stdio: ["ignore", "ignore", "pipe"] }); };
  try {
    nft("add", "table", "inet", table);
  } catch (error) {
    throw nftMissing(port, error);
  }
  try {
    nft("add", "chain", "inet", table, "input", "{ type filter hook input priority 0; policy accept; }");
    nft("add", "rule", "inet", table, "input", "iif", "lo", "tcp", "dport", String(port), "drop");
    nft("add", "rule", "inet", table, "input", "iif", "lo", "tcp", "sport", String(port), "drop");
  } catch (error) {
    nft("delete", "table", "inet", table); // half made: leave no rule behind
    throw nftMissing(port, error);
  }
  let lifted = false;
  return {
    lift() {
      if (lifted) return;
      lifted = true;
      nft("delete", "table", "inet", table);
    },
  };
}

const nftMissing = (port: number, error: unknown): Error =>
  new Error(`cannot drop packets of port ${port} with nft (root and the nftables package are needed): ${(error as { stderr?: Buffer }).stderr?.toString().trim() ?? String(error)}`);

/** Drops the packets of `port` until `gone()` (the agent declared the link dead), then lets them through; the ms it took. */
export async function msToNoticeDropped(port: number, gone: () => boolean, timeoutMs: number): Promise<number> {
  const droppedAt = Date.now();
  const dropped = blackhole(port);
  try {
    await eventually(gone, "the agent notices the half-open link", timeoutMs);
    return Date.now() - droppedAt;
  } finally {
    dropped.lift();
  }
}
