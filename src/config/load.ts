import { readFileSync } from "node:fs";
import type { z } from "zod";
import { IotError, messageOf } from "../errors/catalog.js";
import { deviceSchema } from "../../devices/index.js";
import { configSchema, type Config } from "./schema.js";
import { formatIssues as formatMessages, formatPath, jsonErrorLines } from "./messages.js";
import { lintConfig } from "./lint.js";

const SUPPORTED_DRIVERS = deviceSchema.options.map((option) => option.shape.driver.value);

export interface LoadedConfig {
  readonly config: Config;
  /** Resolved from xmpp.password, xmpp.passwordFile or XMPP_IOT_PASSWORD; never logged. */
  readonly password: string;
  /** Valid but probably not meant (`check` prints them, `run` logs them): "field: message". */
  readonly warnings: readonly string[];
}

export { formatPath } from "./messages.js";

/** Kept for callers that format zod issues without the raw input. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], raw?: unknown): string[] {
  return formatMessages(issues, raw, configSchema, SUPPORTED_DRIVERS);
}

export function parseConfig(raw: unknown, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const result = configSchema.safeParse(raw);
  if (!result.success) throw invalid(formatIssues(result.error.issues, raw));
  const config = result.data;
  const findings = lintConfig(config);
  const line = (f: { path: readonly PropertyKey[]; message: string }): string => `${formatPath(f.path)}: ${f.message}`;
  const errors = findings.filter((f) => f.severity === "error").map(line);
  if (errors.length > 0) throw invalid(errors);
  return { config, password: resolvePassword(config, env), warnings: findings.filter((f) => f.severity === "warning").map(line) };
}

function invalid(details: readonly string[]): IotError {
  return new IotError("CONFIG_INVALID", `invalid configuration (${details.length} problem${details.length === 1 ? "" : "s"})`, { details });
}

export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = fileProblem(error);
    // One line: the message says it all (no detail lines repeating it).
    throw new IotError("CONFIG_UNREADABLE", `cannot read the config ${file}: ${why}${code === "ENOENT" ? " (start from config.example.json)" : ""}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    const details = jsonErrorLines(file, text, error);
    throw new IotError("CONFIG_INVALID", `${file} is not valid JSON`, { details });
  }
  return parseConfig(raw, env);
}

function resolvePassword(config: Config, env: NodeJS.ProcessEnv): string {
  if (config.xmpp.password !== undefined) return config.xmpp.password;
  if (config.xmpp.passwordFile !== undefined) {
    try {
      const password = readFileSync(config.xmpp.passwordFile, "utf8").replace(/\r?\n$/, "");
      if (password === "") throw new Error("the file is empty");
      return password;
    } catch (error) {
      const detail = `xmpp.passwordFile: cannot read ${config.xmpp.passwordFile} (${fileProblem(error)})`;
      throw new IotError("CONFIG_INVALID", detail, { details: [detail] });
    }
  }
  const fromEnv = env["XMPP_IOT_PASSWORD"];
  if (fromEnv) return fromEnv;
  const detail = "xmpp.password: missing; set xmpp.password, xmpp.passwordFile or the environment variable XMPP_IOT_PASSWORD";
  throw new IotError("CONFIG_INVALID", detail, { details: [detail] });
}

/** "no such file" rather than "ENOENT: no such file or directory, open '...'". */
function fileProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : code === "EISDIR" ? "it is a directory" : messageOf(error);
}
