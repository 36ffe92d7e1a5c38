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

  it("bounds sessions per account over all its resources; the account's oldest goes", () => {
    const store = createSessionStore({ ttlMs: 60_000, max: 10, perJid: 2, now: () => 0 });
    const [a1, a2, a3] = [store.create("a@x/phone", "read")!, store.create("a@x/laptop", "read")!, store.create("A@x/tablet", "read")!];
    expect(store.lookup(a1.id)).toBe("expired");
    expect([store.lookup(a2.id), store.lookup(a3.id)]).toEqual([a2, a3]);
    expect(store.size).toBe(2);
    expect(a2.id).toMatch(/^[A-Za-z0-9_-]{16}$/);
  });

  it("a full pool makes the biggest holder give up its oldest session, readers before admins", () => {
    const store = createSessionStore({ ttlMs: 60_000, max: 4, perJid: 3, now: () => 0 });
    const b = [store.create("b@x/1", "read")!, store.create("b@x/2", "read")!, store.create("b@x/3", "read")!];
    const c1 = store.create("c@x/1", "read")!;
    const c2 = store.create("c@x/1", "read")!; // full: b holds the most, its oldest goes
    expect(store.lookup(b[0]!.id)).toBe("expired");
    const admin = store.create("alice@x/phone", "set", true)!; // b and c hold 2 each: the oldest of them (b's) goes
    expect(store.lookup(b[1]!.id)).toBe("expired");
    expect([store.lookup(b[2]!.id), store.lookup(c1.id), store.lookup(c2.id), store.lookup(admin.id)]).toEqual([b[2], c1, c2, admin]);
    expect(store.evicted).toBe(2);
  });

  it("a reader cannot displace admins; an admin can", () => {
    const store = createSessionStore({ ttlMs: 60_000, max: 2, perJid: 2, now: () => 0 });
    const a1 = store.create("alice@x/1", "set", true)!;
    store.create("alice@x/2", "set", true);
    expect(store.create("bob@x/1", "read")).toBeUndefined();
    expect(store.create("root@x/1", "set", true)).toBeDefined();
    expect(store.lookup(a1.id)).toBe("expired");
  });
});
