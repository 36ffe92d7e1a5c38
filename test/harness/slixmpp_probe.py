"""An independent XMPP client (slixmpp) that looks at the agent the way a user's client would.

Usage: /usr/bin/python3 slixmpp_probe.py --jid J --password-env VAR --port P --agent FULL_JID [--no-tls]
        [--wait-unavailable S]

Subscribes to the agent's presence, then prints JSON lines:
  {"presence": {"show", "status", "caps_node", "caps_ver", "caps_hash"}}   for each presence from the agent
  {"disco": {"identities": [[category, type, name]], "features": [...]}}
  {"ping_ms": N}
  {"unavailable": "status text"}   when the agent goes offline (waits up to --wait-unavailable seconds)
"""
import argparse
import asyncio
import json
import os
import sys
import time

import slixmpp

CAPS = "http://jabber.org/protocol/caps"


class Probe(slixmpp.ClientXMPP):
    def __init__(self, args, password):
        super().__init__(args.jid, password)
        self.args = args
        self.agent = slixmpp.JID(args.agent)
        self.first_presence = asyncio.get_event_loop().create_future()
        self.gone = asyncio.get_event_loop().create_future()
        for plugin in ("xep_0030", "xep_0199", "xep_0115"):
            self.register_plugin(plugin)
        self.add_event_handler("session_start", self.on_start)
        # slixmpp names the event after <show/>: an agent with a failing device sends show=xa.
        for kind in ("available", "xa", "away", "dnd", "chat"):
            self.add_event_handler("presence_" + kind, self.on_available)
        self.add_event_handler("presence_unavailable", self.on_unavailable)
        self.add_event_handler("presence_subscribe", lambda p: self.send_presence(pto=p["from"].bare, ptype="subscribed"))

    def emit(self, obj):
        print(json.dumps(obj), flush=True)

    async def on_start(self, _event):
        self.send_presence()
        await self.get_roster()
        self.send_presence(pto=self.agent.bare, ptype="subscribe")

    def on_available(self, presence):
        if presence["from"] != self.agent:
            return
        caps = presence.xml.find("{%s}c" % CAPS)
        self.emit({"presence": {
            "show": presence["show"], "status": presence["status"],
            "caps_node": caps.get("node") if caps is not None else None,
            "caps_ver": caps.get("ver") if caps is not None else None,
            "caps_hash": caps.get("hash") if caps is not None else None,
        }})
        if not self.first_presence.done():
            self.first_presence.set_result(True)

    def on_unavailable(self, presence):
        if presence["from"] == self.agent and not self.gone.done():
            self.emit({"unavailable": presence["status"]})
            self.gone.set_result(True)


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--jid", required=True)
    parser.add_argument("--password-env", default="PROBE_PASSWORD")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--agent", required=True)
    parser.add_argument("--no-tls", action="store_true")
    parser.add_argument("--wait-unavailable", type=float, default=0)
    args = parser.parse_args()
    probe = Probe(args, os.environ[args.password_env])
    if args.no_tls:
        probe["feature_mechanisms"].unencrypted_plain = True
    probe.connect((args.host, args.port), force_starttls=not args.no_tls, disable_starttls=args.no_tls)
    try:
        await asyncio.wait_for(probe.first_presence, timeout=20)
        info = await probe["xep_0030"].get_info(jid=args.agent, timeout=10)
        probe.emit({"disco": {
            "identities": [list(i[:2]) + [i[3]] for i in info["disco_info"]["identities"]],
            "features": sorted(info["disco_info"]["features"]),
        }})
        started = time.monotonic()
        await probe["xep_0199"].ping(jid=args.agent, timeout=10)
        probe.emit({"ping_ms": round((time.monotonic() - started) * 1000, 2)})
        probe.emit({"ready": True})
        if args.wait_unavailable:
            await asyncio.wait_for(probe.gone, timeout=args.wait_unavailable)
    except Exception as error:  # report, do not hide: the test prints stderr on failure
        print(json.dumps({"error": repr(error)}), file=sys.stderr, flush=True)
        probe.disconnect()
        await asyncio.sleep(0.2)
        sys.exit(2)
    probe.disconnect()
    await asyncio.sleep(0.2)


if __name__ == "__main__":
    asyncio.run(main())
