import { IotError, messageOf } from "../../src/errors/catalog.js";
import type { ReadingValue } from "../../src/readings/reading.js";
import type { DeviceDriver, DeviceHealth, DriverContext } from "../../src/device-contract/index.js";
import { extract } from "./extract.js";
import type { MqttDeviceConfig } from "./schema.js";

export { mqttDeviceSchema } from "./schema.js";

/**
 * The gateway direction: external MQTT devices (Tasmota, Zigbee2MQTT, plain numeric topics)
 * become channels of an agent device, so they get presence, pubsub nodes and `set` like any other.
 * It rides on the agent's one broker connection (`context.mqtt`); a broker outage or the device's
 * own LWT saying Offline marks it failing.
 */
export function createMqttDevice(context: DriverContext, options: MqttDeviceConfig): DeviceDriver {
  const commands = options.commands;
  const counters = { messages: 0, samples: 0, garbage: 0, oversize: 0, missingPaths: 0, commandsSent: 0 };
  const unsubscribes: Array<() => void> = [];
  let available = true;
  let lastMessageAt = 0;
  let staleTimer: NodeJS.Timeout | undefined;
  let garbageLoggedAt = 0;

  const health = (): DeviceHealth => {
    const link = context.mqtt;
    if (!link || !link.isConnected()) return { state: "failing", reason: "MQTT broker not connected" };
    if (!available) return { state: "failing", reason: `${options.availability?.topic} says ${options.availability?.offline}` };
    if (options.staleAfterMs !== undefined && lastMessageAt > 0 && Date.now() - lastMessageAt > options.staleAfterMs) {
      return { state: "failing", reason: `no message for ${Math.round((Date.now() - lastMessageAt) / 1000)} s` };
    }
    return { state: "ok" };
  };
  const refresh = (): void => context.setHealth(health());

  const complain = (topic: string, reason: string): void => {
    // Garbage is counted always, logged at most once a second (a chatty broken publisher).
    if (Date.now() - garbageLoggedAt < 1000) return;
    garbageLoggedAt = Date.now();
    context.log.warn({ topic, reason, garbage: counters.garbage }, "MQTT payload ignored");
  };

  return {
    async start() {
      const link = context.mqtt;
      if (!link) throw new IotError("CONFIG_INVALID", "the mqtt driver needs the top-level mqtt section");
      for (const subscription of options.subscriptions) {
        unsubscribes.push(link.subscribe(subscription.topic, (topic, payload) => {
          counters.messages++;
          if (payload.length > options.maxPayloadBytes) {
            counters.oversize++;
            complain(topic, `payload of ${payload.length} bytes exceeds maxPayloadBytes ${options.maxPayloadBytes}`);
            return;
          }
          const result = extract(subscription, payload.toString("utf8"));
          if (!result.ok) {
            counters.garbage++;
            complain(topic, result.reason);
            return;
          }
          if (result.missing.length > 0) counters.missingPaths++;
          lastMessageAt = Date.now();
          for (const { channel, value } of result.values) {
            counters.samples++;
            context.emit({ channel, value });
          }
          refresh();
        }));
      }
      if (options.availability) {
        const { topic, online, offline } = options.availability;
        unsubscribes.push(link.subscribe(topic, (_topic, payload) => {
          const text = payload.toString("utf8").trim();
          if (text === online) available = true;
          else if (text === offline) available = false;
          refresh();
        }));
      }
      unsubscribes.push(link.onConnectionChange(refresh));
      if (options.staleAfterMs !== undefined) staleTimer = setInterval(refresh, Math.min(options.staleAfterMs, 10_000));
      refresh();
    },
    async stop() {
      for (const unsubscribe of unsubscribes.splice(0)) unsubscribe();
      clearInterval(staleTimer);
      staleTimer = undefined;
      context.setHealth({ state: "stopped" });
    },
    writableChannels: () => Object.keys(commands),
    async write(channel: string, value: ReadingValue) {
      const command = commands[channel];
      if (!command) throw new IotError("NOT_WRITABLE", `${options.id}/${channel} has no command topic`);
      const link = context.mqtt;
      if (!link || !link.isConnected()) throw new IotError("DEVICE_FAILING", `${options.id}: MQTT broker not connected`);
      const payload = typeof value === "boolean" ? (value ? command.payloadOn : command.payloadOff) : String(value);
      try {
        await link.publish(command.topic, payload, { qos: command.qos, retain: command.retain });
      } catch (error) {
        throw new IotError("DEVICE_FAILING", `${options.id}/${channel}: publish to ${command.topic} failed (${messageOf(error)})`, { cause: error });
      }
      counters.commandsSent++;
      if (command.optimistic) context.emit({ channel, value });
    },
    stats: () => ({ ...counters }),
  };
}
