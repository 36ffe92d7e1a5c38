import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withChecksum } from "../../devices/nmea/parse.js";
import { PMS5003_FRAME, pms5003Frame } from "../../devices/serial/fixtures.js";
import { encodeSds011 } from "../../devices/serial/sds011.js";
import { ACCOUNTS, startTestBed, type TestBed } from "../harness/agent.js";
import { runPython, type PythonRun } from "../harness/python.js";
import { createFakeGpio, type FakeGpio } from "./fake-gpio/index.js";
import { createPtyPair, send, type PtyPair } from "./pty.js";
import { eventually } from "../harness/wait.js";

// End to end: real socat PTYs (serial, nmea), a fake w1 sysfs tree (ds18b20) and FAKE libgpiod v2
// tools on PATH (gpio) -> the real agent -> a real Prosody -> an independent slixmpp subscriber.
const SERIAL = ["meter", "kv", "csv", "rx", "dust", "pms", "gps"] as const;
const w1Slave = (milli: number): string => `72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n72 01 4b 46 7f ff 0e 10 57 t=${milli}\n`;

describe("drivers through the agent and Prosody to a subscriber", () => {
  const ptys = {} as Record<(typeof SERIAL)[number], PtyPair>;
  let bed: TestBed;
  let fake: FakeGpio;
  let w1Root = "";
  const savedEnv = { ...process.env };
  /** Every python helper started, killed in afterAll even when a test failed half-way. */
  const helpers: PythonRun[] = [];

  // Subscriptions outlive a subscriber (they belong to the bare JID): each counting test uses a
  // JID with no earlier subscriptions (bob, then alice), the last one waits for records instead.
  const subscribe = async (nodes: string[], count: number, user: "bob" | "alice" = "bob"): Promise<PythonRun> => {
    // A node is created on its first publish; a subscription before that is refused (item-not-found).
    await eventually(() => nodes.every((n) => bed.logs.some((l) => l.includes('"pubsub node ready"') && l.includes(`"node":"sensors/${n}"`))), "the nodes created", 30_000);
    const run = runPython("slixmpp_subscriber.py", [
      "--jid", `${user}@localhost`, "--port", String(bed.server.port), "--service", bed.server.pubsubJid,
      ...nodes.flatMap((n) => ["--node", `sensors/${n}`]), "--count", String(count), "--timeout", "60", "--no-tls",
    ], { SUBSCRIBER_PASSWORD: ACCOUNTS[user] });
    helpers.push(run);
    const ready = await run.waitFor((l) => "subscribed" in l, 30_000);
    expect(ready["subscribed"]).toEqual(nodes.map((n) => `sensors/${n}`));
    return run;
  };
  const records = (run: PythonRun) => run.lines.filter((l) => "n" in l).map((l) => ({
    node: l["node"], ...(l["u"] !== undefined ? { u: l["u"] } : {}), ...("v" in l ? { v: l["v"] } : "vb" in l ? { vb: l["vb"] } : { vs: l["vs"] }),
  }));
  const state = (id: string) => bed.agent.status().devices.find((d) => d.id === id);
  const writeAll = async (lines: Partial<Record<(typeof SERIAL)[number], string | Buffer>>): Promise<void> => {
    for (const [id, data] of Object.entries(lines)) await send(await ptys[id as (typeof SERIAL)[number]].device(), data);
  };
  const firstLines = {
    meter: '{"temperature":1,"humidity":1}\n', kv: "t=1 h=1\n", csv: "1,x,1\n", rx: "T=1C RH=1%\n", dust: encodeSds011(1, 1), pms: pms5003Frame(1, 1, 1),
    gps: "$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47\r\n",
  };

  beforeAll(async () => {
    for (const id of SERIAL) ptys[id] = await createPtyPair();
    w1Root = mkdtempSync(join(tmpdir(), "xmpp-iot-w1-"));
    mkdirSync(join(w1Root, "28-000000000001"));
    writeFileSync(join(w1Root, "28-000000000001", "w1_slave"), w1Slave(21500));
    fake = createFakeGpio("2.1.3");
    fake.setLevel(17, true);
    // The agent spawns the tools with its own environment: the fakes go first on this worker's PATH.
    Object.assign(process.env, { PATH: fake.env["PATH"], FAKE_GPIO_VERSION: fake.env["FAKE_GPIO_VERSION"], FAKE_GPIO_DIR: fake.env["FAKE_GPIO_DIR"] });
    const port = { reconnectMinMs: 100, reconnectMaxMs: 400 };
    bed = await startTestBed({
      devices: [
        { id: "meter", driver: "serial", path: ptys.meter.a, format: "json", ...port, channels: { temperature: { unit: "Cel" }, humidity: { unit: "%RH" } } },
        { id: "kv", driver: "serial", path: ptys.kv.a, format: "kv", ...port, writeTemplate: "SET {channel} {int}\n", channels: { t: { unit: "Cel" }, h: { unit: "%RH" }, relay: { type: "boolean", writable: true } } },
        { id: "csv", driver: "serial", path: ptys.csv.a, format: "csv", columns: ["temperature", "-", "pressure"], ...port, channels: { pressure: { unit: "hPa" } } },
        { id: "rx", driver: "serial", path: ptys.rx.a, format: "regex", pattern: "^T=(?<temperature>-?[\\d.]+)C RH=(?<humidity>[\\d.]+)%$", ...port, channels: { temperature: { unit: "Cel" } } },
        { id: "dust", driver: "serial", path: ptys.dust.a, format: "sds011", ...port },
        { id: "pms", driver: "serial", path: ptys.pms.a, format: "frame", frame: PMS5003_FRAME, ...port, channels: { pm2_5: { unit: "ug/m3" }, pm10: { unit: "ug/m3" } } },
        { id: "gps", driver: "nmea", path: ptys.gps.a, ...port },
        { id: "tank", driver: "ds18b20", root: w1Root, intervalMs: 300, channels: { water: { sensor: "28-000000000001" } } },
        { id: "io", driver: "gpio", reconnectMinMs: 100, reconnectMaxMs: 400, channels: { door: { line: "GPIO17", debounceMs: 0 }, lamp: { line: 27, direction: "output", initial: false } } },
      ],
    });
    // Nodes are created on first publish: one reading per channel before anyone subscribes.
    await eventually(() => SERIAL.every((id) => state(id)?.state === "ok"), "serial devices open", 30_000);
    await writeAll(firstLines);
    await eventually(() => (bed.agent.pipeline.latestOf("gps").length === 5 && bed.agent.pipeline.latestOf("dust").length === 2 && bed.agent.pipeline.latestOf("pms").length === 3
      && bed.agent.pipeline.latestOf("io").length === 3 && bed.agent.pipeline.latestOf("tank").length === 1
      && ["meter", "kv", "csv", "rx"].every((id) => bed.agent.pipeline.latestOf(id).length === 2)), "first readings", 30_000);
    await eventually(() => bed.agent.status().sinks.find((s) => s.name === "pubsub")?.pending === 0, "first readings published", 60_000);
  }, 120_000);

  afterAll(async () => {
    for (const helper of helpers) helper.kill();
    await bed?.stop();
    for (const pty of Object.values(ptys)) await pty.close();
    fake?.close();
    rmSync(w1Root, { recursive: true, force: true });
    process.env = savedEnv;
  });

  it("each serial format delivers exactly the values written, garbage in between is counted and skipped", async () => {
    const nodes = ["meter/temperature", "meter/humidity", "kv/t", "kv/h", "csv/temperature", "csv/pressure", "rx/temperature", "rx/humidity", "dust/pm2_5", "dust/pm10", "pms/pm2_5", "pms/pm10", "gps/lat", "gps/lon", "gps/alt", "gps/fix", "gps/satellites"];
    const subscriber = await subscribe(nodes, 17);
    await send(await ptys.meter.device(), Buffer.concat([randomBytes(4096), Buffer.from('\n{not json\n{"temperature":"hot"}\n'), Buffer.alloc(200 * 1024, "x")]));
    await writeAll({
      meter: '\n{"temperature":21.5,"humidity":40}\n',
      kv: "garbage without pairs\nt=-3.5 h=81\n",
      csv: "1,2\n19.25,ignored,1013.2\n",
      rx: "boot v1.2\nT=-4.5C RH=80%\n",
      dust: Buffer.concat([Buffer.from([0x01, 0xaa, 0xc0, 0x55]), encodeSds011(14, 14.8)]),
      pms: Buffer.concat([Buffer.from([0x42, 0x4d, 0x00]), pms5003Frame(6, 17, 31)]),
      gps: `$GPGGA,1,2,3*00\r\n${withChecksum("GPGGA,123520,3351.500,S,15112.600,W,2,11,0.8,12.5,M,46.9,M,,")}\r\n`,
    });
    const { code, stderr } = await subscriber.exited;
    expect(code, stderr).toBe(0);
    const got = records(subscriber);
    const sorted = (list: Array<Record<string, unknown>>) => [...list].sort((a, b) => String(a["node"]).localeCompare(String(b["node"])));
    expect(sorted(got)).toEqual(sorted([
      { node: "sensors/meter/temperature", u: "Cel", v: 21.5 }, { node: "sensors/meter/humidity", u: "%RH", v: 40 },
      { node: "sensors/kv/t", u: "Cel", v: -3.5 }, { node: "sensors/kv/h", u: "%RH", v: 81 },
      { node: "sensors/csv/temperature", v: 19.25 }, { node: "sensors/csv/pressure", u: "hPa", v: 1013.2 },
      { node: "sensors/rx/temperature", u: "Cel", v: -4.5 }, { node: "sensors/rx/humidity", v: 80 },
      { node: "sensors/dust/pm2_5", u: "ug/m3", v: 14 }, { node: "sensors/dust/pm10", u: "ug/m3", v: 14.8 },
      { node: "sensors/pms/pm2_5", u: "ug/m3", v: 17 }, { node: "sensors/pms/pm10", u: "ug/m3", v: 31 },
      { node: "sensors/gps/lat", u: "lat", v: -33.8583333 }, { node: "sensors/gps/lon", u: "lon", v: -151.21 },
      { node: "sensors/gps/alt", u: "m", v: 12.5 }, { node: "sensors/gps/fix", v: 2 }, { node: "sensors/gps/satellites", v: 11 },
    ]));
    expect(state("meter")).toMatchObject({ state: "ok", stats: expect.objectContaining({ overflows: 1, badValues: 1 }) });
    expect(state("meter")?.stats["garbageLines"]).toBeGreaterThanOrEqual(1);
    expect(state("kv")?.stats["garbageLines"]).toBe(1);
    expect(state("csv")?.stats["garbageLines"]).toBe(1);
    expect(state("dust")?.stats["garbageBytes"]).toBeGreaterThanOrEqual(4);
    expect(state("gps")?.stats["badChecksums"]).toBe(1);
  }, 90_000);

  it("set on a writable serial channel writes the templated line to the device", async () => {
    const device = await ptys.kv.device();
    let received = "";
    const onData = (chunk: Buffer): void => { received += chunk.toString(); };
    device.on("data", onData);
    await bed.agent.devices.write("kv", "relay", "on");
    await eventually(() => received === "SET relay 1\n", "the SET line on the device side");
    device.off("data", onData);
  });

  it("unplug marks only that device failing (presence xa), the others keep publishing; replug recovers without a restart", async () => {
    // Our own watcher (test/drivers/presence_watch.py): it sees presences with <show/> too.
    const probe = runPython("../drivers/presence_watch.py", [
      "--jid", "alice@localhost", "--port", String(bed.server.port), "--agent", "agent@localhost/agent", "--timeout", "80",
    ], { WATCH_PASSWORD: ACCOUNTS.alice });
    helpers.push(probe);
    await probe.waitFor((l) => "ready" in l, 30_000);
    await probe.waitFor((l) => l["status"] === "9/9 devices ok", 30_000);
    const subscriber = await subscribe(["meter/temperature", "kv/t"], 3, "alice");
    await ptys.meter.unplug();
    await eventually(() => state("meter")?.state === "failing", "meter failing", 20_000);
    expect(state("meter")?.reason).toMatch(/disconnected \(unplugged\?\)|not found \(unplugged\?\)/);
    const away = await probe.waitFor((l) => l["show"] === "xa", 20_000);
    expect(away["status"]).toBe("8/9 devices ok; failing: meter");
    // The agent keeps publishing the other devices while the meter is gone.
    await writeAll({ kv: "t=30 h=50\n" });
    await subscriber.waitFor((l) => l["node"] === "sensors/kv/t" && l["v"] === 30, 20_000);
    await ptys.meter.plug();
    await eventually(() => state("meter")?.state === "ok", "meter recovered", 20_000);
    await writeAll({ meter: '{"temperature":22.75}\n', kv: "t=31\n" });
    const { code, stderr } = await subscriber.exited;
    expect(code, stderr).toBe(0);
    const got = records(subscriber);
    expect(got[0]).toEqual({ node: "sensors/kv/t", u: "Cel", v: 30 });
    expect(got.slice(1)).toEqual(expect.arrayContaining([{ node: "sensors/meter/temperature", u: "Cel", v: 22.75 }, { node: "sensors/kv/t", u: "Cel", v: 31 }]));
    expect(got).toHaveLength(3);
    const back = probe.lines.findLastIndex((l) => l["show"] === "xa");
    await probe.waitFor((l) => probe.lines.indexOf(l) > back && l["show"] === "" && l["status"] === "9/9 devices ok", 20_000);
    probe.kill();
    expect(state("meter")?.stats["disconnects"]).toBe(1);
  }, 90_000);

  it("1-Wire and GPIO (FAKE libgpiod v2 tools) readings reach the subscriber; a GPIO output is set through the agent", async () => {
    const subscriber = await subscribe(["tank/water", "io/door", "io/door_edges", "io/lamp"], 40);
    writeFileSync(join(w1Root, "28-000000000001", "w1_slave"), w1Slave(22750));
    fake.edge(17, "falling");
    await bed.agent.devices.write("io", "lamp", "on");
    await subscriber.waitFor((l) => l["node"] === "sensors/tank/water" && l["v"] === 22.75, 30_000);
    await subscriber.waitFor((l) => l["node"] === "sensors/io/door" && l["vb"] === false, 30_000);
    await subscriber.waitFor((l) => l["node"] === "sensors/io/door_edges" && l["v"] === 1, 30_000);
    await subscriber.waitFor((l) => l["node"] === "sensors/io/lamp" && l["vb"] === true, 30_000);
    expect(fake.level(27)).toBe(true);
    expect(fake.holder(27)).toBeDefined();
    subscriber.kill();
    expect(records(subscriber).find((r) => r.node === "sensors/tank/water")?.u).toBe("Cel");
  }, 90_000);
});
