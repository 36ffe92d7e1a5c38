import { getHeapStatistics, setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { Logger } from "pino";

type Gc = () => void;

export interface HeapGovernorOptions {
  /** Collect once the JS heap holds this much more than after the last full collection; 0 = off. */
  readonly slackBytes: number;
  readonly checkEveryMs?: number;
  /** Bound on forced collections: at most one per this interval, however fast the heap grows. */
  readonly minGapMs?: number;
}

export interface HeapGovernorStats {
  readonly collections: number;
  readonly pauseMsTotal: number;
  readonly liveBytes: number;
}

/**
 * Node 20's V8 (11.3) lets the old generation grow 8 MB past the live size before its next full
 * collection, whatever `--optimize-for-size` says (its low-memory growing step needs the embedder's
 * memory-saving mode, which Node never turns on). On a 12 MB heap that sawtooth is most of the
 * agent's RSS above node's own ~40 MB. The governor collects as soon as the heap holds `slack`
 * more than the last collection left, so RSS stays near the live size; the cost is a full GC
 * (about 13 ms on a 12 MB heap on the bench's Xeon) every few seconds at 200 readings/s.
 */
export function createHeapGovernor(deps: { log: Logger; gc?: Gc }, options: HeapGovernorOptions) {
  const checkEveryMs = options.checkEveryMs ?? 500;
  const minGapMs = options.minGapMs ?? 1000;
  let timer: NodeJS.Timeout | undefined;
  let collections = 0;
  let pauseMsTotal = 0;
  let liveBytes = 0;
  let lastAt = 0;
  let gc: Gc | undefined = deps.gc;

  function collect(): void {
    const startedAt = performance.now();
    gc!();
    pauseMsTotal += performance.now() - startedAt;
    collections++;
    lastAt = Date.now();
    liveBytes = getHeapStatistics().used_heap_size;
  }

  function check(): void {
    if (Date.now() - lastAt < minGapMs) return;
    if (getHeapStatistics().used_heap_size - liveBytes >= options.slackBytes) collect();
  }

  return {
    name: "heap-governor",
    start(): void {
      if (options.slackBytes <= 0 || timer) return;
      gc ??= exposeGc();
      collect(); // the baseline: what the heap holds once start-up garbage is gone
      timer = setInterval(check, checkEveryMs);
      timer.unref();
      deps.log.debug({ liveMb: +(liveBytes / 1048576).toFixed(1), slackMb: options.slackBytes / 1048576 }, "heap governor started");
    },
    stop(): void {
      clearInterval(timer);
      timer = undefined;
    },
    stats(): HeapGovernorStats {
      return { collections, pauseMsTotal, liveBytes };
    },
  };
}

/**
 * `global.gc` when node runs with --expose-gc; otherwise the same function taken from a fresh
 * context after setting the flag (V8 installs its gc extension into contexts created after that).
 */
function exposeGc(): Gc {
  const existing = (globalThis as { gc?: Gc }).gc;
  if (typeof existing === "function") return existing;
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as unknown;
  if (typeof gc !== "function") throw new Error("V8 did not expose gc() after --expose-gc");
  return gc as Gc;
}
