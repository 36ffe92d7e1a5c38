import { z } from "zod";
import type { DeviceInfo, DeviceManager } from "../device-manager/device-manager.js";
import { IotError } from "../errors/catalog.js";
import type { Pipeline } from "../pipeline/pipeline.js";
import type { Reading } from "../readings/reading.js";
import { formatStatus, type AgentStatus } from "../status/status.js";
import { formatReading, formatValue } from "./format.js";
import { findDevice, normalizeInputValue, resolveChannel, resolveDevice, resolveTarget } from "./resolve.js";
import type { CommandDefinition, CommandHead, CommandInfo, FieldSpec } from "./types.js";

export interface BuiltinDeps {
  readonly devices: DeviceManager;
  readonly pipeline: Pipeline;
  readonly status: () => AgentStatus;
  readonly now: () => number;
  /** The registry's own listing, for `help`. */
  readonly describe: () => CommandInfo[];
}

const name = z.string().trim().min(1, "required");

export const BUILTIN_HEADS = {
  list: { name: "list", description: "List devices, channels and last values", permission: "reader", usage: "list" },
  read: { name: "read", description: "Read a device's channels", permission: "reader", usage: "read <device>[/<channel>]", chat: { example: "read greenhouse/temperature" } },
  set: { name: "set", description: "Set a writable channel", permission: "admin", usage: "set <device>/<channel> <value>", chat: { example: "set greenhouse/lamp on" } },
  status: { name: "status", description: "Agent status: connection, queues, uptime, devices", permission: "reader", usage: "status" },
  help: { name: "help", description: "What you can ask", permission: "reader", usage: "help", chat: { aliases: ["?"], ignoresArguments: true } },
} as const satisfies Record<string, CommandHead>;

/** Identity helper that keeps each definition's schema type for `run`. */
const define = <S extends z.ZodType>(definition: CommandDefinition<S>): CommandDefinition<S> => definition;

/** A command that takes no input and runs at once (no ad-hoc form). */
const withoutInput = (head: CommandHead, run: CommandDefinition["run"]): CommandDefinition =>
  define({ ...head, input: z.strictObject({}), stages: [], run });

