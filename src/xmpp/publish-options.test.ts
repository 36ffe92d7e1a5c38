import { Writable } from "node:stream";
import { StanzaError } from "./xmppjs.js";
import { describe, expect, it } from "vitest";
import { createLogger } from "../logging/log.js";
import { readForm } from "./forms.js";
import { createPublishOptions } from "./publish-options.js";
import { nodeConfigFields, refusedField, publishOptions, type NodeSettings } from "./pubsub-nodes.js";

const SETTINGS: NodeSettings = { maxItems: 10, persistItems: true, accessModel: "whitelist", members: [] };

function setup() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({ write(chunk: Buffer, _e, done) { lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>); done(); } });
  const options = createPublishOptions({ log: createLogger({ level: "info" }, sink), service: "pubsub.localhost" }, SETTINGS);
  options.setAdvertised(true);
  return { options, lines };
}
const fieldsOf = (element: ReturnType<typeof publishOptions>): string[] => [...readForm(element?.getChild("x")).keys()].filter((k) => k !== "FORM_TYPE");
/** What ejabberd 23.01 answers to a publish-option it does not know (seen on the wire). */
const ejabberdRefusal = (field: string) => new StanzaError("resource-constraint", `Unknown field '${field}' of type 'http://jabber.org/protocol/pubsub#publish-options'`);

describe("publish-options learnt from the service's answers", () => {
  it("drops exactly the field ejabberd names, keeps checking the others, and says so once", () => {
    const { options, lines } = setup();
    expect(fieldsOf(options.take("n"))).toEqual(["pubsub#access_model", "pubsub#max_items", "pubsub#persist_items"]);
    expect(options.learn(ejabberdRefusal("pubsub#max_items"), "n")).toBe(true);
    expect(fieldsOf(options.take("n"))).toEqual(["pubsub#access_model", "pubsub#persist_items"]); // at once: sent again now
    expect(options.take("n")).toBeUndefined(); // then once a minute per node, as before
    expect(fieldsOf(options.take("other"))).toEqual(["pubsub#access_model", "pubsub#persist_items"]);
    expect(options.refused()).toEqual(["pubsub#max_items"]);
    expect(lines.filter((l) => l["field"] === "pubsub#max_items")).toEqual([expect.objectContaining({ level: 30, service: "pubsub.localhost", answer: expect.stringContaining("Unknown field") })]);
  });

  it("publishes in flight together on several nodes: every answer naming the learnt field is that refusal again, not an overload", () => {
    const { options, lines } = setup();
    options.take("a");
    options.take("b");
    expect(options.learn(ejabberdRefusal("pubsub#max_items"), "a")).toBe(true);
    expect(options.learn(ejabberdRefusal("pubsub#max_items"), "b")).toBe(true); // answered before b's resend
    expect(fieldsOf(options.take("b"))).toEqual(["pubsub#access_model", "pubsub#persist_items"]);
    expect(options.refused()).toEqual(["pubsub#max_items"]);
    expect(lines.filter((l) => l["field"] === "pubsub#max_items")).toHaveLength(1);
  });

  it("a plain resource-constraint or wait naming no field stays a transient fault", () => {
    const { options } = setup();
    options.take("n");
    expect(options.learn(new StanzaError("resource-constraint", ""), "n")).toBe(false);
    expect(options.learn(new StanzaError("internal-server-error", "database busy"), "n")).toBe(false);
    expect(options.refused()).toEqual([]);
  });

  it("a refusal of publish-options as such (no field named) stops them for this service", () => {
    const { options } = setup();
    options.take("n");
    expect(options.learn(new StanzaError("not-acceptable", "publish-options not supported here"), "n")).toBe(true);
    expect(options.take("n")).toBeUndefined();
    expect(options.take("fresh-node")).toBeUndefined();
    expect(options.refused()).toEqual(["*"]);
  });

  it("sends nothing when every field was refused, and nothing when not advertised", () => {
    const { options } = setup();
    for (const field of ["pubsub#access_model", "pubsub#max_items", "pubsub#persist_items"]) {
      options.take(field);
      expect(options.learn(ejabberdRefusal(field), field)).toBe(true);
    }
    expect(options.take("n")).toBeUndefined();
    const quiet = setup().options;
    quiet.setAdvertised(false);
    expect(quiet.take("n")).toBeUndefined();
  });

  it("refusedField names only a field that was sent", () => {
    const sent = publishOptions(SETTINGS, new Set(["pubsub#max_items"]));
    expect(refusedField(ejabberdRefusal("pubsub#max_items"), sent)).toBeUndefined();
    expect(refusedField(ejabberdRefusal("pubsub#persist_items"), sent)).toBe("pubsub#persist_items");
    expect(refusedField(new StanzaError("bad-request", ""), sent)).toBeUndefined();
  });

  it("the node configuration asks for the last item on subscription only (XEP-0060 section 16.4.3)", () => {
    expect(nodeConfigFields(SETTINGS)).toMatchObject({ "pubsub#send_last_published_item": "on_sub" });
  });
});
