import type { ChannelState, ChannelStore } from "../src/dashboard/model.js";
import { createChart, type Chart } from "./chart.js";
import type { Writable } from "./control.js";
import { ageText, shownFlags, unitText, valueText } from "./format.js";
import type { PresenceBook } from "../src/dashboard/presence.js";
import { createStats } from "./stats.js";

interface Row {
  readonly root: HTMLElement;
  readonly value: HTMLElement;
  readonly unit: HTMLElement;
  readonly age: HTMLElement;
  readonly flags: HTMLElement;
  readonly control: HTMLElement;
  readonly chartBox: HTMLElement;
  chart?: Chart;
  visible: boolean;
  /** Changed while off screen: drawn when it scrolls into view. */
  stale: boolean;
  toggle?: HTMLInputElement;
  pending: boolean;
}

export type SetRequest = (state: ChannelState, value: string) => Promise<{ ok: boolean; message: string }>;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * Cards per agent/device, rows per channel. Readings only mark channels dirty; one animation frame
 * applies all changes, and charts are redrawn only while on screen (IntersectionObserver), so a
 * page of hundreds of channels updating every second does one layout per frame.
 */
export function createView(deps: { container: HTMLElement; store: ChannelStore; presence: PresenceBook; onSet: SetRequest }) {
  const { container, store, presence } = deps;
  const cards = new Map<string, { root: HTMLElement; presence: HTMLElement; rows: HTMLElement }>();
  const rows = new Map<string, Row>();
  const stats = createStats();
  const dirtyAgents = new Set<string>();
  let lastAges = 0;

  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      const row = rows.get((entry.target as HTMLElement).dataset["key"] ?? "");
      if (!row) continue;
      row.visible = entry.isIntersecting;
      if (row.visible && row.stale) renderRow(store.get((entry.target as HTMLElement).dataset["key"]!)!, Date.now());
    }
  });

  function cardOf(state: ChannelState) {
    const id = `${state.agent}/${state.device}`;
    let card = cards.get(id);
    if (card) return card;
    const root = el("section", "card");
    root.dataset["agent"] = state.agent;
    root.dataset["device"] = state.device;
    const header = el("header", "card-head");
    header.append(el("h2", "device", state.device), el("span", "agent", state.agent));
    const presenceLine = el("div", "presence");
    const body = el("div", "rows");
    root.append(header, presenceLine, body);
    const sorted = [...cards.keys(), id].sort();
    const before = cards.get(sorted[sorted.indexOf(id) + 1] ?? "");
    container.insertBefore(root, before?.root ?? null);
    card = { root, presence: presenceLine, rows: body };
    cards.set(id, card);
    dirtyAgents.add(state.agent);
    return card;
  }

  function rowOf(state: ChannelState): Row {
    let row = rows.get(state.key);
    if (row) return row;
    const root = el("div", "channel");
    root.dataset["key"] = state.key;
    root.dataset["channel"] = state.channel;
    const line = el("div", "line");
    const value = el("span", "value");
    const unit = el("span", "unit");
    const age = el("span", "age");
    const flags = el("span", "flags");
    const control = el("span", "control");
    line.append(el("span", "name", state.channel), value, unit, age, flags, control);
    const chartBox = el("div", "chart");
    root.append(line, chartBox);
    // Channels in name order, whatever order their first readings arrived in.
    const body = cardOf(state).rows;
    const next = [...body.children].find((child) => ((child as HTMLElement).dataset["channel"] ?? "") > state.channel);
    body.insertBefore(root, next ?? null);
    row = { root, value, unit, age, flags, control, chartBox, visible: false, stale: true, pending: false };
    rows.set(state.key, row);
    observer.observe(root);
    return row;
  }

  function drawChart(row: Row, state: ChannelState): void {
    if (state.times.length === 0) return;
    row.chart ??= createChart(row.chartBox, { stepped: typeof state.value === "boolean", width: Math.max(200, row.chartBox.clientWidth || 320) });
    row.chart.update(state.times, state.values);
    row.root.dataset["points"] = String(state.times.length);
  }

  /** Draws a row if it is on screen (true); otherwise only marks it for when it scrolls in. */
  function renderRow(state: ChannelState, now: number): boolean {
    const row = rowOf(state);
    if (row.toggle && !row.pending) row.toggle.checked = state.value === true;
    if (!row.visible) {
      row.stale = true;
      return false;
    }
    row.stale = false;
    row.value.textContent = valueText(state.value);
    row.unit.textContent = unitText(state.unit);
    row.age.textContent = ageText(now / 1000 - state.time);
    const flags = shownFlags(state.quality);
    row.flags.textContent = flags.join(" ");
    row.root.classList.toggle("flagged", flags.length > 0);
    drawChart(row, state);
    return true;
  }

  function renderPresence(agent: string): void {
    const p = presence.of(agent);
    for (const [id, card] of cards) {
      if (!id.startsWith(`${agent}/`)) continue;
      const device = id.slice(agent.length + 1);
      const failing = p.failing.includes(device);
      card.presence.textContent = !presence.hasStatus(agent) ? "agent presence: not shared with you"
        : p.available ? `agent ${p.show === "xa" ? "degraded" : "online"}: ${p.status ?? ""}${failing ? " (this device is failing)" : ""}` : "agent offline";
      card.root.classList.toggle("offline", presence.hasStatus(agent) && !p.available);
      card.root.classList.toggle("failing", failing);
    }
  }

  function frame(frameStart: number): void {
    stats.frame(frameStart);
    const now = Date.now();
    for (const key of store.takeDirty()) {
      const state = store.get(key);
      if (!state) continue;
      if (renderRow(state, now)) stats.rendered(performance.now() - state.receivedAt, now / 1000 - state.time);
      else stats.deferred();
    }
    for (const agent of dirtyAgents) renderPresence(agent);
    dirtyAgents.clear();
    if (now - lastAges >= 1000) {
      lastAges = now;
      for (const state of store.all()) { const row = rows.get(state.key); if (row?.visible) row.age.textContent = ageText(now / 1000 - state.time); }
    }
    requestAnimationFrame(frame);
  }
  requestAnimationFrame(frame);

  function addControl(state: ChannelState, writable: Writable): void {
    const row = rowOf(state);
    if (row.control.childElementCount > 0) return;
    const message = el("span", "control-message");
    const report = (outcome: { ok: boolean; message: string }): void => {
      message.textContent = outcome.message;
      message.classList.toggle("refused", !outcome.ok);
    };
    if (writable.kind === "boolean") {
      const label = el("label", "switch");
      const toggle = el("input", "");
      toggle.type = "checkbox";
      toggle.setAttribute("role", "switch");
      toggle.setAttribute("aria-label", `${state.device} ${state.channel}`);
      toggle.checked = state.value === true;
      toggle.addEventListener("change", () => {
        row.pending = true;
        toggle.disabled = true;
        void deps.onSet(state, toggle.checked ? "true" : "false").then(report).finally(() => {
          row.pending = false;
          toggle.disabled = false;
          toggle.checked = store.get(state.key)?.value === true;
        });
      });
      label.append(toggle, el("span", "slider"));
      row.toggle = toggle;
      row.control.append(label, message);
      return;
    }
    const form = el("form", "set-form");
    const input = el("input", "");
    input.type = writable.kind === "number" ? "number" : "text";
    input.setAttribute("aria-label", `new ${state.channel}`);
    if (writable.kind === "number") input.step = "any";
    if (writable.min !== undefined) input.min = String(writable.min);
    if (writable.max !== undefined) input.max = String(writable.max);
    input.placeholder = writable.min !== undefined || writable.max !== undefined ? `${writable.min ?? ""}…${writable.max ?? ""}` : "value";
    const button = el("button", "", "Set");
    form.append(input, button);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (!input.reportValidity() || input.value.trim() === "") return;
      button.disabled = true;
      void deps.onSet(state, input.value.trim()).then(report).finally(() => { button.disabled = false; });
    });
    row.control.append(form, message);
  }

  return {
    presenceChanged: (agent: string): void => { dirtyAgents.add(agent); },
    addControl,
    stats: stats.snapshot,
    resetStats: stats.reset,
    received: stats.received,
    cardCount: (): number => cards.size,
  };
}