export function builtinCommands(deps: BuiltinDeps): CommandDefinition[] {
  const { devices, pipeline } = deps;

  const device = (id: string) => resolveDevice(devices, id);
  /** `read greenhouse`, `read greenhouse/lamp`, or `read lamp` when one device has a lamp. */
  const readTarget = (deviceName: string | undefined, channel: string | undefined): [DeviceInfo, readonly string[]] => {
    if (deviceName !== undefined && channel === undefined) {
      const whole = findDevice(devices, deviceName);
      if (whole) return [whole, whole.channels];
      const lower = deviceName.toLowerCase();
      if (!devices.list().some((d) => d.channels.some((c) => c.toLowerCase() === lower))) device(deviceName);
      channel = deviceName;
      deviceName = undefined;
    }
    const target = resolveTarget(devices, deviceName, channel!);
    return [target.device, [target.channel]];
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

  /** Examples from the devices configured here, so each works as shown. */
  const helpExamples = (admin: boolean, commands: readonly string[]): string[] => {
    const all = devices.list();
    const first = all[0];
    if (!first) return [];
    const out = [`read ${first.id}`];
    const writable = all.flatMap((d) => d.writable.map((c) => ({ d, c, latest: pipeline.latest(d.id, c) })));
    const pick = writable.find((w) => typeof w.latest?.value === "boolean") ?? writable[0];
    if (admin && pick && commands.includes("set")) {
      const value = typeof pick.latest?.value === "boolean" ? (pick.latest.value ? "off" : "on") : typeof pick.latest?.value === "number" ? String(pick.latest.value) : undefined;
      if (value !== undefined) out.push(`set ${pick.d.id}/${pick.c} ${value}`);
    }
    const numeric = all.flatMap((d) => d.channels.filter((c) => typeof pipeline.latest(d.id, c)?.value === "number").map((c) => `${d.id}/${c}`));
    if (commands.includes("history") && numeric[0] !== undefined) out.push(`history ${numeric[0]} 1h`);
    return out;
  };

  const list = withoutInput(BUILTIN_HEADS.list, async () => {
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
  });

  const read = define({
    ...BUILTIN_HEADS.read,
    // A channel alone is enough when one device has it (`read lamp`).
    input: z.strictObject({ device: name.optional(), channel: name.optional() }).refine((i) => i.device !== undefined || i.channel !== undefined, { message: "required", path: ["device"] }),
    stages: [() => [deviceField(false), {
      name: "channel", label: "Channel (empty: all)", kind: "choice", required: false,
      options: [...new Set(devices.list().flatMap((d) => d.channels))],
    }]],
    async run(input) {
      const [info, channels] = readTarget(input.device, input.channel);
      const readings = channels.map((c) => pipeline.latest(info.id, c)).filter((r): r is Reading => r !== undefined);
      if (readings.length === 0) return { data: { device: info.id, state: info.health.state, readings }, text: `${info.id}: no reading yet (${info.health.state})` };
      return { data: { device: info.id, state: info.health.state, readings }, text: readings.map(line).join("\n"), table: { columns, rows: readings.map(rowOf) } };
    },
  });

  const set = define({
    ...BUILTIN_HEADS.set,
    // No device: the one device with a writable channel of that name (`set lamp on`).
    input: z.strictObject({ device: name.optional(), channel: name, value: z.union([z.string().trim().min(1, "required"), z.number(), z.boolean()]) }),
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
      const info = findDevice(devices, partial["device"] ?? "");
      const channel = partial["channel"] ?? "";
      if (!info || info.writable.some((c) => c.toLowerCase() === channel.toLowerCase())) return undefined;
      return `${info.id} has no writable channel "${channel}"; writable: ${info.writable.join(", ") || "none"}`;
    }, (partial) => outOfRange(partial["device"] ?? "", partial["channel"] ?? "", partial["value"] ?? "")],
    async run(input) {
      // `set lamp some text`: a first word that names no device but a channel starts the value.
      const shifted = input.device !== undefined && !findDevice(devices, input.device) && typeof input.value === "string"
        && devices.list().some((d) => d.channels.some((c) => c.toLowerCase() === input.device!.toLowerCase()));
      const target = shifted ? resolveTarget(devices, undefined, input.device!, true) : resolveTarget(devices, input.device, input.channel, true);
      if (shifted) input = { ...input, value: `${input.channel} ${String(input.value)}` };
      const info = target.device;
      const channel = target.channel;
      const before = pipeline.latest(info.id, channel);
      const value = typeof before?.value === "number" || (before === undefined && typeof input.value === "string" && /^\s*[-+]?\d/.test(input.value))
        ? normalizeInputValue(input.value, before?.unit, `${info.id}/${channel}`) : input.value;
      const refused = outOfRange(info.id, channel, value);
      if (refused !== undefined) throw new IotError("BAD_INPUT", refused);
      await devices.write(info.id, channel, value);
      const after = pipeline.latest(info.id, channel);
      const shown = after !== undefined && after !== before ? formatValue(after.value, after.unit) : String(value);
      const was = before !== undefined ? ` (was ${formatValue(before.value, before.unit)})` : "";
      const chose = target.chosen !== undefined ? ` (the ${channel} on ${target.chosen})` : "";
      return { data: { device: info.id, channel, value: after !== before ? after?.value ?? value : value }, text: `${info.id}/${channel} = ${shown}${was}${chose}` };
    },
  });

  const status = withoutInput(BUILTIN_HEADS.status, async () => {
    const s = deps.status();
    return { data: s, text: formatStatus(s) };
  });

  const help = define({
    ...BUILTIN_HEADS.help,
    input: z.strictObject({ command: z.string().optional() }),
    stages: [],
    async run(_input, caller) {
      const mine = deps.describe().filter((c) => caller.role === "admin" || c.permission === "reader");
      const lines = mine.map((c) => `${c.usage} - ${c.description.toLowerCase()}`);
      const examples = helpExamples(caller.role === "admin", mine.map((c) => c.name));
      if (examples.length > 0) lines.push(`e.g. ${examples.join(" · ")}`);
      lines.push(`✎ in list marks a channel ${caller.role === "admin" ? "you can" : "an admin can"} set. Names ignore case; a channel name alone works when one device has it.`);
      return { data: mine, text: lines.join("\n") };
    },
  });

  return [list, read, set, status, help] as unknown as CommandDefinition[];
}
