/** Helpers of connection.ts for one connect attempt. */
interface Emitter {
  on(event: string, listener: (...args: any[]) => void): unknown;
  off(event: string, listener: (...args: any[]) => void): unknown;
}

/** Resolves when the session is up (new or resumed); rejects on an error or a closed socket. */
export function waitForSession(entity: Emitter, sm: Emitter | undefined): { promise: Promise<void>; cancel(): void } {
  let cancel = (): void => undefined;
  const promise = new Promise<void>((resolve, reject) => {
    const onOnline = (): void => { cancel(); resolve(); };
    const onError = (error: unknown): void => { cancel(); reject(error); };
    const onClosed = (): void => { cancel(); reject(SOCKET_CLOSED); };
    entity.on("online", onOnline);
    sm?.on("resumed", onOnline);
    entity.on("error", onError);
    entity.on("disconnect", onClosed);
    cancel = () => {
      entity.off("online", onOnline);
      sm?.off("resumed", onOnline);
      entity.off("error", onError);
      entity.off("disconnect", onClosed);
    };
  });
  promise.catch(() => undefined); // awaited later, or not at all when an earlier step failed
  return { promise, cancel: () => cancel() };
}

/** Rejection value of waitForSession when the socket closed before the session was up. */
export const SOCKET_CLOSED = Symbol("the socket closed");

export function pick(error: unknown, key: "condition" | "text"): { [K in typeof key]?: string } {
  const value = (error as Record<string, unknown>)[key];
  return typeof value === "string" && value !== "" ? { [key]: value } : {};
}

/** Rejects with a TimeoutError (xmpp.js's name for it) after `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(""), { name: "TimeoutError" })), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
