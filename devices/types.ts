// The driver contract lives in src/device-contract/. This name stays for src/mqtt/client.ts, which
// implements MqttLink; drivers and the rest of src/ import src/device-contract/index.js.
export type { MqttLink } from "../src/device-contract/index.js";
