import type { Logger } from "pino";
import type { CommandCaller, CommandResult } from "../commands/index.js";
import type { Config, MqttConfig } from "../config/schema.js";
import type { DeviceManager } from "../device-manager/device-manager.js";
import { messageOf } from "../errors/catalog.js";
import type { Pipeline } from "../pipeline/pipeline.js";
import { createAvailability } from "./availability.js";
import { createMqttClient, withoutCredentials, type MqttClientHandle } from "./client.js";
import { createMqttControl } from "./control.js";
import { createDiscovery, type Discovery } from "./discovery.js";
import { mqttClientOptions, topicPrefixOf } from "./options.js";
import { createMqttReadingTransport } from "./readings-transport.js";
import { createMqttAlerts } from "./alerts.js";
import { AGENT_VERSION } from "../version/version.js";
import type { MqttBridgeStatus } from "../status/status.js";

/** Created before the device manager so the `mqtt` gateway driver can share the connection. */
export function createMqttClientFromConfig(config: Config, mqtt: MqttConfig, log: Logger): MqttClientHandle {
  return createMqttClient({ log }, mqttClientOptions(config, mqtt));
}

export interface MqttBridgeDeps {
  readonly client: MqttClientHandle;
  readonly devices: DeviceManager;
  readonly pipeline: Pick<Pipeline, "latest">;
  readonly registry: { execute(name: string, rawInput: unknown, caller: CommandCaller): Promise<CommandResult> };
  readonly agentBareJid: string;
  readonly log: Logger;
}

/**
 * The MQTT bridge as one agent part: the readings' transport, status/last will (in the client),
 * `/set` and command topics, and Home Assistant discovery. The composition root makes `transport`
 * a delivery sink and registers the bridge as a part; the part owns the connection and closes it last.
 */
export function createMqttBridge(deps: MqttBridgeDeps, config: Config, mqtt: MqttConfig) {
  const { client, log } = deps;
  const topicPrefix = topicPrefixOf(config, mqtt);
  const channelsById = new Map(config.devices.map((d) => [d.id, d.channels ?? {}]));
  const urlsById = new Map(config.devices.flatMap((d) => (d.configurationUrl !== undefined ? [[d.id, d.configurationUrl] as const] : [])));
  const discovery: Discovery | undefined = mqtt.homeAssistant?.enabled === true
    ? createDiscovery({ client, devices: deps.devices, latest: deps.pipeline.latest, log: log.child({ mqtt: "discovery" }) }, {
      discoveryPrefix: mqtt.homeAssistant.discoveryPrefix,
      topicPrefix,
      statusTopic: `${topicPrefix}/status`,
      agentName: config.name,
      readOnly: mqtt.readOnly,
      qos: mqtt.qos,
      channels: (device) => channelsById.get(device),
      deviceUrl: (device) => urlsById.get(device),
      ...(mqtt.homeAssistant.configurationUrl !== undefined ? { configurationUrl: mqtt.homeAssistant.configurationUrl } : {}),
      ...(AGENT_VERSION !== undefined ? { version: AGENT_VERSION } : {}),
    })
    : undefined;
  const transport = createMqttReadingTransport({ client }, {
    topicPrefix, agentBareJid: deps.agentBareJid, qos: mqtt.qos, retain: mqtt.retain, ...(discovery ? { onReading: discovery.noteReading } : {}),
  });
  const availability = createAvailability({ client, devices: deps.devices, log }, { topicPrefix, qos: mqtt.qos });
  const alerts = createMqttAlerts({ client, log: log.child({ mqtt: "alerts" }) }, { topicPrefix, qos: mqtt.qos });
  const control = createMqttControl({ client, registry: deps.registry, log }, { topicPrefix, readOnly: mqtt.readOnly, qos: mqtt.qos });

  return {
    name: "mqtt",
    transport,
    /** Alert events for src/alerts (delivered on `<prefix>/alerts`). */
    alerts,
    /** For `status`: what the `/set` and command topics received, and what discovery announced. */
    status: (): MqttBridgeStatus => ({ commands: control.stats(), ...(discovery ? { discovery: discovery.status() } : {}) }),
    async start(signal: AbortSignal): Promise<void> {
      // Subscriptions first: the client sends them with its CONNECT session.
      control.start();
      discovery?.start();
      availability.start();
      client.start(signal);
      // Not awaited: a broker that is down must not delay the devices or the XMPP side.
      void client.waitOnline(2000).then((online) => {
        if (!online && !signal.aborted) log.warn({ url: withoutCredentials(mqtt.url), err: client.stats().lastError }, "MQTT broker not reachable yet; readings are queued and the connection is retried");
      });
    },
    async stop(): Promise<void> {
      control.stop();
      discovery?.stop();
      await availability.stop();
      try {
        await client.stop();
      } catch (error) {
        log.warn({ err: messageOf(error) }, "MQTT disconnect failed");
      }
    },
  };
}
