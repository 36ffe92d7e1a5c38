import { randomBytes } from "node:crypto";

export interface AdhocSession {
  /** Sent back byte-identical at every stage (XEP-0050 section 3.4). */
  readonly id: string;
  /** Full JID of the requester: another resource may not continue it. */
  readonly jid: string;
  readonly node: string;
  stage: number;
  /** Answers of the stages so far, by field name. */
  input: Record<string, string>;
  expiresAt: number;
}

export interface SessionStoreOptions {
  readonly ttlMs: number;
  /** Bound on open sessions over all requesters; past it, new sessions are refused. */
  readonly max: number;
  /** Bound per requester; past it, that requester's oldest session is dropped. */
  readonly perJid: number;
  readonly now?: () => number;
}

const REMEMBERED_EXPIRED = 256;

/**
 * Open XEP-0050 sessions, bounded in number and expiring after `ttlMs` without activity. Ids of
 * expired sessions are remembered (bounded) so a late stage gets `session-expired`, not
 * `bad-sessionid`.
 */
export function createSessionStore(options: SessionStoreOptions) {
  const now = options.now ?? Date.now;
  const sessions = new Map<string, AdhocSession>();
  const expired = new Set<string>();

  const retire = (id: string): void => {
    sessions.delete(id);
    expired.add(id);
    if (expired.size > REMEMBERED_EXPIRED) expired.delete(expired.values().next().value!);
  };

  const sweep = (): void => {
    const t = now();
    for (const [id, session] of sessions) if (session.expiresAt <= t) retire(id);
  };

  return {
    sweep,
    get size(): number {
      return sessions.size;
    },
    /** Undefined when the global bound is reached. */
    create(jid: string, node: string): AdhocSession | undefined {
      sweep();
      const mine = [...sessions.values()].filter((s) => s.jid === jid);
      if (mine.length >= options.perJid) sessions.delete(mine[0]!.id);
      if (sessions.size >= options.max) return undefined;
      const session: AdhocSession = { id: randomBytes(12).toString("base64url"), jid, node, stage: 0, input: {}, expiresAt: now() + options.ttlMs };
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
