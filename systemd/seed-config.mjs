// install.sh helper: prepares the config to install, in a private staging directory, before
// anything is written to the target. Plain JS with no dependencies so it runs before (and without)
// node_modules, on whatever Node the installer found.
//
//   node seed-config.mjs --seed FILE --stage DIR --etc /etc/xmpp-iot --installed DIR
//                        --outbox /var/lib/xmpp-iot/outbox [--keep]
//                        [--password-file FILE] [--mqtt-password-file FILE]
//
// Writes into DIR (0700, made by the caller):
//   config.json   the config to install: every secret moved out, every file path naming a file
//                 under /etc/xmpp-iot (the unit's ProtectHome/PrivateTmp hide /home and /tmp)
//   check.json    the same config naming the staged copies, for `xmpp-iot check` before install
//   files/NAME    each file to install into /etc/xmpp-iot (secrets, CA certificates, ...)
//   empty         names of secret files to create empty (no password given anywhere)
// Prints one line per change ("xmpp.password: moved to /etc/xmpp-iot/password") and exits 1 with
// one line per problem (field path, what to do) when a named file cannot be read.
//
// --keep: the seed is the installed config, kept as it is; only check.json and the secrets given
// on the command line are staged. --installed: where the target's /etc/xmpp-iot is on this
// machine (ROOT/etc/xmpp-iot), to check a config that already names installed files.
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, extname, resolve } from "node:path";
import { parseArgs } from "node:util";

const { values: opt } = parseArgs({
  options: {
    seed: { type: "string" }, stage: { type: "string" }, etc: { type: "string" }, installed: { type: "string" },
    outbox: { type: "string" }, keep: { type: "boolean", default: false },
    "password-file": { type: "string" }, "mqtt-password-file": { type: "string" },
  },
});
if (!opt.seed || !opt.stage || !opt.etc || !opt.installed || !opt.outbox) {
  console.error("usage: seed-config.mjs --seed FILE --stage DIR --etc DIR --installed DIR --outbox PATH [--keep] [--password-file F] [--mqtt-password-file F]");
  process.exit(2);
}
const { seed, stage, etc, installed, outbox } = opt;
const problems = [];
const say = (line) => console.log(`seed-config: ${line}`);

let config;
try {
  config = JSON.parse(readFileSync(seed, "utf8"));
} catch (error) {
  // `xmpp-iot check` words this better (line, column, the line itself); let it speak.
  writeFileSync(`${stage}/check.json`, readFileSync(seed));
  say(`${seed} is not JSON (${error.message}); see the check below`);
  process.exit(3);
}
if (typeof config !== "object" || config === null || Array.isArray(config)) {
  console.error(`${seed}: (top level): not a config; expected a JSON object with an "xmpp" section`);
  process.exit(1);
}

mkdirSync(`${stage}/files`, { mode: 0o700 });
/** name -> staged path, for files this run installs. */
const staged = new Map();
const emptySecrets = [];

/** Known file keys get stable names; anything else ending in "File" is named after its path. */
const NAMES = {
  "xmpp.passwordFile": "password",
  "mqtt.passwordFile": "mqtt-password",
  "xmpp.caFile": "xmpp-ca.pem",
  "mqtt.caFile": "mqtt-ca.pem",
};
const nameFor = (path, value) => NAMES[path] ?? `${path.replace(/\.|\[(\d+)\]/g, (_, n) => (n === undefined ? "-" : `-${n}`)).replace(/File$/, "")}${extname(value)}`;

function readable(file) {
  try {
    return statSync(file).isFile() ? undefined : "not a regular file";
  } catch (error) {
    return error.code === "ENOENT" ? "no such file" : error.code === "EACCES" ? "permission denied" : error.message;
  }
}

function stageFile(name, from) {
  const to = `${stage}/files/${name}`;
  copyFileSync(from, to);
  staged.set(name, to);
}

function stageSecret(name, text) {
  const to = `${stage}/files/${name}`;
  writeFileSync(to, text.endsWith("\n") ? text : `${text}\n`, { mode: 0o600 });
  staged.set(name, to);
}

/**
 * One secret (xmpp or mqtt password). Sources, first wins: the installer's --*-password-file, the
 * inline value (removed from the config), the file the config names, the environment variable
 * (only when nothing is installed yet: a stale variable in a sudo shell must not replace a
 * working password), else the installed file. The config then names the installed file.
 */
