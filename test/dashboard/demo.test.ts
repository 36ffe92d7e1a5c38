import type { Browser } from "puppeteer-core";
import { afterAll, describe, expect, it } from "vitest";
import { spawnCli } from "../harness/cli.js";
import { channelSelector, launchChromium, textOf } from "./browser.js";

declare const document: any;

describe("xmpp-iot demo with the dashboard", () => {
  let browser: Browser | undefined;
  afterAll(async () => { await browser?.close(); });

  it("prints a dashboard link whose page logs in over the private Prosody's WebSocket (TLS required on c2s)", async () => {
    const demo = spawnCli(["demo", "--duration", "60"]);
    try {
      await demo.waitForOutput(/dashboard: +http\S+/, 30_000);
      const output = demo.output();
      const link = /dashboard: +(http\S+)/.exec(output)![1]!;
      const password = /account +demo@localhost +password (\S+)/.exec(output)![1]!;
      expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#jid=demo%40localhost&ws=ws%3A%2F%2F127\.0\.0\.1%3A\d+%2Fxmpp-websocket$/);

      browser = await launchChromium();
      const page = await browser.newPage();
      await page.goto(link, { waitUntil: "load" });
      expect(await page.$eval("#jid", (i: { value: string }) => i.value)).toBe("demo@localhost");
      await page.locator("::-p-aria(Password)").fill(password);
      await page.locator("::-p-aria(Log in)").click();
      const temperature = channelSelector("greenhouse", "temperature");
      await page.waitForSelector(`${temperature} .value:not(:empty)`, { timeout: 20_000 });
      expect(await textOf(page, `${temperature} .unit`)).toBe("°C");
      await page.waitForSelector(`${channelSelector("greenhouse", "lamp")} input[role=switch]`, { timeout: 20_000 });
      expect(await page.evaluate(() => document.querySelectorAll(".card").length)).toBeGreaterThanOrEqual(2);
      // Ctrl-C only once the demo's own watcher runs: an interrupt while it is still connecting
      // makes the demo exit 69 (its watcher's start is aborted), which is not what this tests.
      await demo.waitForOutput(/^greenhouse {3}\S/m, 30_000);
    } finally {
      demo.child.kill("SIGINT");
    }
    const code = await demo.exited;
    if (code !== 0) process.stdout.write(`demo output:\n${demo.output().slice(-3000)}\n`);
    expect(code).toBe(0);
  });
});
