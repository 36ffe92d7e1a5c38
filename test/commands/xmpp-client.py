"""An independent XMPP client (slixmpp) driven line by line from a test.

argv: host port jid password. stdin: one JSON request per line; stdout: one JSON reply per line
({"id":..., "ok":true, ...} or {"id":..., "ok":false, "error":...}). Incoming chat, groupchat
and pubsub event items are buffered (bounded) and fetched with "wait_messages" / "wait_items".
Only slixmpp's own plugins speak the protocols: xep_0030, xep_0004, xep_0050, xep_0045, xep_0060.
"""
import asyncio
import json
import os
import sys
import xml.etree.ElementTree as ET
from collections import deque

import slixmpp
from slixmpp.exceptions import IqError, IqTimeout

NS_CMD = "http://jabber.org/protocol/commands"
NS_DATA = "jabber:x:data"
NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"


def iq_error(err):
    xml = err.iq.xml.find("{jabber:client}error")
    conditions = [c.tag.split("}")[1] for c in list(xml)] if xml is not None else []
    return {"condition": err.iq["error"]["condition"], "conditions": conditions, "type": err.iq["error"]["type"]}


def parse_command(iq):
    cmd = iq.xml.find("{%s}command" % NS_CMD)
    out = {"status": cmd.get("status"), "sessionid": cmd.get("sessionid"), "node": cmd.get("node"),
           "notes": [], "fields": [], "actions": None, "rows": [], "formType": None}
    for note in cmd.findall("{%s}note" % NS_CMD):
        out["notes"].append({"type": note.get("type", "info"), "text": note.text or ""})
    actions = cmd.find("{%s}actions" % NS_CMD)
    if actions is not None:
        out["actions"] = {"execute": actions.get("execute"), "allowed": [a.tag.split("}")[1] for a in list(actions)]}
    form = cmd.find("{%s}x" % NS_DATA)
    if form is not None:
        out["formType"] = form.get("type")
        out["title"] = form.findtext("{%s}title" % NS_DATA)
        for f in form.findall("{%s}field" % NS_DATA):
            out["fields"].append({"var": f.get("var"), "type": f.get("type"), "label": f.get("label"),
                                  "required": f.find("{%s}required" % NS_DATA) is not None,
                                  "values": [v.text or "" for v in f.findall("{%s}value" % NS_DATA)],
                                  "options": [o.findtext("{%s}value" % NS_DATA) for o in f.findall("{%s}option" % NS_DATA)]})
        for item in form.findall("{%s}item" % NS_DATA):
            out["rows"].append({f.get("var"): f.findtext("{%s}value" % NS_DATA) for f in item.findall("{%s}field" % NS_DATA)})
    return out


class Client(slixmpp.ClientXMPP):
    def __init__(self, jid, password):
        super().__init__(jid, password)
        for p in ("xep_0030", "xep_0004", "xep_0050", "xep_0045", "xep_0060", "xep_0199"):
            self.register_plugin(p)
        # XMPP_CLIENT_PHONE=1: behave like a phone app (Conversations, Monal): request receipts
        # (XEP-0184), send typing notifications (XEP-0085), enable carbons (XEP-0280).
        self.phone = os.environ.get("XMPP_CLIENT_PHONE") == "1"
        if self.phone:
            for p in ("xep_0184", "xep_0085", "xep_0280"):
                self.register_plugin(p)
            self["xep_0184"].auto_request = True
        self.messages = deque(maxlen=500)
        self.items = deque(maxlen=500)
        self.online = asyncio.get_event_loop().create_future()
        self.add_event_handler("session_start", self.on_start)
        self.add_event_handler("failed_auth", lambda *_: self.online.done() or self.online.set_exception(RuntimeError("auth failed")))
        self.add_event_handler("message", self.on_message)
        self.add_event_handler("pubsub_publish", self.on_item)
        self.presences = deque(maxlen=200)
        for kind in ("subscribed", "unsubscribed", "subscribe"):
            self.add_event_handler("presence_" + kind, lambda p, k=kind: self.presences.append({"type": k, "from": str(p["from"])}))

    async def on_start(self, _):
        self.send_presence()
        await self.get_roster()
        if self.phone:
            await self["xep_0280"].enable()
        if not self.online.done():
            self.online.set_result(True)

    def on_message(self, msg):
        if msg["body"] and msg["type"] in ("chat", "normal", "groupchat"):
            self.messages.append({"type": msg["type"], "from": str(msg["from"]), "body": msg["body"]})

    def on_item(self, msg):
        item = msg["pubsub_event"]["items"]["item"]
        payload = item.xml.find("*")
        self.items.append({"node": msg["pubsub_event"]["items"]["node"], "id": item["id"],
                           "payload": ET.tostring(payload, encoding="unicode") if payload is not None else ""})


