"""The explorer's HTTP protocol: uvicorn's httptools one (its C parser: the pure-Python h11
took a third of a small request's time), whose refusals are JSON like the app's errors.

A class at module level, so that ``--workers`` can hand it to its worker processes."""

from __future__ import annotations

import json

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from .app import MAX_QUERY

MAX_URL = 65535  # the longest URL the parser can split (its offsets are 16-bit)


class JsonErrorsProtocol(HttpToolsProtocol):
    """A URL longer than MAX_URL bytes gets 414, any other malformed request 400, each with
    ``{"error": ...}`` and the connection closed (uvicorn's own reply is plain text).

    A long URL is refused as soon as it passes the bound, not once it has all arrived
    (uvicorn appends each piece to the bytes so far: a URL of gigabytes would cost time
    quadratic in its length). The rest of that request is read and dropped, for at most
    DRAIN_S seconds, so that the client, still sending, gets the answer rather than a
    reset connection."""

    DRAIN_S = 10.0
    IDLE_S = 0.5

    def on_url(self, url: bytes) -> None:
        if len(self.url) + len(url) > MAX_URL:
            self.url_too_long = True
            raise ValueError("URL too long")  # the parser reports it as its error: send_400_response
        super().on_url(url)

    def data_received(self, data: bytes) -> None:
        drain = getattr(self, "draining", None)
        if drain is None:
            super().data_received(data)
        elif drain.get("idle") is not None:  # dropped; the connection closes once the client pauses
            drain["idle"].cancel()
            drain["idle"] = self.loop.call_later(self.IDLE_S, self.transport.close)

    def send_400_response(self, msg: str) -> None:
        long_url = getattr(self, "url_too_long", False) or len(getattr(self, "url", b"")) > MAX_URL
        status, reason = (414, b"URI Too Long") if long_url else (400, b"Bad Request")
        text = (f"the URL is longer than {MAX_URL:,} bytes; a query holds at most {MAX_QUERY} characters"
                if long_url else "the request is not valid HTTP/1.1")
        body = json.dumps({"error": text}).encode("ascii")
        self.transport.write(b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\n"
                             b"connection: close\r\n\r\n%s" % (status, reason, len(body), body))
        if getattr(self, "url_too_long", False):
            self.draining = {"idle": self.loop.call_later(self.IDLE_S, self.transport.close)}
            self.loop.call_later(self.DRAIN_S, self.transport.close)
        else:
            self.transport.close()
