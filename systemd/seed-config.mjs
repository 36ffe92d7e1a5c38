// install.sh helper: turns a seed config (config.example.json or --config FILE) into the
// installed /etc/xmpp-iot/config.json. Plain JS with no dependencies so it runs before (and
// without) node_modules, on whatever Node the installer found.
//   node seed-config.mjs SEED OUT PASSWORD_SEED PASSWORD_FILE OUTBOX_PATH
import { readFileSync, writeFileSync } from "node:fs";

const [seed, out, passwordSeed, passwordFile, outboxPath] = process.argv.slice(2);
if (!seed || !out || !passwordSeed || !passwordFile || !outboxPath) {
  console.error("usage: seed-config.mjs SEED OUT PASSWORD_SEED PASSWORD_FILE OUTBOX_PATH");
  process.exit(2);
}
const config = JSON.parse(readFileSync(seed, "utf8"));
if (typeof config !== "object" || config === null || typeof config.xmpp !== "object" || config.xmpp === null) {
  console.error(`${seed}: not a config (no "xmpp" object)`);
  process.exit(1);
}
// The password leaves the config for a 0640 file: the config is readable by more tooling
// (`xmpp-iot check`, support dumps) than the secret should be.
if (typeof config.xmpp.password === "string") {
  writeFileSync(passwordSeed, `${config.xmpp.password}\n`, { mode: 0o600 });
  delete config.xmpp.password;
}
if (config.xmpp.passwordFile === undefined) config.xmpp.passwordFile = passwordFile;
// ProtectSystem=strict leaves only the StateDirectory writable: a demo path like ./outbox would fail.
const stateDir = outboxPath.slice(0, outboxPath.lastIndexOf("/") + 1);
if (typeof config.outbox !== "object" || config.outbox === null) config.outbox = { path: outboxPath };
else if (typeof config.outbox.path !== "string" || !config.outbox.path.startsWith(stateDir)) {
  console.log(`seed-config: outbox.path moved to ${outboxPath} (the only writable place for the service)`);
  config.outbox.path = outboxPath;
}
writeFileSync(out, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o640 });
