/** The part of an ltx element a presence stanza needs (xmpp.js's elements in the page, ltx in tests). */
export interface PresenceStanza {
  readonly attrs: Readonly<Record<string, string | undefined>>;
  is(name: string): boolean;
  getChildText(name: string): string | null;
}

export interface AgentPresence {
  readonly available: boolean;
  /** Full JID of the resource ad-hoc commands go to (XEP-0050 addresses a full JID). */
  readonly fullJid?: string;
  readonly show?: string;
  readonly status?: string;
  /** Device ids the agent's status text names as failing (`N/M devices ok; failing: a, b`). */
  readonly failing: readonly string[];
}

/** Presence of the agents (RFC 6121 section 4), the agent's health signal. */
export function createPresenceBook(onChange: (agent: string) => void) {
  const resources = new Map<string, Map<string, AgentPresence>>();

  return {
    handle(stanza: PresenceStanza): boolean {
      if (!stanza.is("presence")) return false;
      const from = stanza.attrs["from"] ?? "";
      const [bare, resource = ""] = [from.split("/")[0]!.toLowerCase(), from.split("/").slice(1).join("/")];
      const type = stanza.attrs["type"];
      if (type !== undefined && type !== "unavailable") return true;
      let book = resources.get(bare);
      if (!book) resources.set(bare, (book = new Map()));
      if (type === "unavailable") book.delete(resource);
      else {
        const status = stanza.getChildText("status") ?? undefined;
        const failing = /failing: (.+)$/.exec(status ?? "")?.[1]?.split(",").map((s) => s.trim()).filter((s) => s !== "") ?? [];
        const show = stanza.getChildText("show") ?? undefined;
        book.set(resource, { available: true, fullJid: from, ...(show !== undefined ? { show } : {}), ...(status !== undefined ? { status } : {}), failing });
      }
      onChange(bare);
      return true;
    },
    of(agent: string): AgentPresence {
      const book = resources.get(agent.toLowerCase());
      const last = book ? [...book.values()].pop() : undefined;
      return last ?? { available: false, failing: [] };
    },
    hasStatus: (agent: string): boolean => resources.has(agent.toLowerCase()),
  };
}

export type PresenceBook = ReturnType<typeof createPresenceBook>;
