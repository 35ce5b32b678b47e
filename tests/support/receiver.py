"""A real HTTP server on 127.0.0.1 that records what is POSTed to it (for webhooks), and a
verifier of their signatures written from the README's description alone."""

from __future__ import annotations

import hashlib
import hmac
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self, port: int = 0, status: int = 200) -> None:
        self.received: list[tuple[dict, bytes]] = []
        self.status = status
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                owner.received.append((dict(self.headers), body))
                self.send_response(owner.status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks/tracker"

    @contextmanager
    def running(self):
        thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.server.shutdown()
            self.server.server_close()
            thread.join(5)


def verify(secret: str, header: str, body: bytes, now: float, tolerance: int = 300) -> bool:
    """The README's recipe: the header is "t=<unix time>,v1=<hex>"; v1 is the HMAC-SHA256,
    keyed with the secret, of the time, a dot and the raw body; refuse a time more than five
    minutes from one's own clock."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    timestamp = int(parts["t"])
    if abs(now - timestamp) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(expected.hexdigest(), parts["v1"])


def conforms(spec: dict, event: dict) -> None:
    """Check a received event against the OpenAPI description: its type's own body (under
    ``webhooks``) and the envelope every event shares, formats (dates, UUIDs) included."""
    import jsonschema

    body = spec["webhooks"][event["type"]]["post"]["requestBody"]["content"]
    for schema in (
        body["application/json"]["schema"],
        {"$ref": "#/components/schemas/WebhookEvent"},
    ):
        document = {**schema, "components": spec["components"]}
        jsonschema.Draft202012Validator(
            document, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
        ).validate(event)
