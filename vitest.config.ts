import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "devices/**/*.test.ts", "test/**/*.test.ts"],
    exclude: ["dist/**", "node_modules/**", "test/bench/**"],
    // Integration tests start real servers (Prosody, Mosquitto, socat); they bound their own waits.
    testTimeout: 90_000,
    hookTimeout: 60_000,
    pool: "forks",
    reporters: ["default"],
  },
});
