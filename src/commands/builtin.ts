import { z } from "zod";
import type { DeviceManager } from "../device-manager.js";
import { IotError } from "../errors.js";
import type { Pipeline } from "../pipeline/pipeline.js";
import type { Reading } from "../reading.js";
import { formatStatus, type AgentStatus } from "../status.js";
import { formatReading, formatValue } from "./format.js";
import type { CommandDefinition, CommandInfo, FieldSpec } from "./types.js";

export interface BuiltinDeps {
  readonly devices: DeviceManager;
  readonly pipeline: Pipeline;
  readonly status: () => AgentStatus;
  readonly now: () => number;
  /** The registry's own listing, for `help`. */
  readonly describe: () => CommandInfo[];
}

const name = z.string().trim().min(1, "required");

/** Identity helper that keeps each definition's schema type for `run`. */
const define = <S extends z.ZodType>(definition: CommandDefinition<S>): CommandDefinition<S> => definition;

export function builtinCommands(deps: BuiltinDeps): CommandDefinition[] {
  const { devices, pipeline } = deps;

  const device = (id: string) => {
    const found = devices.get(id);
    if (!found) throw new IotError("UNKNOWN_DEVICE", `no device "${id}"; try: list`);
    return found;
  };
  const deviceField = (onlyWritable: boolean): FieldSpec => ({
    name: "device", label: "Device", kind: "choice", required: true,
    options: devices.list().filter((d) => !onlyWritable || d.writable.length > 0).map((d) => d.id),
  });
  /** The channel's validMin/validMax in words ("10°C to 30°C"), or undefined without limits. */
  const rangeOf = (id: string, channel: string): string | undefined => {
    const limits = devices.get(id)?.limits[channel];
    if (!limits) return undefined;
    const unit = pipeline.latest(id, channel)?.unit;
    const show = (n: number): string => formatValue(n, unit);
    if (limits.min !== undefined && limits.max !== undefined) return `${show(limits.min)} to ${show(limits.max)}`;
    return limits.min !== undefined ? `at least ${show(limits.min)}` : `at most ${show(limits.max!)}`;
  };
  /** Why `value` is refused for the channel's valid range, or undefined when it is inside (or not a number). */
  const outOfRange = (id: string, channel: string, value: string | number | boolean): string | undefined => {
    const limits = devices.get(id)?.limits[channel];
    if (!limits || typeof value === "boolean") return undefined;
    const number = typeof value === "number" ? value : String(value).trim() === "" ? Number.NaN : Number(value);
    if (!Number.isFinite(number)) return undefined; // the device manager refuses non-numbers with its own words
    if ((limits.min === undefined || number >= limits.min) && (limits.max === undefined || number <= limits.max)) return undefined;
    const unit = pipeline.latest(id, channel)?.unit;
    return `${id}/${channel}: ${formatValue(number, unit)} is outside the valid range (${rangeOf(id, channel)}); nothing was changed`;
  };
  const line = (r: Reading): string => `${r.device}/${r.channel}: ${formatReading(r, deps.now())}`;
  const rowOf = (r: Reading): string[] => [r.device, r.channel, formatValue(r.value), r.unit ?? "", String(Math.max(0, Math.round(deps.now() / 1000 - r.time)))];
  const columns = ["device", "channel", "value", "unit", "age_s"];

  const list = define({
    name: "list", description: "List devices, channels and last values", permission: "reader", usage: "list",
    input: z.strictObject({}),
    stages: [],
    async run() {
      const all = devices.list();
      const data = all.map((d) => ({
        id: d.id, name: d.name, state: d.health.state, writable: d.writable,
        readings: d.channels.map((c) => pipeline.latest(d.id, c)).filter((r): r is Reading => r !== undefined),
      }));
      const lines = data.flatMap((d) => [
        `${d.id}: ${d.state}`,
        ...d.readings.map((r) => `  ${r.channel} ${formatReading(r, deps.now())}${d.writable.includes(r.channel) ? " ✎" : ""}`),
      ]);
      return { data, text: lines.length > 0 ? lines.join("\n") : "no devices configured", table: { columns, rows: data.flatMap((d) => d.readings.map(rowOf)) } };
    },
  });

  const read = define({
    name: "read", description: "Read a device's channels", permission: "reader", usage: "read <device>[/<channel>]",
    input: z.strictObject({ device: name, channel: name.optional() }),
    stages: [() => [deviceField(false), {
      name: "channel", label: "Channel (empty: all)", kind: "choice", required: false,
      options: [...new Set(devices.list().flatMap((d) => d.channels))],
    }]],
    async run(input) {
      const info = device(input.device);
      if (input.channel !== undefined && !info.channels.includes(input.channel)) {
        throw new IotError("UNKNOWN_CHANNEL", `${info.id} has no channel "${input.channel}"; it has: ${info.channels.join(", ") || "none yet"}`);
      }
      const channels = input.channel !== undefined ? [input.channel] : info.channels;
      const readings = channels.map((c) => pipeline.latest(info.id, c)).filter((r): r is Reading => r !== undefined);
      if (readings.length === 0) return { data: { device: info.id, state: info.health.state, readings }, text: `${info.id}: no reading yet (${info.health.state})` };
      return { data: { device: info.id, state: info.health.state, readings }, text: readings.map(line).join("\n"), table: { columns, rows: readings.map(rowOf) } };
    },
  });

  const set = define({
    name: "set", description: "Set a writable channel", permission: "admin", usage: "set <device>/<channel> <value>",
    input: z.strictObject({ device: name, channel: name, value: z.union([z.string().trim().min(1, "required"), z.number(), z.boolean()]) }),
    stages: [
      () => [deviceField(true), {
        name: "channel", label: "Channel", kind: "choice", required: true,
        options: [...new Set(devices.list().flatMap((d) => d.writable))],
      }],
      (partial) => {
        // Typed by what the channel last reported: a checkbox for on/off, a number box for numbers.
        const current = pipeline.latest(partial["device"] ?? "", partial["channel"] ?? "");
        const kind = current === undefined ? "text" : typeof current.value === "boolean" ? "boolean" : typeof current.value === "number" ? "number" : "text";
        const range = rangeOf(partial["device"] ?? "", partial["channel"] ?? "");
        const limits = kind === "number" ? devices.get(partial["device"] ?? "")?.limits[partial["channel"] ?? ""] : undefined;
        return [{
          ...(limits?.min !== undefined ? { min: limits.min } : {}), ...(limits?.max !== undefined ? { max: limits.max } : {}),
          name: "value", label: `New value of ${partial["channel"] ?? "the channel"}${current?.unit !== undefined ? ` (${current.unit})` : ""}`, kind, required: kind !== "boolean",
          ...(range !== undefined ? { description: `Allowed: ${range}` } : {}),
          ...(current !== undefined ? { value: kind === "boolean" ? (current.value ? "1" : "0") : String(current.value) } : {}),
        }];
      },
    ],
    checks: [(partial) => {
      const info = devices.get(partial["device"] ?? "");
      const channel = partial["channel"] ?? "";
      if (!info || info.writable.includes(channel)) return undefined;
      return `${info.id} has no writable channel "${channel}"; writable: ${info.writable.join(", ") || "none"}`;
    }, (partial) => outOfRange(partial["device"] ?? "", partial["channel"] ?? "", partial["value"] ?? "")],
    async run(input) {
      const info = device(input.device);
      const refused = outOfRange(info.id, input.channel, input.value);
      if (refused !== undefined) throw new IotError("BAD_INPUT", refused);
      const before = pipeline.latest(info.id, input.channel);
      await devices.write(info.id, input.channel, input.value);
      const after = pipeline.latest(info.id, input.channel);
      const shown = after !== undefined && after !== before ? formatValue(after.value, after.unit) : String(input.value);
      const was = before !== undefined ? ` (was ${formatValue(before.value, before.unit)})` : "";
      return { data: { device: info.id, channel: input.channel, value: after !== before ? after?.value ?? input.value : input.value }, text: `${info.id}/${input.channel} = ${shown}${was}` };
    },
  });

  const status = define({
    name: "status", description: "Agent status: connection, queues, uptime, devices", permission: "reader", usage: "status",
    input: z.strictObject({}),
    stages: [],
    async run() {
      const s = deps.status();
      return { data: s, text: formatStatus(s) };
    },
  });

  const help = define({
    name: "help", description: "What you can ask", permission: "reader", usage: "help",
    input: z.strictObject({ command: z.string().optional() }),
    stages: [],
    async run(_input, caller) {
      const mine = deps.describe().filter((c) => caller.role === "admin" || c.permission === "reader");
      return { data: mine, text: mine.map((c) => `${c.usage} - ${c.description.toLowerCase()}`).join("\n") };
    },
  });

  return [list, read, set, status, help] as unknown as CommandDefinition[];
}
