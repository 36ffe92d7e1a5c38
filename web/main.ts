import { channelKey, createChannelStore, type IncomingReading } from "../src/dashboard/model.js";
import { checkWebSocketUrl, guessWebSocketUrl, parseJid } from "../src/dashboard/login.js";
import { createControl } from "./control.js";
import { createDiscovery, type DiscoveryReport } from "./discovery.js";
import { createPresenceBook } from "../src/dashboard/presence.js";
import { conditionOf, openSession, xml, type Session } from "./session.js";
import { createView } from "./view.js";

/** JID and per-domain WebSocket URLs are remembered; the password never leaves this tab's memory. */
const STORAGE_KEY = "xmpp-iot.dashboard";
const REDISCOVER_MS = 10_000;
const HISTORY_ITEMS = 100;

interface Remembered { jid?: string; urls?: Record<string, string>; prefix?: string; pep?: string }

function remembered(): Remembered {
  try { return JSON.parse(localStorage.getItem(STORAGE_KEY) ?? "{}") as Remembered; } catch { return {}; }
}
function remember(update: Remembered): void {
  try { localStorage.setItem(STORAGE_KEY, JSON.stringify({ ...remembered(), ...update })); } catch { /* storage disabled */ }
}

const byId = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

function setupLogin(onSubmit: (values: { local: string; domain: string; password: string; url: string; prefix: string; pep: string[] }) => Promise<void>): void {
  const form = byId<HTMLFormElement>("login");
  const jid = byId<HTMLInputElement>("jid");
  const password = byId<HTMLInputElement>("password");
  const url = byId<HTMLInputElement>("ws-url");
  const prefix = byId<HTMLInputElement>("prefix");
  const pep = byId<HTMLInputElement>("pep");
  const error = byId<HTMLElement>("login-error");
  const saved = remembered();
  // The demo links here with #jid=...&ws=... so its login needs only the password.
  const hash = new URLSearchParams(location.hash.slice(1));
  jid.value = hash.get("jid") ?? saved.jid ?? "";
  url.value = hash.get("ws") ?? guessWebSocketUrl(jid.value, saved.urls);
  prefix.value = saved.prefix ?? "sensors/";
  pep.value = saved.pep ?? "";
  let urlEdited = hash.has("ws");
  url.addEventListener("input", () => { urlEdited = true; });
  jid.addEventListener("input", () => { if (!urlEdited) url.value = guessWebSocketUrl(jid.value, remembered().urls); });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    error.textContent = "";
    const parsed = parseJid(jid.value);
    if (!parsed) { error.textContent = "JID must look like user@example.org"; return; }
    const checked = checkWebSocketUrl(url.value);
    if (!checked.ok) { error.textContent = checked.message; return; }
    if (password.value === "") { error.textContent = "Password is required"; return; }
    const button = form.querySelector("button")!;
    button.disabled = true;
    const pepJids = pep.value.split(/[\s,]+/).filter((j) => parseJid(j) !== undefined);
    onSubmit({ local: parsed.local, domain: parsed.domain, password: password.value, url: checked.url, prefix: prefix.value.trim(), pep: pepJids })
      .then(() => {
        remember({ jid: `${parsed.local}@${parsed.domain}`, urls: { ...remembered().urls, [parsed.domain]: checked.url }, prefix: prefix.value.trim(), pep: pep.value });
        password.value = "";
      }, (failure: unknown) => { error.textContent = `login failed: ${conditionOf(failure)}`; })
      .finally(() => { button.disabled = false; });
  });
}

