"""Sends Segment calls through segment-analytics-python, as an application would, and reports.

Reads one JSON plan on standard input:

    {"host": "http://127.0.0.1:PORT", "write_key": "...", "gzip": false,
     "calls": [{"method": "track", "args": {"user_id": "...", "event": "...", ...}}, ...]}

`args` are the keyword arguments of the client's method; a `timestamp` given as ISO-8601 text is
turned into the `datetime` the library expects. Every call goes through the library's queue and
consumer thread; then `flush()` waits until the queue is drained.

Writes one JSON object on standard output:

    {"version": "2.4.0",
     "messages": [<each message as the library queued it: messageId, timestamp, context.library>],
     "requests": [{"url": ..., "status": ..., "headers": {...}, "body": <the JSON the library posted>}],
     "errors": ["<what on_error reported>"]}

Exits 0 when every call was queued and nothing was reported to on_error, 1 otherwise. The library
retries failures with backoff, so the plan may set `max_retries` (default 2) to keep a refused
request from taking minutes.
"""

import gzip as gzip_module
import json
import sys
from datetime import datetime

import segment.analytics.request as segment_request
from segment.analytics.client import Client
from segment.analytics.version import VERSION


def recording_session(requests_seen):
    """Wraps the library's HTTP session so the test sees the exact bodies it sent."""
    session = segment_request._session
    original_post = session.post

    def post(url, data=None, **kwargs):
        response = original_post(url, data=data, **kwargs)
        raw = data
        if isinstance(raw, bytes) and raw[:2] == b"\x1f\x8b":
            raw = gzip_module.decompress(raw)
        if isinstance(raw, bytes):
            raw = raw.decode("utf-8")
        requests_seen.append(
            {
                "url": url,
                "status": response.status_code,
                "headers": {
                    k: v for k, v in (kwargs.get("headers") or {}).items() if k.lower() != "authorization"
                },
                "body": json.loads(raw) if raw else None,
            }
        )
        return response

    session.post = post


def parse_args(args):
    args = dict(args)
    timestamp = args.get("timestamp")
    if isinstance(timestamp, str):
        args["timestamp"] = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    return args


def main():
    plan = json.load(sys.stdin)
    requests_seen = []
    errors = []
    recording_session(requests_seen)

    def on_error(error, batch):
        errors.append(f"{type(error).__name__}: {error} ({len(batch)} messages)")

    client = Client(
        write_key=plan["write_key"],
        host=plan["host"],
        gzip=bool(plan.get("gzip", False)),
        on_error=on_error,
        max_retries=int(plan.get("max_retries", 2)),
        timeout=10,
        upload_interval=0.05,
    )
    messages = []
    for call in plan["calls"]:
        method = getattr(client, call["method"])
        queued, message = method(**parse_args(call["args"]))
        if not queued:
            errors.append(f"{call['method']} was not queued")
        messages.append(message)
    client.flush()
    client.join()

    json.dump({"version": VERSION, "messages": messages, "requests": requests_seen, "errors": errors}, sys.stdout)
    sys.stdout.write("\n")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
