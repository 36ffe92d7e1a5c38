/**
 * A FIFO ring buffer with a hard bound: at the bound the oldest entry is dropped and counted, so
 * a long outage costs a known amount of memory, never more.
 */
export class BoundedQueue<T> {
  private items: Array<T | undefined>;
  private head = 0;
  private length = 0;
  private droppedCount = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError("capacity must be a positive integer");
    this.items = new Array<T | undefined>(Math.min(capacity, 1024));
  }

  get size(): number {
    return this.length;
  }

  get dropped(): number {
    return this.droppedCount;
  }

  /** Appends; returns the entry dropped to make room, if any. */
  push(item: T): T | undefined {
    let dropped: T | undefined;
    if (this.length === this.capacity) {
      dropped = this.shift();
      this.droppedCount++;
    }
    this.grow();
    this.items[(this.head + this.length) % this.items.length] = item;
    this.length++;
    return dropped;
  }

  /** Puts entries back at the front in their original order (a publish that did not get through). */
  unshiftAll(entries: readonly T[]): void {
    for (let i = entries.length - 1; i >= 0; i--) {
      if (this.length === this.capacity) {
        // The bound holds even for returned entries: the newest tail entry makes room.
        this.length--;
        this.droppedCount++;
      }
      this.grow();
      this.head = (this.head - 1 + this.items.length) % this.items.length;
      this.items[this.head] = entries[i];
      this.length++;
    }
  }

  shift(): T | undefined {
    if (this.length === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.items.length;
    this.length--;
    return item;
  }

  peek(): T | undefined {
    return this.length === 0 ? undefined : this.items[this.head];
  }

  private grow(): void {
    if (this.length < this.items.length) return;
    const next = new Array<T | undefined>(Math.min(this.capacity, this.items.length * 2));
    for (let i = 0; i < this.length; i++) next[i] = this.items[(this.head + i) % this.items.length];
    this.items = next;
    this.head = 0;
  }
}