function secret(section, name, cliFile, envName) {
  const s = config[section];
  const key = `${section}.passwordFile`;
  const target = `${etc}/${name}`;
  const inline = typeof s.password === "string" ? s.password : undefined;
  const named = typeof s.passwordFile === "string" ? s.passwordFile : undefined;
  if (inline !== undefined) delete s.password;
  const isInstalledPath = named !== undefined && resolve(named) === target;
  if (cliFile) {
    const why = readable(cliFile);
    if (why) { problems.push(`--${section === "xmpp" ? "" : "mqtt-"}password-file ${cliFile}: ${why}`); return; }
    stageFile(name, cliFile);
    say(`${section}.password: from ${cliFile}, installed as ${target}`);
    if (inline !== undefined) say(`${section}.password: the inline value in ${basename(seed)} is dropped (the file wins)`);
  } else if (inline !== undefined) {
    stageSecret(name, inline);
    say(`${section}.password: moved out of the config into ${target}`);
  } else if (named !== undefined && !isInstalledPath) {
    const why = readable(named);
    if (why) { problems.push(`${key}: cannot read ${named} (${why}); give the file with --${section === "xmpp" ? "" : "mqtt-"}password-file or fix the path`); return; }
    stageFile(name, named);
    say(`${key}: ${named} copied to ${target}`);
  } else if (process.env[envName] && !existsSync(`${installed}/${name}`)) {
    stageSecret(name, process.env[envName]);
    say(`${section}.password: from ${envName}, installed as ${target}`);
  } else if (section === "mqtt" && named === undefined) {
    return; // an anonymous or username-only broker: an old installed secret is not brought back
  } else if (!existsSync(`${installed}/${name}`)) {
    emptySecrets.push(name);
    say(`warning: no ${section} password given: write it into ${target} before starting the service`);
  }
  s.passwordFile = target;
}

/** Every other `...File` key: copy the file it names under /etc/xmpp-iot and point there. */
function otherFiles(node, path) {
  if (Array.isArray(node)) { node.forEach((v, i) => otherFiles(v, `${path}[${i}]`)); return; }
  if (typeof node !== "object" || node === null) return;
  for (const [key, value] of Object.entries(node)) {
    const here = path === "" ? key : `${path}.${key}`;
    if (/File$/.test(key) && typeof value === "string") {
      if (here === "xmpp.passwordFile" || here === "mqtt.passwordFile") continue;
      const name = nameFor(here, value);
      const target = `${etc}/${name}`;
      if (resolve(value) === target && existsSync(`${installed}/${name}`)) continue;
      const why = readable(value);
      if (why) { problems.push(`${here}: cannot read ${value} (${why}); the installer copies it to ${target}, so it must exist here`); continue; }
      stageFile(name, value);
      node[key] = target;
      say(`${here}: ${value} copied to ${target}`);
    } else {
      otherFiles(value, here);
    }
  }
}

if (!opt.keep) {
  if (typeof config.xmpp === "object" && config.xmpp !== null) secret("xmpp", "password", opt["password-file"], "XMPP_IOT_PASSWORD");
  if (typeof config.mqtt === "object" && config.mqtt !== null) secret("mqtt", "mqtt-password", opt["mqtt-password-file"], "XMPP_IOT_MQTT_PASSWORD");
  otherFiles(config, "");
  // ProtectSystem=strict leaves only the StateDirectory writable: a demo path like ./outbox would fail.
  const stateDir = outbox.slice(0, outbox.lastIndexOf("/") + 1);
  if (typeof config.outbox !== "object" || config.outbox === null) config.outbox = { path: outbox };
  else if (typeof config.outbox.path !== "string" || !config.outbox.path.startsWith(stateDir)) {
    say(`outbox.path: moved to ${outbox} (the only writable place for the service)`);
    config.outbox.path = outbox;
  }
} else {
  // A kept config is not rewritten; secrets given on the command line still replace files.
  for (const [flag, name] of [["password-file", "password"], ["mqtt-password-file", "mqtt-password"]]) {
    if (!opt[flag]) continue;
    const why = readable(opt[flag]);
    if (why) problems.push(`--${flag} ${opt[flag]}: ${why}`);
    else stageFile(name, opt[flag]);
  }
  for (const section of ["xmpp", "mqtt"]) {
    if (typeof config[section]?.password === "string") {
      say(`warning: the installed config has ${section}.password inline; to move it into a file: install.sh --config ${etc}/config.json`);
    }
  }
}

if (problems.length > 0) {
  for (const line of problems) console.error(line);
  process.exit(1);
}

// The check sees this machine's copies: staged files first, then those already installed.
const forCheck = structuredClone(config);
(function mapPaths(node) {
  if (typeof node !== "object" || node === null) return;
  for (const [key, value] of Object.entries(node)) {
    if (typeof value === "string" && /File$/.test(key) && value.startsWith(`${etc}/`)) {
      const name = value.slice(etc.length + 1);
      node[key] = staged.get(name) ?? (emptySecrets.includes(name) ? placeholder(name) : `${installed}/${name}`);
    } else mapPaths(value);
  }
})(forCheck);

/** No password yet: the check validates the rest; the agent refuses to start until it is written. */
function placeholder(name) {
  const file = `${stage}/placeholder-${name}`;
  writeFileSync(file, "placeholder\n", { mode: 0o600 });
  return file;
}

writeFileSync(`${stage}/check.json`, `${JSON.stringify(forCheck, null, 2)}\n`, { mode: 0o600 });
if (!opt.keep) writeFileSync(`${stage}/config.json`, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
writeFileSync(`${stage}/empty`, emptySecrets.map((n) => `${n}\n`).join(""), { mode: 0o600 });
