import type { Reading } from "../readings/reading.js";
import { baseName } from "./name.js";

/**
 * One reading as a SenML JSON pack (RFC 8428 section 4). `id` (the reading's stable id, so a resend
 * after a reconnect is recognisable) and `q` (XEP-0323 quality flags) are extension labels without
 * a trailing `_`, which RFC 8428 section 12.3.1 tells every consumer to ignore when unknown.
 */
export function encodeReadingPayload(agentBareJid: string, reading: Reading): string {
  // Written out rather than JSON.stringify of a record object: this runs once per reading and was
  // the bridge's largest cost (npm run bench, MQTT CPU per 1000). Keys in the order it had.
  const json = JSON.stringify;
  let out = `[{"n":${json(reading.channel)},"t":${json(reading.time)},"bn":${json(baseName(agentBareJid, reading.device))}`;
  if (reading.unit !== undefined) out += `,"u":${json(reading.unit)}`;
  const { value } = reading;
  out += typeof value === "number" ? `,"v":${json(value)}` : typeof value === "boolean" ? `,"vb":${value}` : `,"vs":${json(value)}`;
  out += `,"id":${json(reading.id)}`;
  if (reading.quality && reading.quality.length > 0) out += `,"q":${json(reading.quality)}`;
  return `${out}}]`;
}
