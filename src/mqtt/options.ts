import { readFileSync } from "node:fs";
import type { Config, MqttConfig } from "../config/schema.js";
import { IotError, messageOf } from "../errors/catalog.js";
import type { MqttClientOptions } from "./client.js";

/** DESIGN: topics live under `mqtt.topicPrefix`, default `xmpp-iot/<agent-name>`. */
export function topicPrefixOf(config: Pick<Config, "name">, mqtt: Pick<MqttConfig, "topicPrefix">): string {
  return mqtt.topicPrefix ?? `xmpp-iot/${config.name}`;
}

function readFileOrFail(field: string, file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    const detail = `${field}: cannot read ${file} (${messageOf(error)})`;
    throw new IotError("CONFIG_INVALID", detail, { details: [detail] });
  }
}

/**
 * The broker password from `mqtt.password`, `mqtt.passwordFile` (one line) or the environment
 * variable XMPP_IOT_MQTT_PASSWORD; undefined for an anonymous or username-only login.
 */
export function resolveMqttPassword(mqtt: MqttConfig, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (mqtt.password !== undefined) return mqtt.password;
  if (mqtt.passwordFile !== undefined) {
    const password = readFileOrFail("mqtt.passwordFile", mqtt.passwordFile).replace(/\r?\n$/, "");
    if (password === "") throw new IotError("CONFIG_INVALID", "mqtt.passwordFile: the file is empty", { details: ["mqtt.passwordFile: the file is empty"] });
    return password;
  }
  return env["XMPP_IOT_MQTT_PASSWORD"] || undefined;
}

/** Throws IotError CONFIG_INVALID (exit 78) when a password or CA file cannot be read. */
export function mqttClientOptions(config: Pick<Config, "name">, mqtt: MqttConfig, env: NodeJS.ProcessEnv = process.env): MqttClientOptions {
  const password = resolveMqttPassword(mqtt, env);
  return {
    url: mqtt.url,
    clientId: mqtt.clientId ?? `xmpp-iot-${config.name}`,
    ...(mqtt.username !== undefined ? { username: mqtt.username } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(mqtt.caFile !== undefined ? { ca: readFileOrFail("mqtt.caFile", mqtt.caFile) } : {}),
    keepaliveS: mqtt.keepaliveS,
    connectTimeoutMs: 10_000,
    reconnectMinMs: mqtt.reconnectMinMs,
    reconnectMaxMs: mqtt.reconnectMaxMs,
    statusTopic: `${topicPrefixOf(config, mqtt)}/status`,
    protocolVersion: mqtt.protocolVersion,
  };
}
