#!/usr/bin/env python3
"""Postoffice from Python, with the raw protocol over websocket-client.

Authenticates with an `auth` frame, sends one mail (when a recipient is given), prints the
mail that arrives and acknowledges it, and exits after --count mails or --timeout seconds.

    POSTOFFICE_URL=ws://localhost:8080/ws POSTOFFICE_TOKEN=$(npx postoffice token --sub bob) \\
        python3 examples/python/client.py alice "Hello, Alice" --count 1

Needs websocket-client (Debian: apt install python3-websocket; pip: websocket-client);
the standard library otherwise. Exit status: 0 when done (--count reached, the --timeout of
a plain listener, Ctrl-C), 1 when refused, disconnected or --count was not reached in time,
2 for a usage error.
"""

import argparse
import json
import os
import struct
import sys
import time
import uuid

try:
    import websocket  # websocket-client
except ImportError:
    sys.exit(
        "This example needs websocket-client: apt install python3-websocket "
        "(Debian's /usr/bin/python3), or pip install websocket-client."
    )

PROTOCOL = "postoffice.v1"


class Closed(Exception):
    """The server closed the connection (code and reason in the message)."""


def main():
    parser = argparse.ArgumentParser(
        description="Send mail to a Postoffice user, print and acknowledge the mail that arrives.",
        epilog="environment: POSTOFFICE_URL (default ws://localhost:8080/ws), POSTOFFICE_TOKEN "
        "(required; get one with: npx postoffice token --sub alice)",
    )
    parser.add_argument("to", nargs="?", help="the user to send a mail to (none: only listen)")
    parser.add_argument("text", nargs="*", help='the mail\'s text (default: "Hello from Python")')
    parser.add_argument("--count", type=int, default=0, help="exit after N mails (default: no limit)")
    parser.add_argument(
        "--timeout",
        type=float,
        default=None,
        help="give up after N seconds (default with --count: 30; otherwise none)",
    )
    args = parser.parse_args()
    url = os.environ.get("POSTOFFICE_URL") or "ws://localhost:8080/ws"
    token = os.environ.get("POSTOFFICE_TOKEN")
    if not token:
        parser.error("set POSTOFFICE_TOKEN")
    if args.count < 0:
        parser.error("--count must be 0 or more")
    timeout = args.timeout if args.timeout is not None else (30.0 if args.count else 0.0)
    deadline = time.monotonic() + timeout if timeout > 0 else None

    try:
        return run(url, token, args, deadline)
    except KeyboardInterrupt:
        return 0
    except Closed as closed:
        print(f"connection closed: {closed}", file=sys.stderr, flush=True)
        return 1
    except (OSError, websocket.WebSocketException) as error:
        print(f"connection to {url} failed: {error}", file=sys.stderr, flush=True)
        return 1


def run(url, token, args, deadline):
    ws = websocket.create_connection(url, subprotocols=[PROTOCOL], timeout=10)
    try:
        # 1. Authenticate: the first frame carries the token. Without `since`, the mailbox is
        #    replayed from after the last acknowledged mail.
        send(ws, {"type": "auth", "id": "auth", "data": {"token": token}})
        while True:
            frame = receive(ws, deadline)
            if frame is None:
                print("timed out waiting for the welcome", file=sys.stderr, flush=True)
                return 1
            if frame["type"] == "welcome":
                print(f"connected as {frame['data']['user']}", flush=True)
                break
            if frame["type"] == "error":
                report_error(frame)
                return 1

        # 2. Send one mail. A fresh frame id per send; reuse it only to retry that send.
        if args.to:
            text = " ".join(args.text) or "Hello from Python"
            send(ws, {"type": "message", "id": str(uuid.uuid4()), "data": {"to": args.to, "text": text}})

        # 3. Print what arrives, acknowledging each mailbox entry (mail, delivered/read receipts).
        received = 0
        while not args.count or received < args.count:
            frame = receive(ws, deadline)
            if frame is None:
                if args.count:
                    print(
                        f"timed out after {received} of {args.count} mails",
                        file=sys.stderr,
                        flush=True,
                    )
                    return 1
                return 0
            kind, data = frame["type"], frame.get("data", {})
            if kind == "message" and "to" in data:
                body = data["body"]
                text = body["text"] if isinstance(body.get("text"), str) else json.dumps(body)
                print(f"mail #{data['seq']} from {data['from']}: {text}", flush=True)
                received += 1
            elif kind == "receipt" and data["status"] == "accepted":
                print(f"sent to {data.get('to')}: accepted (mail {data['id']})", flush=True)
            elif kind == "receipt":
                print(f"receipt {data['status']}: mail {data['id']} to {data.get('to')}", flush=True)
            elif kind == "error":
                report_error(frame)
            if "seq" in data and "room" not in data:
                # Cumulative: everything up to this seq was received. Room messages have the
                # room's seq, not a mailbox position, and are never acknowledged.
                send(ws, {"type": "ack", "data": {"seq": data["seq"]}})

        # 4. Before closing, wait for the acks to be stored: a `ping` is answered only after
        #    every earlier frame has been handled. Frames still queued at the close are dropped.
        send(ws, {"type": "ping", "id": "bye"})
        while True:
            frame = receive(ws, time.monotonic() + 5)
            if frame is None or (frame["type"] == "pong" and frame.get("ref") == "bye"):
                return 0
    finally:
        ws.close()


def send(ws, frame):
    ws.send(json.dumps(frame))


def receive(ws, deadline):
    """The next frame, or None once the deadline (None: no deadline) has passed."""
    while True:
        if deadline is None:
            ws.settimeout(None)
        else:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            ws.settimeout(remaining)
        try:
            opcode, payload = ws.recv_data()  # answers the server's pings by itself
        except websocket.WebSocketTimeoutException:
            return None
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
            raise Closed(f"{code} {payload[2:].decode('utf-8', 'replace')}".strip())
        if opcode == websocket.ABNF.OPCODE_TEXT:
            return json.loads(payload.decode("utf-8"))


def report_error(frame):
    data = frame.get("data", {})
    reason = f" ({data['reason']})" if "reason" in data else ""
    print(f"error: {data.get('code')}{reason}: {data.get('message')}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