async function login(values: { local: string; domain: string; password: string; url: string; prefix: string; pep: string[] }): Promise<void> {
  const session: Session = await openSession(values);
  byId("login-view").hidden = true;
  byId("dashboard-view").hidden = false;
  byId("whoami").textContent = session.jid;
  const status = byId("status");
  const store = createChannelStore({ historyLimit: 600 });
  const control = createControl({ session });
  const seenOnline = new Set<string>();
  const presence = createPresenceBook((agent) => {
    view.presenceChanged(agent);
    // An agent that just shared its presence may also have just opened its PEP nodes to us
    // (presence access model, XEP-0163): look again now instead of at the next round.
    if (presence.of(agent).available && !seenOnline.has(agent)) { seenOnline.add(agent); void discovery.run().then(showStatus, () => undefined); }
    void probeControls().catch(() => undefined);
  });
  const view = createView({
    container: byId("cards"), store, presence,
    onSet: async (state, value) => {
      const target = presence.of(state.agent).fullJid;
      if (target === undefined) return { ok: false, message: `${state.agent} is offline or does not share its presence with you` };
      return control.set(target, state.device, state.channel, value);
    },
  });
  const agentsAsked = new Set<string>();
  const probed = new Set<string>();
  const onReadings = (readings: IncomingReading[]): void => {
    const now = performance.now();
    view.received(readings.length);
    for (const reading of readings) {
      if (!agentsAsked.has(reading.agent)) {
        agentsAsked.add(reading.agent);
        // RFC 6121 section 3.1: the agent approves this only for JIDs in its ACL.
        session.send(xml("presence", { to: reading.agent, type: "subscribe" }));
      }
      store.add(reading, now);
    }
  };
  let report: DiscoveryReport | undefined;
  const showStatus = (): void => {
    if (!report) return;
    const readable = store.size();
    const count = (n: number, what: string): string => `${n} ${what}${n === 1 ? "" : "s"}`;
    status.textContent = `${count(report.subscribed, "node")} followed, ${count(readable, "channel")}` +
      (report.refused > 0 ? `; ${count(report.refused, "node")} refused (your JID is not in that agent's ACL)` : "") +
      (report.nodes === 0 ? `; no nodes under "${values.prefix}" on ${report.targets.join(", ") || "any pubsub service"}` : "");
  };
  const discovery = createDiscovery({ session, onReadings, onReport: (r) => { report = r; showStatus(); } },
    { prefix: values.prefix, pepJids: values.pep, historyItems: HISTORY_ITEMS });

  /** Writable channels: asked once per channel, per agent, through the `set` command's forms. */
  let probing: Promise<void> | undefined;
  let probeAgain = false;
  function probeControls(): Promise<void> {
    if (probing) { probeAgain = true; return probing; }
    probing = probeOnce().finally(() => { probing = undefined; if (probeAgain) { probeAgain = false; void probeControls(); } });
    return probing;
  }
  async function probeOnce(): Promise<void> {
    const byAgent = new Map<string, Array<{ device: string; channel: string; key: string }>>();
    for (const state of store.all()) {
      if (probed.has(state.key) || presence.of(state.agent).fullJid === undefined) continue;
      probed.add(state.key);
      const list = byAgent.get(state.agent) ?? [];
      list.push({ device: state.device, channel: state.channel, key: state.key });
      byAgent.set(state.agent, list);
    }
    for (const [agent, channels] of byAgent) {
      const writable = await control.probe(presence.of(agent).fullJid!, channels);
      for (const [id, spec] of writable) {
        const state = store.get(channelKey({ agent, device: id.split("/")[0]!, channel: id.split("/").slice(1).join("/") }));
        if (state) view.addControl(state, spec);
      }
    }
  }

  // PEP agents named at login: ask for their presence now, as their nodes may be open only to
  // contacts (XEP-0163 presence access model); agents on a pubsub service are asked when seen.
  for (const jid of values.pep) {
    agentsAsked.add(jid);
    session.send(xml("presence", { to: jid, type: "subscribe" }));
  }
  session.onStanza((stanza) => { if (!discovery.handle(stanza)) presence.handle(stanza); });
  // xmpp.js reconnects by itself; say so while it does, so stale values are not taken for live ones.
  session.onStatus((text) => {
    status.dataset["connection"] = text;
    byId("whoami").textContent = text === "online" || text.startsWith("error") ? session.jid : `${session.jid} (${text}: reconnecting)`;
  });
  session.onOnline(() => { discovery.forgetSubscriptions(); void discovery.run(); });
  const tick = async (): Promise<void> => {
    await discovery.run().catch((error: unknown) => { status.textContent = `discovery failed: ${conditionOf(error)}`; });
    showStatus();
    await probeControls().catch(() => undefined);
  };
  void tick();
  setInterval(() => void tick(), REDISCOVER_MS);
  byId("logout").addEventListener("click", () => { void session.stop().then(() => location.reload()); });
  (window as unknown as { xmppIotDashboard: unknown }).xmppIotDashboard = { stats: view.stats, resetStats: view.resetStats, channels: () => store.size(), nodes: () => report?.subscribed ?? 0, cards: () => view.cardCount() };
}

setupLogin(login);
