import type { AgentStatus } from "../status/status.js";

/**
 * The one line `systemctl status xmpp-iot` shows (sd_notify STATUS=): what a user checks first on
 * a Pi over SSH — is it connected, are the devices ok, is anything piling up.
 */
export function systemdStatusLine(status: AgentStatus): string {
  const ok = status.devices.filter((d) => d.state === "ok").length;
  const parts = [status.connected ? "online" : "offline", `${ok}/${status.devices.length} devices ok`];
  const pending = status.sinks.reduce((sum, s) => sum + s.pending, 0);
  const dropped = status.sinks.reduce((sum, s) => sum + s.dropped, 0);
  parts.push(`${pending} pending`);
  if (dropped > 0) parts.push(`${dropped} dropped`);
  const failing = status.devices.filter((d) => d.state === "failing").map((d) => d.id);
  if (failing.length > 0) parts.push(`failing: ${failing.slice(0, 3).join(", ")}${failing.length > 3 ? ", ..." : ""}`);
  return parts.join(", ");
}
