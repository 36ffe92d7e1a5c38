import type { Logger } from "pino";
import type { DeviceManager } from "../device-manager/device-manager.js";
import { messageOf } from "../errors/catalog.js";
import type { MqttClientHandle, Qos } from "./client.js";

/** `<prefix>/<device>/availability`, as Zigbee2MQTT users know it. */
export function availabilityTopic(prefix: string, device: string): string {
  return `${prefix}/${device}/availability`;
}

/**
 * Device health (what presence shows over XMPP) as retained `online`/`offline` per device, so Home
 * Assistant greys out the entities of a failing device. The agent's own `<prefix>/status` (with
 * the last will) still covers a dead agent: discovery asks for both (availability_mode "all").
 */
export function createAvailability(
  deps: { client: Pick<MqttClientHandle, "publish" | "events" | "isConnected">; devices: Pick<DeviceManager, "list" | "onHealthChange">; log: Logger },
  options: { topicPrefix: string; qos: Qos },
) {
  const { client, devices, log } = deps;
  /** What the broker holds now, per device; cleared on disconnect so a reconnect republishes. */
  const sent = new Map<string, string>();
  let running = false;

  function publishAll(force: boolean): void {
    if (!running || !client.isConnected()) return;
    for (const device of devices.list()) {
      const state = device.health.state === "ok" ? "online" : device.health.state === "starting" ? undefined : "offline";
      if (state === undefined || (!force && sent.get(device.id) === state)) continue;
      sent.set(device.id, state);
      client.publish(availabilityTopic(options.topicPrefix, device.id), state, { qos: options.qos, retain: true }).catch((error: unknown) => {
        sent.delete(device.id);
        log.warn({ device: device.id, err: messageOf(error) }, "device availability not published; sent again on reconnect");
      });
    }
  }

  const onOnline = (): void => publishAll(true);
  const onOffline = (): void => sent.clear();

  // The device manager has no way to remove a health listener; `running` makes it inert after stop.
  devices.onHealthChange(() => publishAll(false));

  return {
    start(): void {
      running = true;
      client.events.on("online", onOnline);
      client.events.on("offline", onOffline);
      publishAll(true);
    },
    /** Before the connection closes: every device offline (an agent that stops serves none). */
    async stop(): Promise<void> {
      if (running && client.isConnected()) {
        await Promise.race([
          Promise.allSettled(devices.list().map((d) => client.publish(availabilityTopic(options.topicPrefix, d.id), "offline", { qos: options.qos, retain: true }))),
          new Promise((resolve) => setTimeout(resolve, 2000).unref()),
        ]);
      }
      running = false;
      client.events.off("online", onOnline);
      client.events.off("offline", onOffline);
    },
  };
}
