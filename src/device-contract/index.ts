/**
 * The driver contract: what devices/ and src/ share and nothing else. Drivers import only this
 * folder and leaf utilities of src/ (errors, backoff, echo, reading); the agent imports drivers only
 * through the registry (devices/index.ts).
 */
export * from "./channel.js";
export * from "./channel-type.js";
export * from "./driver.js";
export * from "./mqtt-topics.js";
