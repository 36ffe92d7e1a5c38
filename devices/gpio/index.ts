import { quoteInput } from "../../src/text/echo.js";
import { IotError } from "../../src/errors/catalog.js";
import { createReconnectBackoff } from "../../src/reconnect/backoff.js";
import type { DeviceDriver, DriverContext } from "../../src/device-contract/index.js";
import { driveOutput, watchInput, type LineHandle } from "./lines.js";
import { runOnce } from "./process.js";
import { gpioReconnectRange, type GpioChannelConfig, type GpioDeviceConfig } from "./schema.js";
import { parseGpiofind, parseToolsVersion, type LineRef, type ToolsVersion } from "./tools.js";

export { gpioDeviceSchema } from "./schema.js";

export interface GpioDriverSeams {
  /** Environment of the spawned tools (tests put fake gpiomon/gpioset/gpioget first on PATH). */
  readonly env?: NodeJS.ProcessEnv;
}

const INSTALL_HINT = "install the libgpiod tools: sudo apt install gpiod";

/**
 * GPIO lines through the libgpiod command-line tools, which work on every Pi model and kernel
 * without a native add-on. The tools' syntax (v1 on bookworm, v2 on trixie) is detected once.
 */
export function createGpioDevice(context: DriverContext, options: GpioDeviceConfig, seams: GpioDriverSeams = {}): DeviceDriver {
  const env = seams.env ?? process.env;
  const counters = { events: 0, badEvents: 0, writes: 0 };
  const problems = new Map<string, string>();
  const handles = new Map<string, LineHandle>();
  const outputs = Object.entries(options.channels).filter(([, c]) => c.direction === "output").map(([name]) => name);
  const reconnect = gpioReconnectRange(options);
  // Retries the tools' detection until it succeeds (the tools can be installed while running).
  const backoff = createReconnectBackoff(reconnect);
  let version: ToolsVersion | undefined;
  let retry: NodeJS.Timeout | undefined;
  let stopped = true;

  const updateHealth = (): void => {
    if (stopped) return;
    if (problems.size === 0) context.setHealth({ state: "ok" });
    else context.setHealth({ state: "failing", reason: [...new Set(problems.values())].join("; ") });
  };
  const setProblem = (key: string, reason: string | undefined): void => {
    if (reason === undefined) problems.delete(key);
    else problems.set(key, reason);
    updateHealth();
  };

  const detectVersion = async (): Promise<ToolsVersion | string> => {
    if (options.tools === "v1") return 1;
    if (options.tools === "v2") return 2;
    const result = await runOnce("gpioget", ["--version"], env);
    if (result.spawnError) return `${result.spawnError}: ${INSTALL_HINT}`;
    return parseToolsVersion(result.stdout) ?? `gpioget --version printed no libgpiod version (${result.stdout.trim().slice(0, 80)}): ${INSTALL_HINT}`;
  };

  /** Chip + offset, or a name (v2 looks names up itself; v1 needs gpiofind). */
  const resolve = async (name: string, c: GpioChannelConfig, v: ToolsVersion): Promise<LineRef | string> => {
    if (typeof c.line === "number") return { chip: c.chip ?? options.chip, line: String(c.line) };
    if (v === 2) return { ...(c.chip !== undefined ? { chip: c.chip } : {}), line: c.line };
    const found = await runOnce("gpiofind", [c.line], env);
    const ref = found.code === 0 ? parseGpiofind(found.stdout) : undefined;
    return ref ?? found.spawnError ?? `GPIO line ${c.line} (${name}) not found by gpiofind; list lines with gpioinfo`;
  };

  const boot = async (): Promise<void> => {
    retry = undefined;
    const detected = await detectVersion();
    if (stopped) return;
    if (typeof detected === "string") {
      setProblem("tools", detected);
      retry = setTimeout(() => void boot(), backoff.next());
      return;
    }
    version = detected;
    problems.delete("tools");
    context.log.info({ libgpiod: `v${version}` }, "libgpiod tools detected");
    for (const [name, config] of Object.entries(options.channels)) {
      const ref = await resolve(name, config, version);
      if (stopped) return;
      if (typeof ref === "string") {
        setProblem(name, ref);
        continue;
      }
      const deps = {
        name, config, ref, version, env,
        log: context.log,
        emit: context.emit,
        setProblem: (reason: string | undefined) => setProblem(name, reason),
        reconnect,
        settleMs: options.settleMs,
      };
      handles.set(name, config.direction === "input" ? watchInput(deps, counters) : driveOutput(deps));
    }
    updateHealth();
  };

  return {
    async start() {
      stopped = false;
      context.setHealth({ state: "starting" });
      void boot();
    },
    async stop() {
      stopped = true;
      if (retry) clearTimeout(retry);
      retry = undefined;
      await Promise.all([...handles.values()].map((handle) => handle.stop()));
      handles.clear();
      context.setHealth({ state: "stopped" });
    },
    writableChannels: () => outputs,
    async write(channel, value) {
      const config = options.channels[channel];
      if (!config) throw new IotError("UNKNOWN_CHANNEL", `${options.id} has no channel "${channel}"`);
      if (config.direction !== "output") throw new IotError("NOT_WRITABLE", `${options.id}/${channel} is an input`);
      if (typeof value !== "boolean") throw new IotError("BAD_INPUT", `${options.id}/${channel} expects on/off, got ${quoteInput(value)}`);
      const handle = handles.get(channel);
      if (!handle?.set) throw new IotError("DEVICE_FAILING", `${options.id}/${channel}: ${problems.get(channel) ?? problems.get("tools") ?? "GPIO tools not ready yet"}`);
      try {
        await handle.set(value);
        counters.writes++;
      } catch (error) {
        throw new IotError("DEVICE_FAILING", `${options.id}/${channel}: ${error instanceof Error ? error.message : String(error)}`);
      }
    },
    stats: () => ({ ...counters, libgpiodVersion: version ?? 0 }),
  };
}

