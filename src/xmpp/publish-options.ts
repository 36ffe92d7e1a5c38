import type { Element } from "@xmpp/xml";
import type { Logger } from "pino";
import { publishOptions, refusedField, type NodeSettings } from "./pubsub-nodes.js";

/**
 * publish-options (XEP-0060 section 7.1.5) makes the server check the node configuration on every
 * publish it rides on; measured on Prosody 0.12 that costs ~30 % of its publish rate. The node
 * was just created or configured by ensureNode, so it rides on the first publish of each node per
 * session and then once a minute: a node reconfigured behind the agent's back is still caught.
 */
const EVERY_MS = 60_000;

/** Conditions that answer "not these options" rather than "not now" (RFC 6120 section 8.3.3). */
const REFUSAL = new Set(["bad-request", "not-acceptable", "feature-not-implemented", "policy-violation", "conflict"]);

/**
 * Which publish-options one pubsub service takes, learnt from its answers. A service may advertise
 * the feature and still know only some fields: ejabberd 23.01 accepts pubsub#access_model and
 * pubsub#persist_items and answers anything else (pubsub#max_items included) with
 * `<resource-constraint type="wait"/>` "Unknown field 'pubsub#max_items' of type ...". That is an
 * answer about the service's configuration, not a transient fault: the field is dropped for the
 * rest of the process (the node configuration still sets it, section 8.2) and the publish is sent
 * again at once, without pausing the sink. An answer naming no field drops publish-options for this
 * service altogether, but only for a condition that means "not these options"; a plain
 * `wait`/`resource-constraint` stays a transient fault.
 */
export function createPublishOptions(deps: { log: Logger; service: string | undefined }, settings: NodeSettings) {
  const refused = new Set<string>();
  const checkedAt = new Map<string, number>();
  let advertised = false;
  let refusedAll = false;
  const where = deps.service ?? "PEP";

  return {
    /** From the service's disco#info: `http://jabber.org/protocol/pubsub#publish-options`. */
    setAdvertised(yes: boolean): void {
      advertised = yes;
    },
    /** A new session: every node gets its check again on its first publish. */
    reset(): void {
      checkedAt.clear();
    },
    /** Check this node on its next publish (it was just reconfigured). */
    recheck(node: string): void {
      checkedAt.delete(node);
    },
    /** The `<publish-options/>` for this node's next publish, or undefined when none is due. */
    take(node: string): Element | undefined {
      if (!advertised || refusedAll) return undefined;
      const now = Date.now();
      if (now - (checkedAt.get(node) ?? -Infinity) < EVERY_MS) return undefined;
      const element = publishOptions(settings, refused);
      if (element) checkedAt.set(node, now);
      return element;
    },
    /**
     * A publish that carried publish-options failed with `error`: true when that was a refusal of
     * the options (now learnt, send again at once), false when it is some other failure.
     */
    learn(error: unknown, node: string): boolean {
      // Matched against every field, learnt ones included: publishes in flight together (one per
      // node) all carried the field, and the answers after the first are the same refusal, not an
      // overload that should shrink the publish window.
      const field = refusedField(error, publishOptions(settings));
      if (field !== undefined && refused.has(field)) {
        // Already learnt from an earlier answer: send again without it, nothing new to say.
      } else if (field !== undefined) {
        refused.add(field);
        deps.log.info({ service: where, field, answer: textOf(error) }, "the pubsub service does not take this publish-option; not sending it again (the node configuration still sets it)");
      } else if (REFUSAL.has((error as { condition?: string }).condition ?? "")) {
        refusedAll = true;
        deps.log.info({ service: where, answer: textOf(error) }, "the pubsub service refused publish-options; publishing without them (the node configuration still sets the values)");
      } else {
        return false;
      }
      checkedAt.delete(node);
      return true;
    },
    /** For status and tests: the fields this service refused. */
    refused: (): readonly string[] => (refusedAll ? ["*"] : [...refused]),
  };
}

export type PublishOptions = ReturnType<typeof createPublishOptions>;

function textOf(error: unknown): string {
  const text = (error as { text?: string }).text;
  return text === undefined || text === "" ? ((error as { condition?: string }).condition ?? String(error)) : text;
}
