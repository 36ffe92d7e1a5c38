import { existsSync } from "node:fs";
import puppeteer, { type Browser, type Page } from "puppeteer-core";

// Callbacks passed to page.evaluate/$eval/waitForFunction run in the page, where `document` exists;
// the project's node typings have no DOM, so it is declared loosely in this module only.
declare const document: any;
export interface Input { checked: boolean; min: string; max: string; value: string; removeAttribute(name: string): void }
export interface PageStats { received: number; rendered: number; deferred: number; lagMs: number[]; ageMs: number[]; frameMs: number[]; longTasks: number; longTaskMs: number }

/** Debian's chromium package; puppeteer's own browser download cannot work offline. */
export const CHROMIUM = "/usr/bin/chromium";

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (listed in .ci/packages.txt)`);
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    // --no-sandbox: the tests run as root in a container, where Chromium's sandbox cannot start.
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check"],
  });
}

/** Fills the login form by its labels (as a person would) and submits it. */
export async function logIn(page: Page, url: string, account: { jid: string; password: string; websocketUrl: string }): Promise<{ guessedUrl: string }> {
  await page.goto(url, { waitUntil: "load" });
  await page.locator("::-p-aria(JID)").fill(account.jid);
  const guessedUrl = await page.$eval("label[for=ws-url]", (label: { htmlFor: string }) => document.getElementById(label.htmlFor).value);
  await page.locator("::-p-aria(WebSocket URL)").fill(account.websocketUrl);
  await page.locator("::-p-aria(Password)").fill(account.password);
  await page.locator("::-p-aria(Log in)").click();
  return { guessedUrl };
}

export const channelSelector = (device: string, channel: string): string =>
  `.card[data-device="${device}"] .channel[data-channel="${channel}"]`;

export async function textOf(page: Page, selector: string): Promise<string> {
  return page.$eval(selector, (node) => node.textContent ?? "").catch(() => "");
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