async def handle(c, req):
    op = req["op"]
    to = req.get("to")
    if op == "items":
        iq = await c["xep_0030"].get_items(jid=to, node=NS_CMD, timeout=10)
        return {"items": [{"jid": str(j), "node": n, "name": name} for (j, n, name) in iq["disco_items"]["items"]]}
    if op == "info":
        iq = await c["xep_0030"].get_info(jid=to, node=req["node"], timeout=10)
        return {"identities": [list(i) for i in iq["disco_info"]["identities"]], "features": sorted(iq["disco_info"]["features"])}
    if op == "command":
        payload = None
        if "form" in req:
            payload = c["xep_0004"].make_form(ftype="submit")
            for var, value in req["form"].items():
                payload.add_field(var=var, value=value)
        iq = await c["xep_0050"].send_command(to, req["node"], action=req.get("action", "execute"),
                                               payload=payload, sessionid=req.get("sessionid"), timeout=10)
        return parse_command(iq)
    if op == "chat":
        if c.phone:
            # What a phone app sends around one line: composing while typing, the line, then active.
            composing = c.make_message(mto=to, mtype="chat")
            composing["chat_state"] = "composing"
            composing.send()
            line = c.make_message(mto=to, mbody=req["body"], mtype="chat")
            line["chat_state"] = "active"
            line.send()
            return {}
        c.send_message(mto=to, mbody=req["body"], mtype="chat")
        return {}
    if op == "groupchat":
        c.send_message(mto=req["room"], mbody=req["body"], mtype="groupchat")
        return {}
    if op == "join":
        await c["xep_0045"].join_muc_wait(slixmpp.JID(req["room"]), req["nick"], maxstanzas=0, timeout=10)
        return {}
    if op == "wait_messages":
        deadline = asyncio.get_event_loop().time() + req.get("timeout", 10)
        want = req.get("count", 1)
        while True:
            found = [m for m in c.messages if (req.get("type") in (None, m["type"])) and req.get("contains", "") in m["body"]
                     and req.get("from", "") in m["from"]]
            if len(found) >= want or asyncio.get_event_loop().time() >= deadline:
                found = found[:want]
                for m in found:
                    c.messages.remove(m)
                return {"messages": found}
            await asyncio.sleep(0.05)
    if op == "presence_subscribe":
        c.send_presence(pto=to, ptype="subscribe")
        deadline = asyncio.get_event_loop().time() + req.get("timeout", 5)
        while asyncio.get_event_loop().time() < deadline:
            got = [p for p in c.presences if p["type"] in ("subscribed", "unsubscribed")]
            if got:
                return {"answer": got[0]["type"]}
            await asyncio.sleep(0.05)
        return {"answer": None}
    if op == "subscribe":
        iq = await c["xep_0060"].subscribe(to, req["node"], timeout=10)
        return {"subscription": iq["pubsub"]["subscription"]["subscription"]}
    if op == "wait_items":
        deadline = asyncio.get_event_loop().time() + req.get("timeout", 10)
        while True:
            found = [i for i in c.items if i["node"] == req["node"] and req.get("contains", "") in i["payload"]]
            if found or asyncio.get_event_loop().time() >= deadline:
                return {"items": found}
            await asyncio.sleep(0.05)
    raise ValueError("unknown op " + op)


async def main():
    host, port, jid, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    c = Client(jid, password)
    ca = os.environ.get("XMPP_CLIENT_CA")
    if ca:
        # STARTTLS against a private server whose certificate is trusted by this file (the demo's).
        c.ca_certs = ca
        c.connect((host, port), force_starttls=True)
    else:
        c.connect((host, port), force_starttls=False, disable_starttls=True)
    try:
        await asyncio.wait_for(c.online, 15)
    except Exception as e:
        print(json.dumps({"id": 0, "ok": False, "error": {"text": "login failed: %s" % e}}), flush=True)
        return
    print(json.dumps({"id": 0, "ok": True, "ready": True}), flush=True)
    loop = asyncio.get_event_loop()
    # Requests may carry large form values (a 100 kB field): past asyncio's 64 KiB default line limit.
    reader = asyncio.StreamReader(limit=4 * 1024 * 1024)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while True:
        line = await reader.readline()
        if not line:
            break
        req = json.loads(line)
        if req["op"] == "quit":
            break
        try:
            out = {"id": req["id"], "ok": True, **(await handle(c, req))}
        except IqError as e:
            out = {"id": req["id"], "ok": False, "error": iq_error(e)}
        except IqTimeout:
            out = {"id": req["id"], "ok": False, "error": {"condition": "timeout"}}
        except Exception as e:  # report, keep serving
            out = {"id": req["id"], "ok": False, "error": {"text": repr(e)}}
        print(json.dumps(out), flush=True)
    c.disconnect()
    await asyncio.sleep(0.2)


asyncio.run(main())
