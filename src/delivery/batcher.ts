/** Readings of one destination (`pubsub.batch`: a node) wait up to `windowMs`, at most `maxReadings` per send. */
export interface BatchOptions {
  readonly windowMs: number;
  readonly maxReadings: number;
}

export interface Batch<T> {
  readonly key: string;
  readonly items: readonly T[];
}

interface Group<T> {
  readonly items: T[];
  readonly since: number;
}

/**
 * Groups items per key (a destination: a pubsub node) into batches: a group is ready when it holds
 * `maxReadings` items or when its first item has waited `windowMs`. Pure apart from the clock:
 * the caller sends what `take` returns and arms one timer at `nextDueAt`.
 *
 * Groups live in a Map in creation order, which is also `since` order, so the due check looks at
 * the first group only and `take` is O(1) whatever the number of nodes.
 */
export class Batcher<T> {
  private readonly open = new Map<string, Group<T>>();
  private readonly full: Array<Batch<T>> = [];
  private held = 0;

  constructor(private readonly options: BatchOptions, private readonly now: () => number = Date.now) {
    if (!Number.isInteger(options.maxReadings) || options.maxReadings < 1) throw new RangeError("maxReadings must be a positive integer");
    if (!(options.windowMs >= 0)) throw new RangeError("windowMs must be >= 0");
  }

  /** Items held (open groups and full batches not yet taken). */
  get size(): number {
    return this.held;
  }

  add(key: string, item: T): void {
    let group = this.open.get(key);
    if (!group) {
      group = { items: [], since: this.now() };
      this.open.set(key, group);
    }
    group.items.push(item);
    this.held++;
    if (group.items.length >= this.options.maxReadings) {
      this.open.delete(key);
      this.full.push({ key, items: group.items });
    }
  }

  /** The next batch to send: a full one first, else the oldest group whose window has passed. */
  take(): Batch<T> | undefined {
    let batch = this.full.shift();
    if (!batch) {
      const first = this.open.entries().next();
      if (first.done || this.now() - first.value[1].since < this.options.windowMs) return undefined;
      this.open.delete(first.value[0]);
      batch = { key: first.value[0], items: first.value[1].items };
    }
    this.held -= batch.items.length;
    return batch;
  }

  /** Epoch ms when the oldest open group becomes due; undefined when nothing waits on the clock. */
  nextDueAt(): number | undefined {
    const first = this.open.values().next();
    return first.done ? undefined : first.value.since + this.options.windowMs;
  }

  /** Everything held, in no particular order; the batcher is empty afterwards. */
  clear(): T[] {
    const items = [...this.full.flatMap((b) => b.items), ...[...this.open.values()].flatMap((g) => g.items)];
    this.full.length = 0;
    this.open.clear();
    this.held = 0;
    return items;
  }
}
