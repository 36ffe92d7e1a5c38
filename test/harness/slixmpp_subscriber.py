"""An independent XEP-0060 subscriber written with slixmpp (Debian python3-slixmpp).

Usage: /usr/bin/python3 slixmpp_subscriber.py --jid J --password-env VAR --host 127.0.0.1 --port P
        --service pubsub.localhost --node N [--node N ...] [--count K] [--timeout S] [--no-tls] [--ca FILE]
        [--presence-subscribe AGENT_BARE_JID] [--stored] [--with-last]

Subscribes to every --node, prints one JSON line per SenML record received, resolved per
RFC 8428 section 4.6 (base name + name, base time + time, base unit when the record has none,
base value + value): {"node", "id", "name", "bn", "n", "u", "v"|"vb"|"vs", "t", "q"}, where
"name" is the resolved name, "n" its last segment (the channel) and "bn" the rest, so a single
record and a pack print the same; "t" is absolute; "q" lists quality flags. With --raw each line
also holds "raw": the record's attributes as sent. A line {"subscribed": [...]} is printed once
ready; it exits after --count records or --timeout seconds. With --stored it does not subscribe: it
fetches the items each node stores (XEP-0060 section 6.5), prints them the same way
(with "stored": true) and a line {"fetched": N}, and exits. Errors go to stderr with exit code 2.
The agent's nodes send their last item on subscription (pubsub#send_last_published_item =
on_sub): that copy of an item published before the subscription is not printed unless --with-last.
"""
import argparse
import asyncio
import json
import os
import ssl
import sys
import time

import slixmpp
from slixmpp.exceptions import IqError, IqTimeout

SENML = "urn:ietf:params:xml:ns:senml"
QUALITY = "urn:xmpp-iot:quality:0"
SENML_VERSION = 10
# RFC 8428 section 4.5.3: resolved times below 2**28 are relative to now.
RELATIVE_TIME_LIMIT = 2 ** 28


def decimals(text):
    if text is None or "." not in text or "e" in text.lower():
        return 0
    return len(text) - text.index(".") - 1


def resolve(records, now):
    """RFC 8428 section 4.6: yields (resolved dict, raw attributes) for each record with a value."""
    bn, bt, bu, bv = "", None, None, 0.0
    for record in records:
        a = dict(record.attrib)
        if a.get("bver") is not None and not float(a["bver"]) <= SENML_VERSION:
            raise ValueError("SenML bver=%s not understood" % a["bver"])
        bn = a.get("bn", bn)
        bt = a.get("bt", bt)
        if a.get("bu") is not None:
            bu = a["bu"] or None  # an empty bu clears the base unit, as in src/senml/decode.ts
        if a.get("bv") is not None:
            bv = float(a["bv"])
        out = {}
        if a.get("v") is not None:
            out["v"] = float(a["v"]) + bv
        elif a.get("vb") is not None:
            out["vb"] = a["vb"] == "true"
        elif a.get("vs") is not None:
            out["vs"] = a["vs"]
        else:
            continue
        name = bn + a.get("n", "")
        out["name"] = name
        out["bn"], _, out["n"] = name.rpartition("/")
        if out["bn"]:
            out["bn"] += "/"
        unit = a.get("u", bu)
        if unit is not None:
            out["u"] = unit
        t = a.get("t")
        if bt is not None or t is not None:
            total = float(bt or 0) + float(t or 0)
            places = min(6, max(decimals(bt), decimals(t)))
            if bt is not None and places:
                total = round(total, places)
            out["t"] = now + total if total < RELATIVE_TIME_LIMIT else total
        q = a.get("{%s}q" % QUALITY)
        if q:
            out["q"] = q.split()
        yield out, a


class Subscriber(slixmpp.ClientXMPP):
    def __init__(self, args, password):
        super().__init__(args.jid, password)
        self.args = args
        self.received = 0
        # node -> id of its last item before subscribing: the on_sub copy of it is skipped once
        self.last_before = {}
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
            if not self.args.with_last:
                try:
                    result = await self["xep_0060"].get_items(self.args.service, node, max_items=1, timeout=10)
                    for item in result["pubsub"]["items"]:
                        self.last_before[node] = item["id"]
                except (IqError, IqTimeout):
                    pass  # no items yet, or not allowed: the subscription says which
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
        if self.last_before.get(node) == item["id"]:
            del self.last_before[node]  # the on_sub copy of an item published before we subscribed
            return
        self.received += self.emit_item(node, item, {})
        if self.args.count and self.received >= self.args.count and not self.done.done():
            self.done.set_result(0)

    def emit_item(self, node, item, extra):
        """Prints one line per SenML record of the item; returns how many."""
        payload = item.xml.find("{%s}sensml" % SENML)
        if payload is None:
            return 0
        try:
            resolved = list(resolve(payload.findall("{%s}senml" % SENML), time.time()))
        except ValueError as error:
            print(json.dumps({"bad_item": item["id"], "node": node, "error": str(error)}), flush=True)
            return 0
        records = 0
        for record, raw in resolved:
            out = {"node": node, "id": item["id"], **record, **extra}
            if self.args.raw:
                out["raw"] = raw
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
    parser.add_argument("--raw", action="store_true", help="add each record's attributes as sent")
    parser.add_argument("--presence-subscribe", help="bare JID to subscribe to (presence) before the nodes")
    parser.add_argument("--with-last", action="store_true", help="also print the last item the node sends on subscription")
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
