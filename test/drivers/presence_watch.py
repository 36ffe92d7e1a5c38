"""Watches the agent's presence with slixmpp and prints every change as a JSON line.

Usage: /usr/bin/python3 presence_watch.py --jid J --password-env VAR --port P --agent FULL_JID [--timeout S]

Prints {"ready": true} once subscribed, then {"show": "xa"|"", "status": "..."} for each presence
from the agent. It listens to the generic "presence" event: slixmpp names the typed event after
the <show/> value (presence_xa, presence_away), so a presence_available handler misses them.
"""
import argparse
import asyncio
import json
import os

import slixmpp


class Watch(slixmpp.ClientXMPP):
    def __init__(self, args, password):
        super().__init__(args.jid, password)
        self.agent = slixmpp.JID(args.agent)
        self.add_event_handler("session_start", self.on_start)
        self.add_event_handler("presence", self.on_presence)
        self.add_event_handler("presence_subscribe", lambda p: self.send_presence(pto=p["from"].bare, ptype="subscribed"))
        self.add_event_handler("presence_subscribed", lambda p: print(json.dumps({"ready": True}), flush=True))

    async def on_start(self, _event):
        self.send_presence()
        await self.get_roster()
        self.send_presence(pto=self.agent.bare, ptype="subscribe")

    def on_presence(self, presence):
        if presence["from"] != self.agent or presence["type"] in ("subscribe", "subscribed", "unsubscribe", "unsubscribed", "error"):
            return
        print(json.dumps({"show": presence["show"], "status": presence["status"], "type": presence["type"]}), flush=True)


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--jid", required=True)
    parser.add_argument("--password-env", default="WATCH_PASSWORD")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--agent", required=True)
    parser.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args()
    watch = Watch(args, os.environ[args.password_env])
    watch["feature_mechanisms"].unencrypted_plain = True
    watch.connect(("127.0.0.1", args.port), disable_starttls=True)
    await asyncio.sleep(args.timeout)
    watch.disconnect()
    await asyncio.sleep(0.2)


if __name__ == "__main__":
    asyncio.run(main())
