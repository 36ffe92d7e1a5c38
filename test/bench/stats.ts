/** Latency samples in ms with a hard bound (reservoir sampling beyond it). */
export class LatencySamples {
  private readonly values: Float64Array;
  private seen = 0;
  constructor(private readonly capacity = 200_000) {
    this.values = new Float64Array(capacity);
  }
  add(ms: number): void {
    if (this.seen < this.capacity) this.values[this.seen] = ms;
    else {
      const slot = Math.floor(Math.random() * (this.seen + 1));
      if (slot < this.capacity) this.values[slot] = ms;
    }
    this.seen++;
  }
  get count(): number {
    return this.seen;
  }
  /** Nearest-rank percentile (p in 0..100); NaN without samples. */
  percentile(p: number): number {
    const n = Math.min(this.seen, this.capacity);
    if (n === 0) return Number.NaN;
    const sorted = this.values.slice(0, n).sort();
    const rank = Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1));
    return sorted[rank] ?? Number.NaN;
  }
}

export function fmt(value: number, digits = 1): string {
  return Number.isFinite(value) ? value.toFixed(digits) : "NA";
}

export function mb(bytes: number): number {
  return bytes / (1024 * 1024);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

