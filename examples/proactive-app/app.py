#!/usr/bin/env python3
"""A small Omi app for `make demo` and as a starting point: a webhook receiver (Python standard library only).

- transcript_processed (POST /transcript?uid=...): prints the new segments; when one mentions a word of
  TRIGGER_WORDS it answers with a proactive `notification` object (omi-contract section 4), which the bridge
  turns into a notification in the feed ("<app name> says ...").
- memory_creation (POST /memory?uid=...): prints the conversation's title and segment count.

Every request is appended as one JSON line to --log (method, path, body) so scripts and tests can check it.
Usage: app.py [--port 0] [--log calls.jsonl]   (prints "listening on http://127.0.0.1:PORT")
"""
import argparse
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TRIGGER_WORDS = ("deck", "remember", "remind")


class Handler(BaseHTTPRequestHandler):
    log_file = None

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            self.answer(400, {"error": "body is not JSON"})
            return
        self.record(body)
        if self.path.startswith("/transcript"):
            segments = body.get("segments") or []
            text = " ".join(s.get("text", "") for s in segments)
            print(f"app: transcript_processed, {len(segments)} new segment(s): {text}", flush=True)
            if any(word in text.lower() for word in TRIGGER_WORDS):
                self.answer(200, {"notification": {
                    "prompt": "{{user_name}} just said: \"" + text + "\". Remind them of it in one short sentence.",
                    "params": ["user_name"],
                }})
                return
            self.answer(200, {})
        elif self.path.startswith("/memory"):
            title = (body.get("structured") or {}).get("title", "")
            count = len(body.get("transcript_segments") or [])
            print(f"app: memory_creation, '{title}', {count} segment(s)", flush=True)
            self.answer(200, {})
        else:
            self.answer(404, {"error": f"no route {self.path}"})

    def record(self, body):
        if self.log_file:
            with open(self.log_file, "a", encoding="utf-8") as f:
                f.write(json.dumps({"path": self.path, "body": body}) + "\n")

    def answer(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):  # the bridge logs every call itself
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--log")
    args = parser.parse_args()
    Handler.log_file = args.log
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
