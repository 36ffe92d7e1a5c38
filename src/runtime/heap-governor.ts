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
  /** Bound on their cost: after a collection that took p ms the next waits at least p / maxTimeShare ms. */
  readonly maxTimeShare?: number;
  /**
   * Collect only while the event loop was busy less than this share of the last check interval:
   * a full atomic GC in the middle of a burst would stall the work queued behind it, and V8's own
   * (mostly concurrent) collector handles bursts. The governor trims the sawtooth of a mostly idle
   * agent, which is where a Pi spends its life. Default 0.1: an agent publishing a few hundred
   * readings/s is busy a few percent of the time; one draining 3,800/s to Prosody under the unit's
   * flags is 35-40 % busy, and at the old default of 0.5 the governor forced a 12-19 ms collection
   * every 1.5 s there (the bench's GC trace: 12 forced against 15 of V8's own, about 6 ms of CPU per
   * 1000 readings), which V8 would have spent on its own schedule anyway.
   */
  readonly maxBusyShare?: number;
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
 * (about 13 ms on a 12 MB heap on the bench's Xeon: a scratch trace of the footprint agent
 * counted 34 forced collections taking 437 ms) every few seconds at 200 readings/s, never
 * more than `maxTimeShare` of the time, and none while the agent is busy.
 */
export function createHeapGovernor(deps: { log: Logger; gc?: Gc }, options: HeapGovernorOptions) {
  const checkEveryMs = options.checkEveryMs ?? 500;
  const minGapMs = options.minGapMs ?? 1000;
  const maxTimeShare = options.maxTimeShare ?? 0.01;
  const maxBusyShare = options.maxBusyShare ?? 0.1;
  let loop = performance.eventLoopUtilization();
  let timer: NodeJS.Timeout | undefined;
  let collections = 0;
  let pauseMsTotal = 0;
  let liveBytes = 0;
  let nextAllowedAt = 0;
  let gc: Gc | undefined = deps.gc;

  function collect(): void {
    const startedAt = performance.now();
    gc!();
    const pauseMs = performance.now() - startedAt;
    pauseMsTotal += pauseMs;
    collections++;
    nextAllowedAt = Date.now() + Math.max(minGapMs, pauseMs / maxTimeShare);
    liveBytes = getHeapStatistics().used_heap_size;
  }

  function check(): void {
    const busy = performance.eventLoopUtilization(loop).utilization;
    loop = performance.eventLoopUtilization();
    if (busy > maxBusyShare || Date.now() < nextAllowedAt) return;
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
 * The default of `memory.heapSlackMb`: 2 MB when node runs without its optimizing compiler (the
 * systemd unit's `--no-opt`, or `--jitless`), else off. Measured in the bench: with TurboFan on,
 * each forced full GC is followed by re-optimization that costs far more than its pause (agent CPU
 * per 1000 readings in the unbatched burst 113-140 ms with the governor against 90-103 ms without,
 * paired runs), while under `--no-opt` the same runs differed by less than their noise.
 */
export function defaultHeapSlackMb(execArgv: readonly string[]): number {
  return execArgv.some((flag) => flag === "--no-opt" || flag === "--jitless") ? 2 : 0;
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
