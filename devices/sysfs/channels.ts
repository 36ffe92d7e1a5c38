import { messageOf } from "../../src/errors/catalog.js";
import type { RawSample } from "../../src/device-contract/index.js";
import type { SysfsScan } from "./poller.js";

/** A configured channel and the sysfs source (sensor, IIO channel) it reads. */
export interface WantedChannel {
  readonly channel: string;
  readonly source: string;
}

/**
 * One poll's samples from what a device offers: the configured channels, or every source under
 * its own name when none is configured. A source the device lacks or a failed read is a problem
 * for `status`, never a stop: the other channels still publish.
 */
export async function readChannels<Source>(spec: {
  readonly device: string;
  /** What a source is called in messages ("sensor", "channel"). */
  readonly kind: string;
  readonly configured: readonly WantedChannel[];
  readonly available: ReadonlyMap<string, Source>;
  readonly nameOf: (source: string) => string;
  readonly read: (source: Source, name: string) => Promise<{ readonly value: number; readonly unit?: string | undefined }>;
  /** Appended to a read failure: where to look (the wiring). */
  readonly readHint?: string;
}): Promise<{ samples: RawSample[]; problems: string[]; wanted: number }> {
  const { device, available } = spec;
  const wanted = spec.configured.length > 0 ? spec.configured : [...available.keys()].map((name) => ({ channel: spec.nameOf(name), source: name }));
  const samples: RawSample[] = [];
  const problems: string[] = [];
  for (const { channel, source } of wanted) {
    const found = available.get(source);
    if (found === undefined) {
      problems.push(`${device} has no ${spec.kind} ${source} (has: ${[...available.keys()].join(", ") || "none"})`);
      continue;
    }
    try {
      const { value, unit } = await spec.read(found, source);
      samples.push({ channel, value, time: Date.now() / 1000, ...(unit !== undefined ? { unit } : {}) });
    } catch (error) {
      problems.push(`cannot read ${device} ${source}: ${messageOf(error)}${spec.readHint ?? ""}`);
    }
  }
  return { samples, problems, wanted: wanted.length };
}

/** Finds the device's directory; a failed or empty search is the scan's `missing` reason. */
export async function locate<Found>(find: () => Promise<Found | undefined>, missing: (detail: string) => string): Promise<Found | SysfsScan & { readonly missing: string }> {
  try {
    return (await find()) ?? { missing: missing("not found"), samples: [], problems: [] };
  } catch (error) {
    return { missing: missing(messageOf(error)), samples: [], problems: [] };
  }
}
