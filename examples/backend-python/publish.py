#!/usr/bin/env python3
"""A Python backend publishing mail through the server HTTP API (docs/api.md).

Standard library only; an API key of scope `publish`:

    POSTOFFICE_API_KEY=... python3 examples/backend-python/publish.py --room lobby "Maintenance at 22:00"
    POSTOFFICE_API_KEY=... python3 examples/backend-python/publish.py --to ann --to bob "Hello"

The Idempotency-Key makes retries safe: the mail lands once however often this runs with the
same key. A 503 is retried after its Retry-After; any other error is final.
"""
import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request
import uuid


def publish(base, key, body, idempotency_key, attempts=5):
    """POST /api/v1/publish; the accepted items, or raises RuntimeError with the error."""
    data = json.dumps(body).encode()
    for attempt in range(1, attempts + 1):
        request = urllib.request.Request(
            base.rstrip("/") + "/api/v1/publish",
            data=data,
            method="POST",
            headers={
                "Authorization": "Bearer " + key,
                "Content-Type": "application/json",
                "Idempotency-Key": idempotency_key,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.load(response)["accepted"]
        except urllib.error.HTTPError as error:
            answer = json.load(error)["error"]
            if error.code != 503 or attempt == attempts:
                raise RuntimeError("%s: %s" % (answer["code"], answer["message"])) from None
            time.sleep(float(error.headers.get("Retry-After", "1")))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--to", action="append", help="a recipient; repeat for several")
    target.add_argument("--room", help="a room's members get it")
    target.add_argument("--broadcast", action="store_true", help="everyone connected gets it")
    parser.add_argument("text", nargs="+")
    args = parser.parse_args()
    key = os.environ.get("POSTOFFICE_API_KEY")
    if not key:
        parser.error("set POSTOFFICE_API_KEY")
    base = os.environ.get("POSTOFFICE_API_URL", "http://localhost:8080")
    if args.to:
        body = {"to": args.to[0] if len(args.to) == 1 else args.to}
    elif args.room:
        body = {"room": args.room}
    else:
        body = {"broadcast": True}
    body["data"] = {"text": " ".join(args.text)}
    idempotency_key = os.environ.get("IDEMPOTENCY_KEY") or str(uuid.uuid4())
    try:
        accepted = publish(base, key, body, idempotency_key)
    except RuntimeError as error:
        print("refused: %s" % error, file=sys.stderr)
        return 1
    for item in accepted:
        where = item.get("to") or ("room " + item["room"] if "room" in item else "everyone")
        print("accepted: mail %s to %s" % (item["id"], where))
    return 0


if __name__ == "__main__":
    sys.exit(main())
