/** What a reading becomes on MQTT: a SenML JSON pack (src/senml/json.ts) on a topic per channel. */
export { encodeReadingPayload } from "../senml/json.js";

/** `<prefix>/<device>/<channel>` */
export function readingTopic(prefix: string, device: string, channel: string): string {
  return `${prefix}/${device}/${channel}`;
}
