import { describe, expect, it } from "vitest";
import { createChannelStore } from "./model.js";

const at = (time: number, value: number | boolean) => ({ agent: "a@x", device: "d", channel: "c", node: "sensors/d/c", value, unit: "Cel", time, quality: [] });

describe("channel store", () => {
  it("merges history and live items by time, drops duplicates, and bounds the history", () => {
    const store = createChannelStore({ historyLimit: 3 });
    expect(store.add(at(10, 1), 0)).toBeDefined();
    expect(store.add(at(12, 3), 0)).toBeDefined();
    expect(store.add(at(11, 2), 0)).toBeDefined();
    expect(store.add(at(12, 3), 0)).toBeUndefined();
    const state = store.get("a@x/d/c")!;
    expect(state.times).toEqual([10, 11, 12]);
    expect(state.value).toBe(3);
    store.add(at(13, 4), 5);
    expect(state.times).toEqual([11, 12, 13]);
    expect(state.values).toEqual([2, 3, 4]);
    expect(state.receivedAt).toBe(5);
    expect(store.takeDirty()).toEqual(["a@x/d/c"]);
    expect(store.takeDirty()).toEqual([]);
  });

  it("charts booleans as 0/1 and keeps the newest value", () => {
    const store = createChannelStore({ historyLimit: 10 });
    store.add(at(1, false), 0);
    store.add(at(2, true), 0);
    expect(store.get("a@x/d/c")).toMatchObject({ value: true, values: [0, 1] });
  });
});
