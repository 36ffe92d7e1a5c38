import { describe, expect, it } from "vitest";
import { Batcher } from "./batcher.js";

describe("Batcher", () => {
  it("releases a group when it reaches maxReadings, at once", () => {
    const b = new Batcher<number>({ windowMs: 1000, maxReadings: 3 }, () => 0);
    b.add("a", 1);
    b.add("b", 10);
    b.add("a", 2);
    expect(b.take()).toBeUndefined();
    b.add("a", 3);
    expect(b.take()).toEqual({ key: "a", items: [1, 2, 3] });
    expect(b.size).toBe(1);
    expect(b.take()).toBeUndefined();
  });

  it("releases a group when its first item has waited windowMs, oldest group first", () => {
    let now = 0;
    const b = new Batcher<string>({ windowMs: 100, maxReadings: 50 }, () => now);
    b.add("x", "x1");
    now = 40;
    b.add("y", "y1");
    b.add("x", "x2");
    expect(b.nextDueAt()).toBe(100);
    now = 99;
    expect(b.take()).toBeUndefined();
    now = 100;
    expect(b.take()).toEqual({ key: "x", items: ["x1", "x2"] });
    expect(b.nextDueAt()).toBe(140);
    expect(b.take()).toBeUndefined();
    now = 140;
    expect(b.take()).toEqual({ key: "y", items: ["y1"] });
    expect(b.nextDueAt()).toBeUndefined();
    expect(b.size).toBe(0);
  });

  it("starts a new group (and window) for a key after its batch was taken", () => {
    let now = 0;
    const b = new Batcher<number>({ windowMs: 10, maxReadings: 2 }, () => now);
    b.add("k", 1);
    b.add("k", 2);
    now = 5;
    b.add("k", 3);
    expect(b.take()?.items).toEqual([1, 2]);
    expect(b.nextDueAt()).toBe(15);
  });

  it("with windowMs 0 every group is due at once", () => {
    const b = new Batcher<number>({ windowMs: 0, maxReadings: 10 }, () => 7);
    b.add("k", 1);
    expect(b.take()).toEqual({ key: "k", items: [1] });
  });

  it("clear hands back every held item and empties it", () => {
    const b = new Batcher<number>({ windowMs: 10, maxReadings: 2 }, () => 0);
    for (const [k, v] of [["a", 1], ["a", 2], ["b", 3]] as const) b.add(k, v);
    expect(b.clear().sort()).toEqual([1, 2, 3]);
    expect(b.size).toBe(0);
    expect(b.take()).toBeUndefined();
  });

  it("refuses a nonsensical bound", () => {
    expect(() => new Batcher({ windowMs: 10, maxReadings: 0 })).toThrow(RangeError);
    expect(() => new Batcher({ windowMs: -1, maxReadings: 1 })).toThrow(RangeError);
  });
});
