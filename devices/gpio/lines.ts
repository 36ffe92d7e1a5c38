import type { Logger } from "pino";
import type { RawSample } from "../../src/device-contract/index.js";
import { createReconnectBackoff, type ReconnectRange } from "../../src/reconnect/backoff.js";
import { runOnce, spawnTool, type ToolProcess } from "./process.js";
import { EDGES_SUFFIX, type GpioChannelConfig } from "./schema.js";
import { describeToolError, getArgs, monitorArgs, parseGetOutput, parseMonitorLine, setArgs, type LineRef, type ToolsVersion } from "./tools.js";

export interface LineDeps {
  readonly name: string;
  readonly config: GpioChannelConfig;
  readonly ref: LineRef;
  readonly version: ToolsVersion;
  readonly env: NodeJS.ProcessEnv;
  readonly log: Logger;
  readonly emit: (sample: RawSample) => void;
  /** undefined clears this line's problem. */
  readonly setProblem: (reason: string | undefined) => void;
  /** Restart backoff of a tool process that died: a process that ran long enough starts it over. */
  readonly reconnect: ReconnectRange;
  /** libgpiod v1: how long a new gpioset must keep running to count as holding the line. */
  readonly settleMs: number;
}

export interface LineHandle {
  stop(): Promise<void>;
  /** Outputs only. */
  set?(value: boolean): Promise<void>;
}

const settings = (c: GpioChannelConfig) => ({ activeLow: c.activeLow, ...(c.bias !== undefined ? { bias: c.bias } : {}) });

/**
 * An input: one gpioget for the initial level, then gpiomon for edges. Levels are debounced in
 * software (v1 has no kernel debounce) and every settled change bumps the edge counter. A gpiomon
 * that dies is restarted with backoff; the reason (permissions, missing line) goes to health.
 */
export function watchInput(deps: LineDeps, counters: { events: number; badEvents: number }): LineHandle {
  const { config, name } = deps;
  const backoff = createReconnectBackoff(deps.reconnect);
  let level: boolean | undefined;
  let edges = 0;
  let debounce: NodeJS.Timeout | undefined;
  let restart: NodeJS.Timeout | undefined;
  let monitor: ToolProcess | undefined;
  let stopped = false;

  const commit = (next: boolean): void => {
    if (next === level) return;
    if (level !== undefined) edges++;
    level = next;
    const time = Date.now() / 1000;
    deps.emit({ channel: name, value: next, time });
    if (config.countEdges) deps.emit({ channel: `${name}${EDGES_SUFFIX}`, value: edges, time });
  };

  const onLevel = (next: boolean): void => {
    if (config.debounceMs === 0) return commit(next);
    if (debounce) clearTimeout(debounce);
    debounce = setTimeout(() => {
      debounce = undefined;
      commit(next);
    }, config.debounceMs);
  };

  const fail = (reason: string): void => {
    if (stopped) return;
    deps.setProblem(reason);
    const delay = backoff.next();
    deps.log.warn({ line: name, reason, retryInMs: delay }, "GPIO input failing");
    restart = setTimeout(() => void run(), delay);
  };

  const run = async (): Promise<void> => {
    restart = undefined;
    const initial = await runOnce("gpioget", getArgs(deps.version, deps.ref, settings(config)), deps.env);
    if (stopped) return;
    const value = parseGetOutput(initial.stdout);
    if (initial.code !== 0 || value === undefined) return fail(initial.spawnError ?? describeToolError("gpioget", initial.stderr || initial.stdout, String(config.line)));
    commit(value);
    const current = spawnTool("gpiomon", monitorArgs(deps.version, deps.ref, settings(config), config.debounceMs), deps.env, (line) => {
      const event = parseMonitorLine(deps.version, line);
      if (!event) {
        counters.badEvents++;
        return;
      }
      counters.events++;
      onLevel(event.level);
    });
    monitor = current;
    backoff.up();
    deps.setProblem(undefined);
    const end = await current.exited;
    if (stopped || monitor !== current) return;
    monitor = undefined;
    fail(end.spawnError ?? describeToolError("gpiomon", current.stderr(), String(config.line)));
  };

  void run();
  return {
    async stop() {
      stopped = true;
      if (debounce) clearTimeout(debounce);
      if (restart) clearTimeout(restart);
      await monitor?.kill();
    },
  };
}

/**
 * An output: a gpioset that keeps running holds the line (v1 `--mode=signal`, v2 by default).
 * A new value replaces the holder; writes are serialized so two `set`s cannot race.
 */
export function driveOutput(deps: LineDeps): LineHandle {
  const { config, name } = deps;
  const backoff = createReconnectBackoff(deps.reconnect);
  let holder: ToolProcess | undefined;
  let restart: NodeJS.Timeout | undefined;
  let queue: Promise<void> = Promise.resolve();
  let stopped = false;

  const hold = async (value: boolean): Promise<void> => {
    // The line is released for the moment between the two processes; it keeps its level on the Pi.
    const previous = holder;
    holder = undefined;
    await previous?.kill();
    if (stopped) return;
    let requested: () => void = () => {};
    const banner = new Promise<undefined>((resolve) => { requested = () => resolve(undefined); });
    const current = spawnTool("gpioset", setArgs(deps.version, deps.ref, settings(config), value), deps.env, () => requested());
    // A bad line or chip makes gpioset exit at once. v2 prints its banner once the line is held;
    // v1 says nothing, so still running after settleMs counts as holding.
    let timer: NodeJS.Timeout | undefined;
    const settled = new Promise<undefined>((resolve) => { timer = setTimeout(resolve, deps.version === 2 ? 5000 : deps.settleMs, undefined); });
    const early = await Promise.race([current.exited, banner, settled]);
    clearTimeout(timer);
    if (early !== undefined) {
      const reason = early.spawnError ?? describeToolError("gpioset", current.stderr(), String(config.line));
      deps.setProblem(reason);
      throw new Error(reason);
    }
    holder = current;
    backoff.up();
    deps.setProblem(undefined);
    deps.emit({ channel: name, value, time: Date.now() / 1000 });
    void current.exited.then((end) => {
      if (stopped || holder !== current) return;
      holder = undefined;
      const reason = end.spawnError ?? describeToolError("gpioset", current.stderr(), String(config.line));
      deps.setProblem(`${reason} (the line is no longer driven)`);
      // Re-apply the last value: whoever killed gpioset should not leave the relay floating.
      restart = setTimeout(() => void set(value).catch(() => {}), backoff.next());
    });
  };

  const set = (value: boolean): Promise<void> => {
    const next = queue.then(() => hold(value));
    queue = next.catch(() => {});
    return next;
  };

  const applyInitial = (value: boolean): void => {
    set(value).catch(() => {
      // Retried with backoff: the usual cause (not yet in the gpio group) can be fixed while running.
      if (!stopped) restart = setTimeout(() => applyInitial(value), backoff.next());
    });
  };
  if (config.initial !== undefined) applyInitial(config.initial);
  return {
    set: async (value) => {
      if (restart) clearTimeout(restart);
      await set(value);
    },
    async stop() {
      stopped = true;
      if (restart) clearTimeout(restart);
      await queue;
      await holder?.kill();
      holder = undefined;
    },
  };
}
