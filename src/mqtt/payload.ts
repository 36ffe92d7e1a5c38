import type { Reading } from "../reading.js";
import { encodeSenmlJson } from "../senml/json.js";

/**
 * One reading as a SenML JSON pack (RFC 8428 section 4). `id` (the reading's stable id, so a resend
 * after a reconnect is recognisable) and `q` (XEP-0323 quality flags) are extension labels without
 * a trailing `_`, which RFC 8428 section 12.3.1 tells every consumer to ignore when unknown.
 */
export function encodeReadingPayload(agentBareJid: string, reading: Reading): string {
  const [record] = encodeSenmlJson(agentBareJid, [reading]);
  const extended = { ...record, id: reading.id, ...(reading.quality && reading.quality.length > 0 ? { q: reading.quality } : {}) };
  return JSON.stringify([extended]);
}

/** `<prefix>/<device>/<channel>` */
export function readingTopic(prefix: string, device: string, channel: string): string {
  return `${prefix}/${device}/${channel}`;
}
