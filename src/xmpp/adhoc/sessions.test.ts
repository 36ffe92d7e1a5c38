import { describe, expect, it } from "vitest";
import { createSessionStore } from "./sessions.js";

describe("ad-hoc session store", () => {
  it("expires idle sessions and remembers them as expired", () => {
    let now = 0;
    const store = createSessionStore({ ttlMs: 1000, max: 10, perJid: 3, now: () => now });
    const s = store.create("a@x/r", "set")!;
    now = 900;
    expect(store.lookup(s.id)).toBe(s); // activity renews
    now = 1800;
    expect(store.lookup(s.id)).toBe(s);
    now = 2900;
    expect(store.lookup(s.id)).toBe("expired");
    expect(store.lookup("never")).toBeUndefined();
  });

  it("bounds sessions per requester and overall", () => {
    const store = createSessionStore({ ttlMs: 60_000, max: 4, perJid: 2, now: () => 0 });
    const [a1, a2, a3] = [store.create("a@x/r", "read")!, store.create("a@x/r", "read")!, store.create("a@x/r", "read")!];
    expect(store.lookup(a1.id)).toBeUndefined();
    expect([store.lookup(a2.id), store.lookup(a3.id)]).toEqual([a2, a3]);
    store.create("b@x/r", "read");
    store.create("b@x/r", "read");
    expect(store.size).toBe(4);
    expect(store.create("c@x/r", "read")).toBeUndefined();
    expect(a2.id).toMatch(/^[A-Za-z0-9_-]{16}$/);
  });
});
