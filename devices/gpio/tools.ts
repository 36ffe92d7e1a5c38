/**
 * Command lines for the libgpiod tools, which changed syntax between major versions:
 *   v1 (Debian bookworm, 1.6): `gpiomon [-l] [-B bias] -b -F fmt <chip> <offset>` (offsets only,
 *      names via `gpiofind`), `%e` is 1 rising / 0 falling; `gpioset --mode=signal <chip> <off>=<v>`
 *      holds the line until SIGTERM; `gpioget <chip> <offset>` prints `1`.
 *   v2 (Debian trixie, 2.x): `gpiomon [-c chip] -e both [-b bias] [-p period] -F fmt <line>` (names
 *      or offsets), `%e` is 1 rising / 2 falling; `gpioset [-c chip] <line>=<v>` holds the line by
 *      default; `gpioget [-c chip] <line>` prints `"17"=active`.
 * Note `-b` means line-buffered in v1 but bias in v2.
 */
export type ToolsVersion = 1 | 2;
export type Bias = "as-is" | "disable" | "pull-up" | "pull-down";

export interface LineRef {
  /** A chip name/path/number; absent for a v2 lookup by line name across chips. */
  readonly chip?: string;
  /** An offset on the chip, or (v2 only) a line name. */
  readonly line: string;
}

export interface LineSettings {
  readonly activeLow: boolean;
  readonly bias?: Bias;
}

/** `gpioget (libgpiod) v1.6.3` -> 1; undefined when it is not libgpiod. */
export function parseToolsVersion(output: string): ToolsVersion | undefined {
  const match = /\(libgpiod\)\s+v?(\d+)\.\d+/.exec(output);
  if (!match) return undefined;
  return match[1] === "1" ? 1 : Number(match[1]) >= 2 ? 2 : undefined;
}

/** v1 `gpiofind GPIO17` prints `gpiochip0 17`. */
export function parseGpiofind(output: string): LineRef | undefined {
  const match = /^(\S+)\s+(\d+)\s*$/.exec(output.trim());
  return match?.[1] && match[2] ? { chip: match[1], line: match[2] } : undefined;
}

const chipArgs = (ref: LineRef): string[] => (ref.chip !== undefined ? ["-c", ref.chip] : []);

function v1Chip(ref: LineRef): string {
  // v1 has no lookup by name in gpiomon/gpioset/gpioget: the driver resolves names with gpiofind first.
  if (ref.chip === undefined || !/^\d+$/.test(ref.line)) throw new Error(`libgpiod v1 needs a chip and an offset, got ${JSON.stringify(ref)}`);
  return ref.chip;
}

export const MONITOR_FORMAT = "%e %o";

export function monitorArgs(version: ToolsVersion, ref: LineRef, settings: LineSettings, debounceMs: number): string[] {
  const activeLow = settings.activeLow ? ["-l"] : [];
  if (version === 1) {
    const bias = settings.bias !== undefined ? ["-B", settings.bias] : [];
    return ["-b", ...activeLow, ...bias, "-F", MONITOR_FORMAT, v1Chip(ref), ref.line];
  }
  const bias = settings.bias !== undefined ? ["-b", settings.bias] : [];
  // The kernel debounces too where the hardware allows it; the driver still debounces in software.
  const debounce = debounceMs > 0 ? ["-p", `${debounceMs}ms`] : [];
  return [...chipArgs(ref), "-e", "both", ...activeLow, ...bias, ...debounce, "-F", MONITOR_FORMAT, ref.line];
}

/** One gpiomon output line in MONITOR_FORMAT -> the new logical level. */
export function parseMonitorLine(version: ToolsVersion, line: string): { readonly level: boolean } | undefined {
  const match = /^\s*(\d)\s+\d+\s*$/.exec(line);
  if (!match) return undefined;
  const code = match[1];
  if (code === "1") return { level: true };
  if ((version === 1 && code === "0") || (version === 2 && code === "2")) return { level: false };
  return undefined;
}

export function getArgs(version: ToolsVersion, ref: LineRef, settings: LineSettings): string[] {
  const activeLow = settings.activeLow ? ["-l"] : [];
  if (version === 1) return [...activeLow, ...(settings.bias !== undefined ? ["-B", settings.bias] : []), v1Chip(ref), ref.line];
  return [...chipArgs(ref), ...activeLow, ...(settings.bias !== undefined ? ["-b", settings.bias] : []), ref.line];
}

/** `1` (v1), `"17"=active` / `GPIO17=inactive` (v2). */
export function parseGetOutput(output: string): boolean | undefined {
  const text = output.trim();
  if (text === "1" || /=active$/.test(text)) return true;
  if (text === "0" || /=inactive$/.test(text)) return false;
  return undefined;
}

/**
 * Both versions: the process keeps the line driven until it gets SIGTERM. v2 prints a banner once
 * the line is requested, which tells success from failure; v1 prints nothing either way.
 */
export function setArgs(version: ToolsVersion, ref: LineRef, settings: LineSettings, value: boolean): string[] {
  const activeLow = settings.activeLow ? ["-l"] : [];
  const assignment = `${ref.line}=${value ? 1 : 0}`;
  if (version === 1) return ["--mode=signal", ...activeLow, ...(settings.bias !== undefined ? ["-B", settings.bias] : []), v1Chip(ref), assignment];
  return ["--banner", ...chipArgs(ref), ...activeLow, ...(settings.bias !== undefined ? ["-b", settings.bias] : []), assignment];
}

/** A tool's stderr -> a reason the user can act on. */
export function describeToolError(tool: string, stderr: string, line: string): string {
  const text = stderr.trim().split("\n").slice(-2).join(" ").slice(0, 300);
  if (/permission denied|EACCES/i.test(text)) {
    return `permission denied on the GPIO chip (${tool}): add the user to the gpio group (sudo usermod -aG gpio $USER) and log in again`;
  }
  if (/unable to open (chip|gpiochip)|chip .*(no such file|not found)/i.test(text) && /no such file|ENOENT|not found/i.test(text)) {
    return `GPIO chip of line ${line} not found (${tool}: ${text}); list chips with gpiodetect`;
  }
  if (/cannot find line|unable to find|no such file|invalid (gpio )?offset|invalid argument|ENOENT/i.test(text)) {
    return `GPIO line ${line} not found (${tool}: ${text}); list chips and lines with gpioinfo`;
  }
  if (/busy|EBUSY/i.test(text)) return `GPIO line ${line} is in use by another program (${tool}: ${text}); see gpioinfo`;
  return `${tool} failed for line ${line}: ${text || "exited without a message"}`;
}
