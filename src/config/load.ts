import { readFileSync } from "node:fs";
import type { z } from "zod";
import { IotError, messageOf } from "../errors.js";
import { deviceSchema } from "../../devices/index.js";
import { configSchema, type Config } from "./schema.js";

const SUPPORTED_DRIVERS = deviceSchema.options.map((option) => option.shape.driver.value);

export interface LoadedConfig {
  readonly config: Config;
  /** Resolved from xmpp.password, xmpp.passwordFile or XMPP_IOT_PASSWORD; never logged. */
  readonly password: string;
}

/** `devices[0].channels.temperature.unit` from zod's path array. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out === "" ? "(top level)" : out;
}

/** One line per problem: the field path and what was expected. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) lines.push(`${formatPath([...issue.path, key])}: unknown key`);
    } else if (issue.code === "invalid_union" && "note" in issue && issue.note === "No matching discriminator") {
      lines.push(`${formatPath(issue.path)}: unknown driver; expected one of ${SUPPORTED_DRIVERS.join(", ")}`);
    } else if (issue.code === "invalid_union" && issue.errors.length > 0) {
      // Report the branch that got furthest rather than zod's generic "Invalid input".
      const best = issue.errors.reduce((a, b) => (a.length <= b.length ? a : b));
      lines.push(...formatIssues(best.map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] }))));
    } else {
      lines.push(`${formatPath(issue.path)}: ${issue.message}`);
    }
  }
  return lines;
}

export function parseConfig(raw: unknown, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const details = formatIssues(result.error.issues);
    throw new IotError("CONFIG_INVALID", `invalid configuration (${details.length} problem${details.length === 1 ? "" : "s"})`, { details });
  }
  const config = result.data;
  return { config, password: resolvePassword(config, env) };
}

export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new IotError("CONFIG_UNREADABLE", `cannot read ${file}: ${messageOf(error)}`, { details: [`${file}: cannot read (${messageOf(error)})`] });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new IotError("CONFIG_INVALID", `${file} is not valid JSON`, { details: [`(top level): not valid JSON: ${messageOf(error)}`] });
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
      const detail = `xmpp.passwordFile: cannot read ${config.xmpp.passwordFile} (${messageOf(error)})`;
      throw new IotError("CONFIG_INVALID", detail, { details: [detail] });
    }
  }
  const fromEnv = env["XMPP_IOT_PASSWORD"];
  if (fromEnv) return fromEnv;
  const detail = "xmpp.password: missing; set xmpp.password, xmpp.passwordFile or the environment variable XMPP_IOT_PASSWORD";
  throw new IotError("CONFIG_INVALID", detail, { details: [detail] });
}
