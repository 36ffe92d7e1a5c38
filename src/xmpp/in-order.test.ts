import { describe, expect, it } from "vitest";
import { createInOrder } from "./in-order.js";

describe("in-order runner", () => {
  it("keeps arrival order per key even when earlier work is slower, and drops drained chains", async () => {
    const done: string[] = [];
    const errors: string[] = [];
    const ordered = createInOrder((key, error) => errors.push(`${key}: ${String(error)}`));
    const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    ordered.run("a", async () => { await wait(30); done.push("a1"); });
    ordered.run("a", () => { throw new Error("boom"); });
    ordered.run("a", () => { done.push("a3"); });
    ordered.run("b", () => { done.push("b1"); });
    expect(ordered.size).toBe(2);
    await wait(60);
    expect(done).toEqual(["b1", "a1", "a3"]);
    expect(errors).toEqual(["a: Error: boom"]);
    expect(ordered.size).toBe(0);
  });
});
