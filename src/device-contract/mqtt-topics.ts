/**
 * MQTT topic names and filters (MQTT 3.1.1 section 4.7), the syntax `MqttLink` takes from a driver
 * and the agent's broker client checks: `+` matches one level, `#` the rest
 * (including the parent level itself), and filters starting with a wildcard never match topics
 * starting with `$` (section 4.7.2).
 */
export function topicMatches(filter: string, topic: string): boolean {
  if (topic.startsWith("$") && (filter.startsWith("+") || filter.startsWith("#"))) return false;
  const f = filter.split("/");
  const t = topic.split("/");
  for (let i = 0; i < f.length; i++) {
    const part = f[i];
    if (part === "#") return true;
    if (i >= t.length) return false;
    if (part !== "+" && part !== t[i]) return false;
  }
  return f.length === t.length;
}

/** Why a topic filter is invalid, or undefined when it is fine (section 4.7.1). */
export function filterProblem(filter: string): string | undefined {
  if (filter === "") return "a topic filter must not be empty";
  if (filter.includes("\u0000")) return "a topic filter must not contain NUL";
  const parts = filter.split("/");
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part.includes("#") && (part !== "#" || i !== parts.length - 1)) return "'#' must be a whole level and the last one";
    if (part.includes("+") && part !== "+") return "'+' must be a whole level";
  }
  return undefined;
}

/** Why a topic name (for publishing) is invalid, or undefined. */
export function topicProblem(topic: string): string | undefined {
  if (topic === "") return "a topic must not be empty";
  if (/[+#\u0000]/.test(topic)) return "a topic must not contain '+', '#' or NUL";
  return undefined;
}
