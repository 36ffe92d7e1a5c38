import type { Logger } from "pino";
import type { AlertEvent } from "../alerts/outlet.js";
import { messageOf } from "../errors/catalog.js";
import type { MqttClientHandle, Qos } from "./client.js";

/** `<prefix>/alerts`: every alert and all-clear as JSON, not retained (they are events, not state). */
export function alertsTopic(prefix: string): string {
  return `${prefix}/alerts`;
}

export function createMqttAlerts(deps: { client: Pick<MqttClientHandle, "publish" | "isConnected">; log: Logger }, options: { topicPrefix: string; qos: Qos }) {
  return {
    online: () => deps.client.isConnected(),
    publish(event: AlertEvent): void {
      deps.client.publish(alertsTopic(options.topicPrefix), JSON.stringify(event), { qos: options.qos, retain: false }).catch((error: unknown) => {
        deps.log.warn({ rule: event.rule, err: messageOf(error) }, "alert not published on MQTT");
      });
    },
  };
}
