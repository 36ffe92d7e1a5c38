/**
 * Ends the process by `signal` after a clean shutdown (the Unix convention for "terminated by
 * this signal"). Used for SIGHUP: the unit's RestartForceExitStatus=SIGHUP makes systemd start a
 * fresh process with the new config, so "reload" is a clean restart (see docs/deployment.md).
 */
export function dieBySignal(signal: NodeJS.Signals): Promise<never> {
  // With no listener left, Node restores the default action, which terminates the process.
  process.removeAllListeners(signal);
  // Keeps the event loop alive until the signal lands; if it somehow does not, a non-zero exit
  // still makes Restart=on-failure start the agent again.
  setTimeout(() => process.exit(129), 2000);
  process.kill(process.pid, signal);
  return new Promise<never>(() => undefined);
}
