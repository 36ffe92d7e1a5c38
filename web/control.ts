import { conditionOf, errorText, xml, type Element, type Session } from "./session.js";

const NS_COMMANDS = "http://jabber.org/protocol/commands";
const NS_DATA = "jabber:x:data";
const NS_VALIDATE = "http://jabber.org/protocol/xdata-validate";

/** What the agent's `set` form says about a channel's value (XEP-0004 field type, XEP-0122 range). */
export interface Writable {
  readonly kind: "boolean" | "number" | "text";
  readonly min?: number;
  readonly max?: number;
}

export type SetOutcome = { ok: true; message: string } | { ok: false; message: string };

function command(to: string, attrs: Record<string, string>, form?: Record<string, string>): Element {
  const fields = form ? xml("x", { xmlns: NS_DATA, type: "submit" }, ...Object.entries(form).map(([name, value]) => xml("field", { var: name }, xml("value", {}, value)))) : undefined;
  return xml("iq", { type: "set", to }, xml("command", { xmlns: NS_COMMANDS, node: "set", ...attrs }, fields));
}

const commandOf = (result: Element): Element | undefined => result.getChild("command", NS_COMMANDS);
const noteOf = (c: Element | undefined, type: string): string | undefined =>
  c?.getChildren("note").find((n) => (n.attrs["type"] ?? "info") === type)?.text();
const fieldOf = (c: Element | undefined, name: string): Element | undefined =>
  c?.getChild("x", NS_DATA)?.getChildren("field").find((f) => f.attrs["var"] === name);
const optionsOf = (field: Element | undefined): string[] =>
  field?.getChildren("option").map((o) => o.getChildText("value") ?? "").filter((v) => v !== "") ?? [];

function writableOf(field: Element): Writable {
  if (field.attrs["type"] === "boolean") return { kind: "boolean" };
  const validate = field.getChild("validate", NS_VALIDATE);
  if (validate?.attrs["datatype"] !== "xs:double" && validate?.attrs["datatype"] !== "xs:integer") return { kind: "text" };
  const range = validate.getChild("range");
  const min = Number(range?.attrs["min"] ?? Number.NaN);
  const max = Number(range?.attrs["max"] ?? Number.NaN);
  return { kind: "number", ...(Number.isFinite(min) ? { min } : {}), ...(Number.isFinite(max) ? { max } : {}) };
}

/**
 * The agent's ad-hoc `set` command (XEP-0050) as the page uses it. Which channels are writable and
 * how is read from the command's own forms: stage 1 offers the devices and channels that accept
 * `set`; stage 2 types the value field. Probing walks stage 1 -> 2 -> back (`prev`) per channel in
 * one session and cancels it, so nothing is written.
 */
export function createControl(deps: { session: Session }) {
  const { session } = deps;

  async function probe(agent: string, channels: ReadonlyArray<{ device: string; channel: string }>): Promise<Map<string, Writable>> {
    const found = new Map<string, Writable>();
    let first: Element | undefined;
    try {
      first = commandOf(await session.request(command(agent, { action: "execute" })));
    } catch {
      return found; // readers get <forbidden/>: no controls
    }
    const sessionid = first?.attrs["sessionid"];
    if (!first || sessionid === undefined) return found;
    const devices = optionsOf(fieldOf(first, "device"));
    const names = optionsOf(fieldOf(first, "channel"));
    try {
      for (const { device, channel } of channels) {
        if (!devices.includes(device) || !names.includes(channel)) continue;
        const next = commandOf(await session.request(command(agent, { sessionid, action: "next" }, { device, channel })));
        const value = noteOf(next, "error") === undefined ? fieldOf(next, "value") : undefined;
        if (value) {
          found.set(`${device}/${channel}`, writableOf(value));
          await session.request(command(agent, { sessionid, action: "prev" }));
        }
      }
    } finally {
      await session.request(command(agent, { sessionid, action: "cancel" })).catch(() => undefined);
    }
    return found;
  }

  async function set(agent: string, device: string, channel: string, value: string): Promise<SetOutcome> {
    let sessionid: string | undefined;
    try {
      const first = commandOf(await session.request(command(agent, { action: "execute" })));
      sessionid = first?.attrs["sessionid"];
      if (sessionid === undefined) return { ok: false, message: "the agent did not open a set session" };
      const second = commandOf(await session.request(command(agent, { sessionid, action: "next" }, { device, channel })));
      const refusedChannel = noteOf(second, "error");
      if (refusedChannel !== undefined) return { ok: false, message: refusedChannel };
      const done = commandOf(await session.request(command(agent, { sessionid, action: "complete" }, { value })));
      const refused = noteOf(done, "error");
      if (refused !== undefined) return { ok: false, message: refused };
      if (done?.attrs["status"] === "completed") sessionid = undefined;
      return { ok: true, message: noteOf(done, "info") ?? "done" };
    } catch (error) {
      return { ok: false, message: errorText(error) ?? conditionOf(error) };
    } finally {
      if (sessionid !== undefined) await session.request(command(agent, { sessionid, action: "cancel" })).catch(() => undefined);
    }
  }

  return { probe, set };
}

export type Control = ReturnType<typeof createControl>;
