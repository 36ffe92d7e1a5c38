import { describe, expect, it } from "vitest";
import { BoundedQueue } from "./bounded-queue.js";

describe("BoundedQueue", () => {
  it("keeps FIFO order while growing", () => {
    const q = new BoundedQueue<number>(5000);
    for (let i = 0; i < 3000; i++) q.push(i);
    const out: number[] = [];
    while (q.size > 0) out.push(q.shift()!);
    expect(out).toEqual(Array.from({ length: 3000 }, (_, i) => i));
  });

  it("drops the oldest at the bound and counts exactly", () => {
    const q = new BoundedQueue<number>(3);
    const dropped = [1, 2, 3, 4, 5].map((n) => q.push(n));
    expect(dropped).toEqual([undefined, undefined, undefined, 1, 2]);
    expect(q.dropped).toBe(2);
    expect([q.shift(), q.shift(), q.shift(), q.shift()]).toEqual([3, 4, 5, undefined]);
  });

  it("puts returned entries back at the front in order", () => {
    const q = new BoundedQueue<string>(10);
    q.push("c");
    q.push("d");
    q.unshiftAll(["a", "b"]);
    expect([q.shift(), q.shift(), q.shift(), q.shift()]).toEqual(["a", "b", "c", "d"]);
  });

  it("holds the bound when entries come back to a full queue", () => {
    const q = new BoundedQueue<number>(2);
    q.push(3);
    q.push(4);
    q.unshiftAll([1, 2]);
    expect(q.size).toBe(2);
    expect(q.dropped).toBe(2);
    expect([q.shift(), q.shift()]).toEqual([1, 2]);
  });
});
