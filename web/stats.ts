/**
 * What the page measures about itself, for the browser test and for anyone who opens the console:
 * update lag (reading received -> on screen, for rows on screen), reading age when shown (includes the agent and the
 * server), frame times, and long tasks (PerformanceObserver "longtask", > 50 ms main-thread work).
 * Rings are bounded so a page left open for days does not grow.
 */
export function createStats(limit = 20_000) {
  const lag: number[] = [];
  const age: number[] = [];
  const frames: number[] = [];
  let lastFrame = 0;
  let received = 0;
  let rendered = 0;
  let deferred = 0;
  let longTasks = 0;
  let longTaskMs = 0;
  const push = (ring: number[], value: number): void => { ring.push(value); if (ring.length > limit) ring.splice(0, ring.length - limit); };
  try {
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) { longTasks++; longTaskMs += entry.duration; }
    }).observe({ type: "longtask", buffered: false });
  } catch { /* not every browser reports long tasks */ }
  return {
    frame(now: number): void {
      if (lastFrame > 0) push(frames, now - lastFrame);
      lastFrame = now;
    },
    received(count: number): void { received += count; },
    /** A change to a row off screen: kept in the store, drawn when the row scrolls into view. */
    deferred(): void { deferred++; },
    rendered(lagMs: number, ageSeconds: number): void {
      rendered++;
      push(lag, lagMs);
      push(age, ageSeconds * 1000);
    },
    snapshot: () => ({ received, rendered, deferred, lagMs: lag.slice(), ageMs: age.slice(), frameMs: frames.slice(), longTasks, longTaskMs }),
    reset(): void { lag.length = 0; age.length = 0; frames.length = 0; received = 0; rendered = 0; deferred = 0; longTasks = 0; longTaskMs = 0; },
  };
}
