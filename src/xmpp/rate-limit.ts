/**
 * A token bucket per key (bare JID): `burst` messages at once, refilled at `perMinute`. The map of
 * keys is bounded; the least recently seen key is forgotten first.
 */
export function createRateLimiter(options: { burst: number; perMinute: number; maxKeys?: number; now?: () => number }) {
  const now = options.now ?? Date.now;
  const maxKeys = options.maxKeys ?? 1000;
  const buckets = new Map<string, { tokens: number; at: number; warned: boolean }>();
  return {
    /** "ok", "limited" for the first refusal (tell the user once), "silent" after that. */
    take(key: string): "ok" | "limited" | "silent" {
      const t = now();
      const bucket = buckets.get(key) ?? { tokens: options.burst, at: t, warned: false };
      buckets.delete(key);
      buckets.set(key, bucket);
      if (buckets.size > maxKeys) buckets.delete(buckets.keys().next().value!);
      bucket.tokens = Math.min(options.burst, bucket.tokens + ((t - bucket.at) / 60_000) * options.perMinute);
      bucket.at = t;
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        bucket.warned = false;
        return "ok";
      }
      if (bucket.warned) return "silent";
      bucket.warned = true;
      return "limited";
    },
    get size(): number {
      return buckets.size;
    },
  };
}
