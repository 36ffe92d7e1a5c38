/**
 * Runs async work one at a time per key, in arrival order: a chat `set` followed by `read` must
 * not have its replies swapped. A key's chain is dropped once it drains; callers bound how much
 * they queue (the per-JID rate limit does).
 */
export function createInOrder(onError: (key: string, error: unknown) => void) {
  const chains = new Map<string, Promise<void>>();
  return {
    run(key: string, work: () => Promise<void> | void): void {
      const next = (chains.get(key) ?? Promise.resolve()).then(work).catch((error: unknown) => onError(key, error));
      chains.set(key, next);
      void next.then(() => { if (chains.get(key) === next) chains.delete(key); });
    },
    get size(): number {
      return chains.size;
    },
  };
}
