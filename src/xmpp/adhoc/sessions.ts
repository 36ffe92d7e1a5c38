import { randomBytes } from "node:crypto";

export interface AdhocSession {
  /** Sent back byte-identical at every stage (XEP-0050 section 3.4). */
  readonly id: string;
  /** Full JID of the requester: another resource may not continue it. */
  readonly jid: string;
  /** Bare JID of the requester: the bounds count per account, not per resource. */
  readonly owner: string;
  readonly admin: boolean;
  readonly node: string;
  stage: number;
  /** Answers of the stages so far, by field name. */
  input: Record<string, string>;
  expiresAt: number;
}

export interface SessionStoreOptions {
  readonly ttlMs: number;
  /** Bound on open sessions over all requesters. */
  readonly max: number;
  /** Bound per account (bare JID, over all its resources); past it, that account's oldest session is dropped. */
  readonly perJid: number;
  readonly now?: () => number;
}

const REMEMBERED_EXPIRED = 256;

function bareOf(jid: string): string {
  return jid.split("/")[0]!.toLowerCase();
}

/**
 * Open XEP-0050 sessions, bounded in number and expiring after `ttlMs` without activity. Ids of
 * expired sessions are remembered (bounded) so a late stage gets `session-expired`, not
 * `bad-sessionid`.
 *
 * No account can lock the others out: sessions count per bare JID (a reader with sixteen
 * resources holds `perJid` at most), and when the pool is full a new session takes the place of
 * the oldest session of the account holding the most, among readers first. Only an admin may
 * take an admin's place, so a pool full of readers never keeps an admin out.
 */
export function createSessionStore(options: SessionStoreOptions) {
  const now = options.now ?? Date.now;
  const sessions = new Map<string, AdhocSession>();
  const expired = new Set<string>();
  let evicted = 0;

  const retire = (id: string): void => {
    sessions.delete(id);
    expired.add(id);
    if (expired.size > REMEMBERED_EXPIRED) expired.delete(expired.values().next().value!);
  };

  const sweep = (): void => {
    const t = now();
    for (const [id, session] of sessions) if (session.expiresAt <= t) retire(id);
  };

  /** The oldest session (Map order is creation order) of the account holding the most of `pool`. */
  const victimIn = (pool: readonly AdhocSession[]): AdhocSession | undefined => {
    const count = new Map<string, number>();
    for (const s of pool) count.set(s.owner, (count.get(s.owner) ?? 0) + 1);
    let victim: AdhocSession | undefined;
    for (const s of pool) if (!victim || count.get(s.owner)! > count.get(victim.owner)!) victim = s;
    return victim;
  };

  return {
    sweep,
    get size(): number {
      return sessions.size;
    },
    /** Sessions dropped to make room for another account's (not counting an account's own bound). */
    get evicted(): number {
      return evicted;
    },
    /** Undefined when the pool is full of sessions this requester may not displace (admins', for a reader). */
    create(jid: string, node: string, admin = false): AdhocSession | undefined {
      sweep();
      const owner = bareOf(jid);
      const all = [...sessions.values()];
      const mine = all.filter((s) => s.owner === owner);
      if (mine.length >= options.perJid) retire(mine[0]!.id);
      else if (sessions.size >= options.max) {
        const readers = all.filter((s) => !s.admin);
        const victim = victimIn(readers) ?? (admin ? victimIn(all) : undefined);
        if (!victim) return undefined;
        retire(victim.id);
        evicted++;
      }
      const session: AdhocSession = { id: randomBytes(12).toString("base64url"), jid, owner, admin, node, stage: 0, input: {}, expiresAt: now() + options.ttlMs };
      sessions.set(session.id, session);
      return session;
    },
    lookup(id: string): AdhocSession | "expired" | undefined {
      const session = sessions.get(id);
      if (session && session.expiresAt <= now()) {
        retire(id);
        return "expired";
      }
      if (session) {
        session.expiresAt = now() + options.ttlMs;
        return session;
      }
      return expired.has(id) ? "expired" : undefined;
    },
    close(id: string): void {
      sessions.delete(id);
    },
    clear(): void {
      sessions.clear();
      expired.clear();
    },
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;
