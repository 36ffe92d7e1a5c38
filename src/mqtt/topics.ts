// The topic syntax is part of the driver contract (MqttLink): one definition for drivers and the bridge.
export { filterProblem, topicMatches, topicProblem } from "../device-contract/mqtt-topics.js";

/** The levels a filter's `+` wildcards matched, in order (e.g. device and channel of a `/set`). */
export function wildcardLevels(filter: string, topic: string): string[] {
  const f = filter.split("/");
  const t = topic.split("/");
  const out: string[] = [];
  f.forEach((part, i) => {
    if (part === "+") out.push(t[i] ?? "");
  });
  return out;
}

/** A reading's topic, `<prefix>/<device>/<channel>`: its payload is a SenML JSON pack (src/senml/json.ts). */
export function readingTopic(prefix: string, device: string, channel: string): string {
  return `${prefix}/${device}/${channel}`;
}
