/**
 * The SenML names this agent writes: base name `<agent-bare-jid>/<device>/` and name `<channel>`,
 * so a resolved name (RFC 8428 section 4.5.1: bn + n) is `<agent-bare-jid>/<device>/<channel>`.
 */

let lastBase = { jid: "", device: "", name: "" };

/** `<agent-bare-jid>/<device>/`: the SenML base name of a device's records. */
export function baseName(agentBareJid: string, device: string): string {
  // Consecutive readings are nearly always of the same device: one string per device change, not per record.
  if (agentBareJid !== lastBase.jid || device !== lastBase.device) lastBase = { jid: agentBareJid, device, name: `${agentBareJid}/${device}/` };
  return lastBase.name;
}

export interface ChannelAddress {
  readonly agent: string;
  readonly device: string;
  readonly channel: string;
}

/**
 * `<agent-bare-jid>/<device>/<channel>`: a bare JID has no `/`, and neither have device ids, so the
 * first segment is the agent and the last the channel. When the resolved name has no channel (a
 * record whose `n` was empty), the node name `<prefix><device>/<channel>` supplies it.
 */
export function addressOf(resolvedName: string, node?: string): ChannelAddress | undefined {
  const parts = resolvedName.split("/");
  const fromNode = node?.split("/") ?? [];
  if (parts.length >= 3 && parts[parts.length - 1] !== "") {
    return { agent: parts[0]!, device: parts.slice(1, -1).join("/"), channel: parts[parts.length - 1]! };
  }
  if (parts.length >= 2 && fromNode.length >= 2) {
    return { agent: parts[0]!, device: parts[1] || fromNode[fromNode.length - 2]!, channel: fromNode[fromNode.length - 1]! };
  }
  return undefined;
}
