import { z } from "zod";
import type { DeviceManager } from "../device-manager/device-manager.js";
import { IotError } from "../errors/catalog.js";
import type { History } from "../history/rollup.js";
import type { Pipeline } from "../pipeline/pipeline.js";
import { formatValue } from "./format.js";
import { resolveTarget } from "./resolve.js";
import type { CommandDefinition, CommandHead } from "./types.js";

const BARS = "▁▂▃▄▅▆▇█";
const SLICE_MINUTES = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440];
const MAX_PERIOD_MS = 7 * 86_400_000;
const UNIT_MS: Readonly<Record<string, number>> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `1h`, `24h`, `7d`, `30m` (at most 7 days). */
export function parsePeriod(text: string): number {
  const match = /^(\d{1,4})\s*([mhd])$/i.exec(text.trim());
  const ms = match ? Number(match[1]) * UNIT_MS[match[2]!.toLowerCase()]! : Number.NaN;
  if (!Number.isFinite(ms) || ms < 60_000 || ms > MAX_PERIOD_MS) throw new IotError("BAD_INPUT", `history: period "${text.slice(0, 16)}" is not one of 1h, 24h, 7d (or like 30m, up to 7d)`);
  return ms;
}

/** One character per slice, lowest to highest value; `·` where a slice has no reading. */
export function sparkline(values: ReadonlyArray<number | undefined>): string {
  const known = values.filter((v): v is number => v !== undefined);
  if (known.length === 0) return "";
  const low = Math.min(...known);
  const span = Math.max(...known) - low;
  return values.map((v) => (v === undefined ? "·" : BARS[span === 0 ? 3 : Math.min(7, Math.floor(((v - low) / span) * 8))])).join("");
}

export const HISTORY_HEAD = {
  name: "history", description: "Min, mean, max and a sparkline over a period", permission: "reader",
  usage: "history <device>/<channel> [1h|24h|7d]",
  // The period word is anything parsePeriod may take (`30m`, `3d`), so a typo gets its message.
  chat: { example: "history greenhouse/temperature 24h", args: { "[1h|24h|7d]": { field: "period", pattern: /^\d+\s*[mhd]$/i } } },
} as const satisfies CommandHead;

/** `history <device>/<channel> [1h|24h|7d]` from the agent's minute rollup (src/history). */
export function historyCommand(deps: { devices: DeviceManager; pipeline: Pipeline; history: History; now: () => number }): CommandDefinition {
  const definition: CommandDefinition<z.ZodType<{ device?: string | undefined; channel: string; period?: string | undefined }>> = {
    ...HISTORY_HEAD,
    input: z.strictObject({ device: z.string().trim().min(1).optional(), channel: z.string().trim().min(1, "required"), period: z.string().optional() }),
    stages: [() => [
      { name: "device", label: "Device", kind: "choice", required: true, options: deps.devices.list().map((d) => d.id) },
      { name: "channel", label: "Channel", kind: "choice", required: true, options: [...new Set(deps.devices.list().flatMap((d) => d.channels))] },
      { name: "period", label: "Period", kind: "choice", required: false, options: ["1h", "24h", "7d"], value: "1h" },
    ]],
    async run(input) {
      const { device, channel } = resolveTarget(deps.devices, input.device, input.channel);
      const periodText = input.period?.trim() || "1h";
      const periodMs = parsePeriod(periodText);
      const now = deps.now();
      const records = deps.history.query({ device: device.id, channel, sinceMs: now - periodMs });
      const unit = deps.pipeline.latest(device.id, channel)?.unit;
      const name = `${device.id}/${channel}`;
      if (records.length === 0) {
        const latest = deps.pipeline.latest(device.id, channel);
        const why = latest !== undefined && typeof latest.value !== "number" ? "history keeps numeric channels only" : "no readings recorded yet";
        return { data: { device: device.id, channel, period: periodText, count: 0 }, text: `${name}, last ${periodText}: ${why}` };
      }
      const count = records.reduce((n, r) => n + r.n, 0);
      const min = Math.min(...records.map((r) => r.min));
      const max = Math.max(...records.map((r) => r.max));
      const mean = records.reduce((s, r) => s + r.sum, 0) / count;
      // Slices across the period, oldest left: the shortest round length giving at most 30 marks.
      const sliceMs = SLICE_MINUTES.map((m) => m * 60_000).find((ms) => periodMs / ms <= 30) ?? periodMs / 30;
      const slices = Math.max(1, Math.ceil(periodMs / sliceMs));
      const sums = new Array<number>(slices).fill(0);
      const counts = new Array<number>(slices).fill(0);
      for (const r of records) {
        const at = Math.min(slices - 1, Math.max(0, Math.floor((r.m * 60_000 - (now - periodMs)) / sliceMs)));
        sums[at]! += r.sum;
        counts[at]! += r.n;
      }
      const line = sparkline(sums.map((s, i) => (counts[i]! > 0 ? s / counts[i]! : undefined)));
      const f = (v: number): string => formatValue(Number(v.toFixed(2)), unit);
      const per = sliceMs >= 3_600_000 ? `${Math.round(sliceMs / 3_600_000)} h` : `${Math.round(sliceMs / 60_000)} min`;
      return {
        data: { device: device.id, channel, period: periodText, unit, min, mean, max, count, minutes: records.length, sparkline: line },
        text: `${name}, last ${periodText}: min ${f(min)}, mean ${f(mean)}, max ${f(max)}, ${count} readings\n${line} (${per} per mark, oldest first)`,
      };
    },
  };
  return definition as unknown as CommandDefinition;
}
