// FAKE libgpiod command-line tools for tests: there is no GPIO hardware here. One script plays
// gpiomon/gpioset/gpioget/gpiofind in the syntax of libgpiod v1 (1.6) or v2 (2.x), chosen by
// FAKE_GPIO_VERSION, and refuses options the real version would refuse. The "chip" is a directory
// (FAKE_GPIO_DIR): value-<offset> holds a line's level, events-<offset> gets "rising"/"falling"
// lines appended by the test, held-<offset> marks a line requested by a running tool, and a file
// named "denied" makes every tool fail as without the gpio group. Lines: gpiochip0, 0..53, GPIO<n>.
import { appendFileSync, existsSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [tool, ...argv] = process.argv.slice(2);
const version = process.env.FAKE_GPIO_VERSION ?? "2.1.3";
const v1 = version.startsWith("1.");
const dir = process.env.FAKE_GPIO_DIR;
appendFileSync(join(dir, "calls.jsonl"), JSON.stringify({ tool, args: argv, pid: process.pid }) + "\n");

const die = (message) => {
  process.stderr.write(`${tool}: ${message}\n`);
  process.exit(1);
};

// Option tables: [flags without a value, options taking a value] per tool and version.
const OPTIONS = {
  1: {
    gpiomon: [["-b", "--line-buffered", "-l", "--active-low", "-s", "--silent", "-r", "--rising-edge", "-f", "--falling-edge"], ["-F", "--format", "-B", "--bias", "-n", "--num-events"]],
    gpioset: [["-l", "--active-low", "-b", "--background"], ["-m", "--mode", "-B", "--bias", "-D", "--drive", "-s", "--sec", "-u", "--usec"]],
    gpioget: [["-l", "--active-low"], ["-B", "--bias"]],
    gpiofind: [[], []],
  },
  2: {
    gpiomon: [["-l", "--active-low", "-q", "--quiet", "-s", "--strict", "--banner", "--unquoted", "--by-name"], ["-b", "--bias", "-c", "--chip", "-C", "--consumer", "-e", "--edges", "-E", "--event-clock", "-F", "--format", "-n", "--num-events", "-p", "--debounce-period"]],
    gpioset: [["-l", "--active-low", "-z", "--daemonize", "-i", "--interactive", "-s", "--strict", "--banner", "--by-name", "--unquoted"], ["-b", "--bias", "-c", "--chip", "-C", "--consumer", "-d", "--drive", "-p", "--hold-period", "-t", "--toggle"]],
    gpioget: [["-a", "--as-is", "-l", "--active-low", "-s", "--strict", "--numeric", "--unquoted", "--by-name"], ["-b", "--bias", "-c", "--chip", "-C", "--consumer", "-p", "--hold-period"]],
  },
};

if (argv[0] === "--version" || argv[0] === "-v") {
  console.log(`${tool} (libgpiod) v${version}\nCopyright (C) 2017-2023 Bartosz Golaszewski\nLicense: GPL-2.0-or-later`);
  process.exit(0);
}
const table = OPTIONS[v1 ? 1 : 2][tool];
if (!table) die(`no such tool in libgpiod v${version}`);
const [flagList, valueList] = table;
const opts = {};
const positional = [];
for (let i = 0; i < argv.length; i++) {
  const arg = argv[i];
  if (!arg.startsWith("-") || positional.length > 0) {
    positional.push(arg);
    continue;
  }
  const [key, inline] = arg.split("=", 2);
  if (flagList.includes(key) && inline === undefined) opts[key] = true;
  else if (valueList.includes(key)) opts[key] = inline ?? argv[++i];
  else die(`invalid option -- '${arg}'\ntry ${tool} --help`);
}
const opt = (...names) => names.map((n) => opts[n]).find((v) => v !== undefined);

if (existsSync(join(dir, "denied"))) die(`unable to open chip '/dev/gpiochip0': Permission denied`);

/** "GPIO17" or "17" (with a chip) -> 17. */
function offsetOf(chip, line) {
  if (chip !== undefined && chip !== "gpiochip0" && chip !== "/dev/gpiochip0" && chip !== "0") die(`unable to open chip '${chip}': No such file or directory`);
  const byName = /^GPIO(\d+)$/.exec(line);
  if (v1 && !/^\d+$/.test(line)) die(`invalid GPIO offset: ${line}`);
  const offset = /^\d+$/.test(line) && (v1 || chip !== undefined) ? Number(line) : byName ? Number(byName[1]) : -1;
  if (offset < 0 || offset > 53) die(v1 ? `unable to retrieve GPIO lines from chip: Invalid argument` : `cannot find line '${line}'`);
  return offset;
}
const file = (kind, offset) => join(dir, `${kind}-${offset}`);
const level = (offset) => (existsSync(file("value", offset)) ? readFileSync(file("value", offset), "utf8").trim() === "1" : false);
/** The kernel grants a line to one requester at a time. */
function busyCheck(offset) {
  const held = file("held", offset);
  if (!existsSync(held)) return;
  let alive = true;
  try { process.kill(Number(readFileSync(held, "utf8")), 0); } catch { alive = false; }
  if (alive) die(`unable to request lines on chip '/dev/gpiochip0': Device or resource busy`);
}
function request(offset) {
  const held = file("held", offset);
  busyCheck(offset);
  writeFileSync(held, String(process.pid));
  const release = () => { try { if (readFileSync(held, "utf8") === String(process.pid)) rmSync(held); } catch {} };
  for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => { release(); process.exit(0); });
  process.on("exit", release);
}
const activeLow = opt("-l", "--active-low") === true;

