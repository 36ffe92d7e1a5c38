import type { Logger } from "pino";
import type { Role } from "../commands/acl.js";
import type { CommandCaller, CommandResult } from "../commands/index.js";
import { mqttErrorOf, type MqttErrorResponse } from "../errors/replies.js";
import { IotError, messageOf } from "../errors/catalog.js";
import { createRateLimiter } from "../commands/rate-limit.js";
import type { MqttClientHandle, Qos, RequestProperties } from "./client.js";
import { topicProblem, wildcardLevels } from "./topics.js";

export interface MqttControlOptions {
  readonly topicPrefix: string;
  /** No `/set` subscription, and command requests run with the reader role. */
  readonly readOnly: boolean;
  readonly qos: Qos;
  /** Requests being executed at once; more are answered RATE_LIMITED at once. */
  readonly maxInflight?: number;
  readonly maxPayloadBytes?: number;
}

export interface MqttControlDeps {
  readonly client: Pick<MqttClientHandle, "publish" | "subscribe">;
  /** The one command registry (src/commands); MQTT is only a front-end to it. */
  readonly registry: { execute(name: string, rawInput: unknown, caller: CommandCaller): Promise<CommandResult> };
  readonly log: Logger;
}

export type CommandResponse =
  | { readonly id: unknown; readonly status: "ok"; readonly data: unknown }
  | MqttErrorResponse;

/**
 * Parses a request: a JSON object whose `id` is echoed back and whose other keys are the command's
 * input (`{"id": 7, "device": "greenhouse", "channel": "lamp", "value": "on"}`); an empty payload
 * is a request without input.
 */
export function parseRequest(payload: string): { id: unknown; input: Record<string, unknown> } | { id: unknown; error: string } {
  if (payload.trim() === "") return { id: null, input: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch (error) {
    return { id: null, error: `request is not JSON (${messageOf(error)}); send an object like {"id":1,"device":"greenhouse"}` };
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    return { id: null, error: "request must be a JSON object like {\"id\":1,\"device\":\"greenhouse\"}" };
  }
  const { id = null, ...input } = parsed as Record<string, unknown>;
  return { id, input };
}

export function toResponse(id: unknown, result: CommandResult): CommandResponse {
  return result.status === "ok"
    ? { id, status: "ok", data: result.data }
    : mqttErrorOf(id, result.error);
}

/**
 * The MQTT front-end of the command registry: `<prefix>/<device>/<channel>/set` with a plain
 * value, and `<prefix>/command/<name>` JSON requests answered on `<prefix>/command/<name>/response`.
 * Whoever may publish to these topics is trusted as an admin: the broker's ACL is the gate
 * (`readOnly` makes the agent itself refuse writes).
 */
export function createMqttControl(deps: MqttControlDeps, options: MqttControlOptions) {
  const { client, registry, log } = deps;
  const maxInflight = options.maxInflight ?? 16;
  const maxPayloadBytes = options.maxPayloadBytes ?? 16_384;
  const role: Role = options.readOnly ? "reader" : "admin";
  const caller: CommandCaller = { role, via: "mqtt", who: "mqtt" };
  const unsubscribes: Array<() => void> = [];
  const counters = { sets: 0, requests: 0, errors: 0, ignoredRetained: 0 };
  let inflight = 0;
  // Like the chat front ends: a flood of /set messages is counted in full (stats) but logged at a
  // bounded rate, per kind of line; the next line that passes says how many were left out.
  const logLimiter = createRateLimiter({ burst: 5, perMinute: 6, maxKeys: 16 });
  const unlogged = new Map<string, number>();
  const throttled = (kind: string, write: (suppressed: Record<string, number>) => void): void => {
    if (logLimiter.take(kind) !== "ok") {
      unlogged.set(kind, (unlogged.get(kind) ?? 0) + 1);
      return;
    }
    const left = unlogged.get(kind) ?? 0;
    unlogged.delete(kind);
    write(left > 0 ? { unloggedSinceLast: left } : {});
  };

  /** MQTT 5 requesters may name their own response topic and correlation data (section 4.10). */
  function respond(name: string, response: CommandResponse, v5: RequestProperties): void {
    if (response.status === "error") counters.errors++;
    const topic = v5.responseTopic !== undefined && topicProblem(v5.responseTopic) === undefined ? v5.responseTopic : `${options.topicPrefix}/command/${name}/response`;
    client.publish(topic, JSON.stringify(response), { qos: options.qos, retain: false, ...(v5.correlationData ? { correlationData: v5.correlationData } : {}) })
      .catch((error: unknown) => log.warn({ command: name, err: messageOf(error) }, "MQTT command response not delivered"));
  }

  async function run(name: string, input: unknown): Promise<CommandResult> {
    if (inflight >= maxInflight) return { status: "error", error: new IotError("RATE_LIMITED", `more than ${maxInflight} MQTT commands at once; try again`) };
    inflight++;
    try {
      return await registry.execute(name, input, caller);
    } finally {
      inflight--;
    }
  }

  const ignoreRetained = (topic: string): void => {
    counters.ignoredRetained++;
    throttled("retained", (more) => log.warn({ topic, ...more }, `retained command ignored (it would run again on every restart); clear it with: mosquitto_pub -r -n -t '${topic}'`));
  };

  const onSet = (topic: string, payload: Buffer, retained: boolean): void => {
    if (retained) return ignoreRetained(topic);
    const [device = "", channel = ""] = wildcardLevels(`${options.topicPrefix}/+/+/set`, topic);
    if (payload.length > maxPayloadBytes) {
      throttled("too-large", (more) => log.warn({ topic, bytes: payload.length, limit: maxPayloadBytes, ...more }, "MQTT set payload too large; ignored"));
      counters.errors++;
      return;
    }
    counters.sets++;
    void run("set", { device, channel, value: payload.toString("utf8") }).then((result) => {
      if (result.status === "error") {
        counters.errors++;
        throttled("refused", (more) => log.warn({ topic, code: result.error.code, err: result.error.message, ...more }, "MQTT set refused"));
      } else {
        throttled("applied", (more) => log.info({ device, channel, ...more }, "set over MQTT"));
      }
    });
  };

  const onCommand = (topic: string, payload: Buffer, retained: boolean, v5: RequestProperties): void => {
    if (retained) return ignoreRetained(topic);
    const [name = ""] = wildcardLevels(`${options.topicPrefix}/command/+`, topic);
    counters.requests++;
    if (payload.length > maxPayloadBytes) {
      respond(name, mqttErrorOf(null, new IotError("BAD_INPUT", `request larger than ${maxPayloadBytes} bytes`)), v5);
      return;
    }
    const request = parseRequest(payload.toString("utf8"));
    if ("error" in request) {
      respond(name, mqttErrorOf(request.id, new IotError("BAD_INPUT", request.error)), v5);
      return;
    }
    void run(name, request.input).then((result) => respond(name, toResponse(request.id, result), v5));
  };

  return {
    stats: () => ({ ...counters, inflight }),
    start(): void {
      if (!options.readOnly) unsubscribes.push(client.subscribe(`${options.topicPrefix}/+/+/set`, onSet));
      unsubscribes.push(client.subscribe(`${options.topicPrefix}/command/+`, onCommand));
    },
    stop(): void {
      for (const unsubscribe of unsubscribes.splice(0)) unsubscribe();
    },
  };
}
