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
    ``{"error": ...}`` and the connection closed (uvicorn's own reply is plain text)."""

    def send_400_response(self, msg: str) -> None:
        long_url = len(getattr(self, "url", b"")) > MAX_URL
        status, reason = (414, b"URI Too Long") if long_url else (400, b"Bad Request")
        text = (f"the URL is longer than {MAX_URL:,} bytes; a query holds at most {MAX_QUERY} characters"
                if long_url else "the request is not valid HTTP/1.1")
        body = json.dumps({"error": text}).encode("ascii")
        self.transport.write(b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\n"
                             b"connection: close\r\n\r\n%s" % (status, reason, len(body), body))
        self.transport.close()
