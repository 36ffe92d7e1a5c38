import type { DeviceManager } from "../device-manager/device-manager.js";
import type { DiskTrouble } from "../outbox/types.js";
import type { Pipeline, PipelineStats } from "../pipeline/pipeline.js";
import type { ReadingSink, SinkStatus } from "../delivery/types.js";

/** The MQTT bridge beyond its readings: command topics (`/set`, `command/<name>`) and HA discovery. */
export interface MqttBridgeStatus {
  readonly commands: { readonly sets: number; readonly requests: number; readonly errors: number; readonly ignoredRetained: number; readonly inflight: number };
  readonly discovery?: { readonly entities: number; readonly removed: number; readonly clearedStates: number; readonly swept: boolean };
}

export interface AgentStatus {
  readonly name: string;
  readonly jid: string;
  readonly connected: boolean;
  readonly uptimeS: number;
  readonly devices: ReadonlyArray<{ id: string; state: string; reason?: string; stats: Readonly<Record<string, number>> }>;
  readonly sinks: readonly SinkStatus[];
  readonly pipeline: PipelineStats;
  readonly mqtt?: MqttBridgeStatus;
}

export function collectStatus(parts: {
  name: string; jid: string; connected: boolean; startedAt: number;
  devices: DeviceManager; pipeline: Pipeline; sinks: readonly ReadingSink[]; mqtt?: () => MqttBridgeStatus;
}): AgentStatus {
  return {
    name: parts.name,
    jid: parts.jid,
    connected: parts.connected,
    uptimeS: Math.round((Date.now() - parts.startedAt) / 1000),
    devices: parts.devices.list().map((d) => ({
      id: d.id, state: d.health.state, ...(d.health.reason !== undefined ? { reason: d.health.reason } : {}), stats: d.stats,
    })),
    sinks: parts.sinks.map((s) => s.status()),
    pipeline: parts.pipeline.stats(),
    ...(parts.mqtt ? { mqtt: parts.mqtt() } : {}),
  };
}

/** Plain text for chat and the CLI: short lines that read well on a phone. */
export function formatStatus(status: AgentStatus): string {
  const lines = [`${status.name} (${status.jid}) ${status.connected ? "online" : "offline"}, up ${formatDuration(status.uptimeS)}`];
  for (const d of status.devices) lines.push(`- ${d.id}: ${d.state}${d.reason ? ` (${d.reason})` : ""}`);
  for (const s of status.sinks) {
    const age = s.oldestPendingAgeS !== undefined ? `, oldest ${formatDuration(Math.round(s.oldestPendingAgeS))}` : "";
    const ack = s.lastAckAt !== undefined ? `, last ack ${formatDuration(Math.round((Date.now() - s.lastAckAt) / 1000))} ago` : "";
    const aside = s.setAside ? `, ${s.setAside} set aside` : "";
    lines.push(`${s.name}: ${s.connected ? "connected" : "disconnected"}, ${s.pending} pending${age}, ${s.delivered} delivered, ${s.dropped} dropped${aside}${ack}`);
    if (s.disk) lines.push(`  ${diskTroubleText(s.disk)}: ${s.disk.memoryOnly} readings in memory only`);
  }
  const commands = status.mqtt?.commands;
  if (commands) lines.push(`mqtt commands: ${commands.sets} set, ${commands.requests} requests, ${commands.errors} errors`);
  return lines.join("\n");
}

/** Conditions for the presence text, without durations so the text changes only with the state. */
export function sinkProblems(sinks: readonly ReadingSink[]): string[] {
  return sinks.flatMap((s) => {
    const disk = s.status().disk;
    if (!disk) return [];
    const code = disk.error.split(":")[0]!;
    return [`${s.name} outbox: ${code === "ENOSPC" ? "disk full" : "disk error"} (${code})`];
  });
}

/** "disk full (ENOSPC) for 3m" or "disk error (EIO) for 10s": for status and the presence health text. */
export function diskTroubleText(disk: DiskTrouble, now = Date.now()): string {
  const code = disk.error.split(":")[0]!;
  return `${code === "ENOSPC" ? "disk full" : "disk error"} (${code}) for ${formatDuration(Math.max(0, Math.round((now - disk.since) / 1000)))}`;
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${seconds % 60 ? ` ${seconds % 60}s` : ""}`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h ${Math.floor((seconds % 3600) / 60)}m`;
  return `${Math.floor(seconds / 86_400)}d ${Math.floor((seconds % 86_400) / 3600)}h`;
}
