import type { DeliveryLink, Transport } from "./types.js";

/** A client that announces its link with "online" and "offline" events (the XMPP connection, the MQTT client). */
export interface LinkEventSource<Online, Offline> {
  on(event: "online", listener: (payload: Online) => void): unknown;
  on(event: "offline", listener: (payload: Offline) => void): unknown;
  off(event: "online", listener: (payload: Online) => void): unknown;
  off(event: "offline", listener: (payload: Offline) => void): unknown;
}

/**
 * A transport's `attach`/`detach` for a client with link events: what each event's payload means
 * to the engine (a resumed session? a stream error that a send may have caused?) is all it needs.
 */
export function followLinkEvents<Online, Offline>(
  events: LinkEventSource<Online, Offline>,
  meaning: { resumed(payload: Online): boolean; cause(payload: Offline): string | undefined },
): Pick<Transport, "attach" | "detach"> & { current(): DeliveryLink | undefined } {
  let link: DeliveryLink | undefined;
  const online = (payload: Online): void => link?.online(meaning.resumed(payload));
  const offline = (payload: Offline): void => link?.offline(meaning.cause(payload));
  return {
    current: () => link,
    attach(to) {
      link = to;
      events.on("online", online);
      events.on("offline", offline);
    },
    detach() {
      events.off("online", online);
      events.off("offline", offline);
      link = undefined;
    },
  };
}
