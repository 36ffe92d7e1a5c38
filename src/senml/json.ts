import type { Reading } from "../reading.js";
import { baseName } from "./xml.js";

export interface SenmlJsonRecord {
  bn?: string;
  n: string;
  u?: string;
  v?: number;
  vb?: boolean;
  vs?: string;
  t: number;
}

/** RFC 8428 section 4: a SenML JSON pack, base name on the first record of each device. */
export function encodeSenmlJson(agentBareJid: string, readings: readonly Reading[]): SenmlJsonRecord[] {
  let lastBase: string | undefined;
  return readings.map((reading) => {
    const bn = baseName(agentBareJid, reading.device);
    const rec: SenmlJsonRecord = { n: reading.channel, t: reading.time };
    if (bn !== lastBase) rec.bn = bn;
    lastBase = bn;
    if (reading.unit !== undefined) rec.u = reading.unit;
    if (typeof reading.value === "number") rec.v = reading.value;
    else if (typeof reading.value === "boolean") rec.vb = reading.value;
    else rec.vs = reading.value;
    return rec;
  });
}
