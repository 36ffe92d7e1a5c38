import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnCli, type CliProcess } from "./cli.js";

/** The compiled agent as child processes on one config file, for tests that kill it for real. */
export interface AgentProcesses {
  /** A private temp directory the config may point into (outbox, password file). */
  readonly dir: string;
  readonly configFile: string;
  /** `xmpp-iot run --config <configFile>`; stop() kills it if it still runs. */
  spawn(): CliProcess;
  /** spawn(), then wait for its "agent started" line. */
  start(timeoutMs?: number): Promise<CliProcess>;
  /** SIGKILLs every child still running (by its PID), waits for each exit, removes `dir`. */
  stop(): Promise<void>;
}

/** Writes `config(dir)` into a fresh temp directory named after `prefix`; starts nothing yet. */
export function prepareAgentProcesses(prefix: string, config: (dir: string) => Record<string, unknown>): AgentProcesses {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const configFile = join(dir, "config.json");
  writeFileSync(configFile, JSON.stringify(config(dir)));
  const children: CliProcess[] = [];
  const spawn = (): CliProcess => {
    const child = spawnCli(["run", "--config", configFile]);
    children.push(child);
    return child;
  };
  return {
    dir, configFile, spawn,
    async start(timeoutMs = 20_000) {
      const child = spawn();
      await child.waitForOutput(/"msg":"agent started"/, timeoutMs);
      return child;
    },
    async stop() {
      for (const { child } of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await Promise.all(children.map((c) => c.exited));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
