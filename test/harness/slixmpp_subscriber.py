"""An independent XEP-0060 subscriber written with slixmpp (Debian python3-slixmpp).

Usage: /usr/bin/python3 slixmpp_subscriber.py --jid J --password-env VAR --host 127.0.0.1 --port P
        --service pubsub.localhost --node N [--node N ...] [--count K] [--timeout S] [--no-tls] [--ca FILE]
        [--presence-subscribe AGENT_BARE_JID] [--stored]

Subscribes to every --node, prints one JSON line per SenML record received
({"node", "id", "bn", "n", "u", "v"|"vb"|"vs", "t"}), a line {"subscribed": [...]} once ready,
and exits after --count records or --timeout seconds. With --stored it does not subscribe: it
fetches the items each node stores (XEP-0060 section 6.5), prints them the same way
(with "stored": true) and a line {"fetched": N}, and exits. Errors go to stderr with exit code 2.
"""
import argparse
import asyncio
import json
import os
import ssl
import sys

import slixmpp
from slixmpp.exceptions import IqError, IqTimeout

SENML = "urn:ietf:params:xml:ns:senml"


class Subscriber(slixmpp.ClientXMPP):
    def __init__(self, args, password):
        super().__init__(args.jid, password)
        self.args = args
        self.received = 0
        self.done = asyncio.get_event_loop().create_future()
        self.register_plugin("xep_0030")
        self.register_plugin("xep_0060")
        self.register_plugin("xep_0199")
        self.add_event_handler("session_start", self.on_start)
        self.add_event_handler("pubsub_publish", self.on_publish)
        self.add_event_handler("failed_auth", lambda _: self.fail("authentication failed"))

    def fail(self, message):
        print(json.dumps({"error": message}), file=sys.stderr, flush=True)
        if not self.done.done():
            self.done.set_result(2)

    async def on_start(self, _event):
        self.send_presence()
        if self.args.stored:
            fetched = 0
            for node in self.args.node:
                try:
                    result = await self["xep_0060"].get_items(self.args.service, node, timeout=20)
                except (IqError, IqTimeout) as error:
                    self.fail("items of %s: %s" % (node, error))
                    return
                for item in result["pubsub"]["items"]:
                    fetched += self.emit_item(node, item, {"stored": True})
            print(json.dumps({"fetched": fetched}), flush=True)
            if not self.done.done():
                self.done.set_result(0)
            return
        if self.args.presence_subscribe:
            # PEP nodes with the presence access model need a presence subscription first.
            approved = asyncio.get_event_loop().create_future()
            self.add_event_handler("presence_subscribed", lambda p: approved.done() or approved.set_result(True))
            self.add_event_handler("presence_subscribe", lambda p: self.send_presence(pto=p["from"].bare, ptype="subscribed"))
            await self.get_roster()
            self.send_presence(pto=self.args.presence_subscribe, ptype="subscribe")
            try:
                await asyncio.wait_for(approved, timeout=10)
            except asyncio.TimeoutError:
                print(json.dumps({"presence_subscription": "not approved"}), flush=True)
        subscribed = []
        for node in self.args.node:
            try:
                await self["xep_0060"].subscribe(self.args.service, node, timeout=10)
                subscribed.append(node)
            except IqError as error:
                condition = error.iq["error"]["condition"]
                print(json.dumps({"subscribe_error": node, "condition": condition}), flush=True)
            except IqTimeout:
                self.fail("subscribe timeout on " + node)
                return
        print(json.dumps({"subscribed": subscribed}), flush=True)

    def on_publish(self, msg):
        item = msg["pubsub_event"]["items"]["item"]
        node = msg["pubsub_event"]["items"]["node"]
        self.received += self.emit_item(node, item, {})
        if self.args.count and self.received >= self.args.count and not self.done.done():
            self.done.set_result(0)

    def emit_item(self, node, item, extra):
        """Prints one line per SenML record of the item; returns how many."""
        payload = item.xml.find("{%s}sensml" % SENML)
        if payload is None:
            return 0
        bn = ""
        records = 0
        for record in payload.findall("{%s}senml" % SENML):
            bn = record.get("bn", bn)
            out = {"node": node, "id": item["id"], "bn": bn, "n": record.get("n"), **extra}
            for key in ("u", "t"):
                if record.get(key) is not None:
                    out[key] = record.get(key) if key == "u" else float(record.get(key))
            if record.get("v") is not None:
                out["v"] = float(record.get("v"))
            elif record.get("vb") is not None:
                out["vb"] = record.get("vb") == "true"
            elif record.get("vs") is not None:
                out["vs"] = record.get("vs")
            print(json.dumps(out), flush=True)
            records += 1
        return records


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--jid", required=True)
    parser.add_argument("--password-env", default="SUBSCRIBER_PASSWORD")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--service", required=True)
    parser.add_argument("--node", action="append", required=True)
    parser.add_argument("--count", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=30)
    parser.add_argument("--no-tls", action="store_true")
    parser.add_argument("--ca")
    parser.add_argument("--presence-subscribe", help="bare JID to subscribe to (presence) before the nodes")
    parser.add_argument("--stored", action="store_true", help="fetch the stored items instead of subscribing")
    args = parser.parse_args()
    xmpp = Subscriber(args, os.environ[args.password_env])
    if args.no_tls:
        xmpp["feature_mechanisms"].unencrypted_plain = True
    if args.ca:
        xmpp.ssl_context = ssl.create_default_context(cafile=args.ca)
    xmpp.connect((args.host, args.port), force_starttls=not args.no_tls, disable_starttls=args.no_tls)
    try:
        code = await asyncio.wait_for(xmpp.done, timeout=args.timeout)
    except asyncio.TimeoutError:
        code = 0 if not args.count else 3
        print(json.dumps({"timeout": True, "received": xmpp.received}), file=sys.stderr, flush=True)
    xmpp.disconnect()
    await asyncio.sleep(0.2)
    sys.exit(code)


if __name__ == "__main__":
    asyncio.run(main())
