import { appendFileSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), "fake-gpio.mjs");

/** FAKE libgpiod tools (see fake-gpio.mjs) installed in a temp bin dir for one test. */
export interface FakeGpio {
  /** Environment for the driver: the fake bin dir first on PATH. */
  readonly env: NodeJS.ProcessEnv;
  readonly dir: string;
  setLevel(offset: number, high: boolean): void;
  level(offset: number): boolean;
  /** Append an edge for the running fake gpiomon to report. */
  edge(offset: number, kind: "rising" | "falling"): void;
  /** pid of the fake tool holding the line, if any. */
  holder(offset: number): number | undefined;
  calls(tool?: string): Array<{ tool: string; args: string[]; pid: number }>;
  deny(on: boolean): void;
  close(): void;
}

export function createFakeGpio(version: "1.6.3" | "2.1.3"): FakeGpio {
  const dir = mkdtempSync(join(tmpdir(), "xmpp-iot-fake-gpio-"));
  const bin = join(dir, "bin");
  const state = join(dir, "chip");
  mkdirSync(bin);
  mkdirSync(state);
  writeFileSync(join(state, "calls.jsonl"), "");
  // gpiofind exists only in v1 (v2 replaced it with `gpioinfo <name>`).
  const tools = version.startsWith("1.") ? ["gpiomon", "gpioset", "gpioget", "gpiofind"] : ["gpiomon", "gpioset", "gpioget"];
  for (const tool of tools) {
    const path = join(bin, tool);
    writeFileSync(path, `#!/bin/sh\n# FAKE ${tool} for tests (no GPIO hardware)\nexec "${process.execPath}" "${SCRIPT}" ${tool} "$@"\n`);
    chmodSync(path, 0o755);
  }
  const file = (kind: string, offset: number): string => join(state, `${kind}-${offset}`);
  return {
    env: { ...process.env, PATH: `${bin}:${process.env["PATH"] ?? ""}`, FAKE_GPIO_VERSION: version, FAKE_GPIO_DIR: state },
    dir,
    setLevel: (offset, high) => writeFileSync(file("value", offset), high ? "1" : "0"),
    level: (offset) => existsSync(file("value", offset)) && readFileSync(file("value", offset), "utf8").trim() === "1",
    edge(offset, kind) {
      writeFileSync(file("value", offset), kind === "rising" ? "1" : "0");
      appendFileSync(file("events", offset), `${kind}\n`);
    },
    holder(offset) {
      if (!existsSync(file("held", offset))) return undefined;
      const pid = Number(readFileSync(file("held", offset), "utf8"));
      try {
        process.kill(pid, 0);
        return pid;
      } catch {
        return undefined;
      }
    },
    calls(tool) {
      const all = readFileSync(join(state, "calls.jsonl"), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as { tool: string; args: string[]; pid: number });
      return tool === undefined ? all : all.filter((c) => c.tool === tool);
    },
    deny(on) {
      if (on) writeFileSync(join(state, "denied"), "");
      else rmSync(join(state, "denied"), { force: true });
    },
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}