if (tool === "gpiofind") {
  const match = /^GPIO(\d+)$/.exec(positional[0] ?? "");
  if (!match || Number(match[1]) > 53) process.exit(1);
  console.log(`gpiochip0 ${match[1]}`);
  process.exit(0);
}

const chip = v1 ? positional.shift() : opt("-c", "--chip");
if (v1 && chip === undefined) die("gpiochip must be specified");
if (positional.length !== 1) die("this fake handles exactly one line");

if (tool === "gpioget") {
  const line = positional[0];
  const offset = offsetOf(chip, line);
  busyCheck(offset);
  const value = level(offset) !== activeLow;
  console.log(v1 ? (value ? "1" : "0") : opt("--numeric") ? (value ? "1" : "0") : `"${line}"=${value ? "active" : "inactive"}`);
  process.exit(0);
}

if (tool === "gpioset") {
  const [line, raw] = positional[0].split("=");
  const offset = offsetOf(chip, line);
  if (!["0", "1"].includes(raw)) die(`invalid line value: ${raw}`);
  const mode = opt("-m", "--mode") ?? "exit";
  request(offset);
  writeFileSync(file("value", offset), (raw === "1") !== activeLow ? "1" : "0");
  if (opt("--banner")) console.log(`Setting line '${line}'... (fake)`);
  // v1's default mode sets the value and exits (the line is then released); signal mode holds it.
  if (v1 && mode !== "signal") process.exit(0);
  setInterval(() => {}, 1 << 30);
}

if (tool === "gpiomon") {
  const offset = offsetOf(chip, positional[0]);
  const events = file("events", offset);
  if (!existsSync(events)) writeFileSync(events, "");
  // Start reading before the line shows as held: the test waits for "held" before sending edges.
  let position = statSync(events).size;
  request(offset);
  const format = opt("-F", "--format");
  // Real v1 gpiomon block-buffers stdout into a pipe unless -b is given: a driver would see nothing.
  const lineBuffered = !v1 || opt("-b", "--line-buffered") === true;
  let pending = "";
  setInterval(() => {
    const size = statSync(events).size;
    if (size <= position) return;
    const buffer = Buffer.alloc(size - position);
    const fd = openSync(events, "r");
    readSync(fd, buffer, 0, buffer.length, position);
    position = size;
    for (const edge of buffer.toString().split("\n").filter(Boolean)) {
      const rising = (edge === "rising") !== activeLow;
      const seconds = Math.floor(Date.now() / 1000);
      const code = rising ? "1" : v1 ? "0" : "2";
      const text = format
        ? format.replace(/%([eons%S])/g, (_, f) => (f === "e" ? code : f === "o" ? String(offset) : f === "%" ? "%" : f === "S" ? `${seconds}.000000000` : f === "s" ? String(seconds) : "0"))
        : v1 ? `event: ${rising ? " RISING EDGE" : "FALLING EDGE"} offset: ${offset} timestamp: [${seconds}.000000000]` : `${seconds}.000000000\t${rising ? "rising" : "falling"}\t"${positional[0]}"`;
      pending += text + "\n";
    }
    if (lineBuffered) {
      process.stdout.write(pending);
      pending = "";
    }
  }, 20);
}
