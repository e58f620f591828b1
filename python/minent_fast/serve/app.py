"""The explorer's web application (Starlette on uvicorn): the page, its assets, the JSON API.

Bounds (a request past them gets a 4xx JSON error, never a 500 or a traceback):
queries of at most ``MAX_QUERY`` characters (a sentence ``MAX_SENTENCE``), no control
characters; limits up to ``MAX_LIMIT`` rows, offsets up to ``MAX_OFFSET``; every query
answered within ``TIMEOUT`` seconds or a 503.
"""

from __future__ import annotations

import asyncio
import io
import json
import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from collections import OrderedDict
from importlib import resources
from urllib.parse import unquote_to_bytes
from typing import Any, Callable, Optional

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .. import pictures

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
MAX_QUERY = 200
MAX_SENTENCE = 200
MAX_LIMIT = 1000
MAX_OFFSET = 10_000
TIMEOUT = 10.0
CACHE_BYTES = 64 << 20
INLINE_HITS = 20_000  # a query about a string with at most this many hits runs on the event loop
# (a millisecond or so: less than the two trips through the loop a thread costs)
ASSETS = {"index.html": "text/html; charset=utf-8", "app.js": "text/javascript; charset=utf-8",
          "app.css": "text/css; charset=utf-8", "docs.html": "text/html; charset=utf-8",
          "favicon.svg": "image/svg+xml"}


class BadQuery(ValueError):
    """A request the explorer refuses (400)."""


def _load_assets() -> dict[str, tuple[bytes, str]]:
    root = resources.files(__package__) / "static"
    return {name: ((root / name).read_bytes(), media) for name, media in ASSETS.items()}


def _check_text(q: str, limit: int, what: str) -> str:
    if not q:
        raise BadQuery(f"{what} is empty")
    if len(q) > limit:
        raise BadQuery(f"{what} has {len(q)} characters; at most {limit} are allowed")
    if any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in q):
        raise BadQuery(f"{what} contains a control character")
    return q


def _floats(a: Any) -> list[Optional[float]]:
    return [None if not math.isfinite(v) else round(float(v), 6) for v in np.asarray(a, dtype=float)]


def _tsv(table: pa.Table) -> bytes:
    def cell(v: Any) -> str:
        s = "" if v is None else str(v)
        return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")

    lines = ["\t".join(table.column_names)]
    cols = [table.column(c).to_pylist() for c in table.column_names]
    lines += ["\t".join(cell(v) for v in row) for row in zip(*cols)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _rows(table: pa.Table) -> list[dict]:
    """``table.to_pylist()``, column by column through numpy (the same values: the per-row
    scalar conversion of ``to_pylist`` was a third of a located query's time)."""
    names, cols = table.column_names, []
    for name in names:
        col = table.column(name).combine_chunks()
        if pa.types.is_dictionary(col.type):
            values = col.dictionary.to_pylist()
            cols.append([None if i is None else values[i] for i in col.indices.to_pylist()]
                        if col.null_count else [values[i] for i in col.indices.to_numpy().tolist()])
        elif (pa.types.is_integer(col.type) or pa.types.is_floating(col.type)) and not col.null_count:
            cols.append(col.to_numpy().tolist())
        else:
            cols.append(col.to_pylist())
    return [dict(zip(names, row)) for row in zip(*cols)]


def _parquet(table: pa.Table) -> bytes:
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(table.cast(pa.schema([pa.field(f.name, pa.string() if pa.types.is_dictionary(f.type) else f.type)
                                         for f in table.schema])), buf)
    return buf.getvalue()


def fast_json(body: Any) -> Any:
    """A JSON response written straight from plain Python values."""
    from starlette.responses import Response

    return Response(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
                    media_type="application/json")


async def _json_of(body: Any) -> Any:
    return fast_json(await body)


def _tree_json(tree: Any) -> dict:
    k, items = 0, []
    for w in tree.template:
        if w is None:
            items.append(_tree_json(tree.modules[k]))
            k += 1
        else:
            items.append({"word": w})
    return {"template": str(tree.template), "content": tree.content, "items": items}


class Explorer:
    """What the app answers from: an index, and optionally a lexicon and templates."""

    def __init__(self, index: Any, lexicon: Any = None, templates: Optional[dict] = None) -> None:
        from ..segment.lexicon import Lexicon
        from ..segment.tokenize import Tokenizer
        from ..templates import Parser

        self.index = index
        self.lexicon_given = lexicon is not None
        self.tokenizer = Tokenizer(lexicon if lexicon is not None else Lexicon.default())
        self.parser = Parser(templates, self.tokenizer.tokenize) if templates else None
        # the sentence view's per-character entropies come from one bigram table: make it
        # now, in the background, rather than in the first sentence request
        from ..index.concordance import single_char_entropies

        threading.Thread(target=single_char_entropies, args=(index,), name="minent-warm", daemon=True).start()

    def info(self) -> dict:
        idx = self.index
        return {"num_chars": idx.num_chars, "num_segments": idx.num_segments, "vocab_size": idx.vocab_size,
                "segmenter": idx.segmenter, "sources": [os.path.basename(s) for s in idx.sources],
                "has_text": idx.has_text, "lexicon": self.lexicon_given, "templates": self.parser is not None}

    def kwic(self, q: str, width: int, limit: int, offset: int, order: str, seed: int) -> pa.Table:
        return self.index.kwic(q, width=width, limit=limit, order=order, seed=seed, offset=offset)

    def sentence_hits(self, q: str) -> int:
        """The occurrences the sentence view of ``q`` would read (entropies not kept yet)."""
        from ..index.concordance import profile_cost

        return profile_cost(self.index, q)

    def sentence(self, q: str) -> dict:
        prof = self.index.boundary_profile(q)
        words = self.tokenizer.tokenize(q)
        prof.words = words
        out = {"chars": list(q), "h_left": _floats(prof["h_left"]), "h_right": _floats(prof["h_right"]),
               "autonomy": _floats(prof["autonomy"]), "words": words, "profile_svg": prof.to_svg(),
               "tree": None, "tree_svg": None}
        if self.parser is not None:
            tree = self.parser.parse(q)
            out["tree"] = _tree_json(tree)
            out["tree_svg"] = tree.to_svg()
        return out


REQUIRED = object()


class Invalid(ValueError):
    """A parameter outside its declared type or bounds (422)."""

    def __init__(self, name: str, msg: str) -> None:
        super().__init__(f"query.{name}: {msg}")
        self.detail = [{"loc": ["query", name], "msg": msg}]


class Param:
    """One query parameter: its type and bounds, checked here and published in the OpenAPI
    document from the same declaration."""

    __slots__ = ("name", "kind", "default", "lo", "hi", "choices", "min_length", "max_length", "description")

    def __init__(self, name: str, kind: type, default: Any = REQUIRED, lo: Optional[int] = None,
                 hi: Optional[int] = None, choices: Optional[tuple[str, ...]] = None, min_length: Optional[int] = None,
                 max_length: Optional[int] = None, description: str = "") -> None:
        self.name, self.kind, self.default, self.lo, self.hi = name, kind, default, lo, hi
        self.choices, self.min_length, self.max_length, self.description = choices, min_length, max_length, description

    def parse(self, raw: Optional[str]) -> Any:
        if raw is None:
            if self.default is REQUIRED:
                raise Invalid(self.name, "Field required")
            return self.default
        if self.kind is int:
            digits = raw[1:] if raw[:1] in "+-" else raw
            if not (digits.isascii() and digits.isdigit()) or len(digits) > 30:
                raise Invalid(self.name, "Input should be a valid integer")
            v = int(raw)
            if self.lo is not None and v < self.lo:
                raise Invalid(self.name, f"Input should be greater than or equal to {self.lo}")
            if self.hi is not None and v > self.hi:
                raise Invalid(self.name, f"Input should be less than or equal to {self.hi}")
            return v
        if self.choices is not None and raw not in self.choices:
            raise Invalid(self.name, "Input should be " + " or ".join(repr(c) for c in self.choices))
        if self.min_length is not None and len(raw) < self.min_length:
            raise Invalid(self.name, f"String should have at least {self.min_length} character")
        if self.max_length is not None and len(raw) > self.max_length:
            raise Invalid(self.name, f"String should have at most {self.max_length} characters")
        return raw

    def openapi(self) -> dict:
        schema: dict = {"type": "integer" if self.kind is int else "string"}
        for key, value in (("minimum", self.lo), ("maximum", self.hi), ("minLength", self.min_length),
                           ("maxLength", self.max_length)):
            if value is not None:
                schema[key] = value
        if self.choices is not None:
            schema["enum"] = list(self.choices)
        if self.default is not REQUIRED:
            schema["default"] = self.default
        out = {"name": self.name, "in": "query", "required": self.default is REQUIRED, "schema": schema}
        if self.description:
            out["description"] = self.description
        return out


def _q(max_length: int = MAX_QUERY, description: str = "the string to look up") -> Param:
    return Param("q", str, min_length=1, max_length=max_length, description=description)


def _format() -> Param:
    return Param("format", str, "json", choices=("json", "tsv", "parquet"), description="json, or a download")


# path -> (summary, parameters); the handlers are made in make_app
ENDPOINTS: dict[str, tuple[str, tuple[Param, ...]]] = {
    "/api/info": ("What the index holds", ()),
    "/api/count": ("Occurrences of a string inside segments", (_q(),)),
    "/api/kwic": ("Keyword-in-context lines", (
        _q(), Param("width", int, 20, 0, 200), Param("limit", int, 50, 0, MAX_LIMIT),
        Param("offset", int, 0, 0, MAX_OFFSET), Param("order", str, "corpus", choices=("corpus", "left", "right", "random")),
        Param("seed", int, 0, 0, 2**63 - 1), _format())),
    "/api/locate": ("Where a string occurs: source, line, column", (
        _q(), Param("limit", int, 100, 0, MAX_LIMIT), _format())),
    "/api/next": ("The ∞-gram next-character distribution after a context", (
        _q(), Param("k", int, 20, 1, MAX_LIMIT), _format())),
    "/api/collocates": ("Characters near a string, scored", (
        _q(), Param("window", int, 5, 1, 20), Param("by", str, "pmi", choices=("pmi", "count", "loglik")),
        Param("min_count", int, 5, 1, 2**63 - 1), Param("limit", int, 50, 0, MAX_LIMIT), _format())),
    "/api/sentence": ("A sentence's boundary profile, segmentation and parse", (
        _q(MAX_SENTENCE, "the sentence"),)),
}
DESCRIPTION = ("Read-only queries over one corpus index: counts, KWIC, ∞-gram next characters, "
               "collocates, the branching-entropy profile of a sentence and its parse.")


def openapi_document() -> dict:
    """The OpenAPI 3.1 description of the JSON API, from ENDPOINTS."""
    error = {"description": "a refused request", "content": {"application/json": {"schema": {
        "type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]}}}}
    paths = {path: {"get": {"summary": summary, "parameters": [p.openapi() for p in params],
                            "responses": {"200": {"description": "the answer (JSON, or the chosen download)"},
                                          "4XX": error, "503": error}}}
             for path, (summary, params) in ENDPOINTS.items()}
    return {"openapi": "3.1.0", "info": {"title": "minent_fast explorer", "version": "1", "description": DESCRIPTION},
            "paths": paths}


def make_app(index: Any, lexicon: Any = None, templates: Optional[dict] = None,
             cache_bytes: int = CACHE_BYTES) -> Any:
    """The ASGI app over ``index`` (a CorpusIndex or ShardedIndex). Answers are kept, least
    recently used first out, up to ``cache_bytes`` of response bodies (0: none): the index
    never changes, and people page, switch tabs and come back."""
    from starlette.applications import Starlette
    from starlette.exceptions import HTTPException
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    ex = Explorer(index, lexicon, templates)
    assets = _load_assets()

    def error(status: int, message: str, **extra: Any) -> JSONResponse:
        return JSONResponse({"error": message, **extra}, status_code=status)

    async def _http(request: Any, exc: Exception) -> JSONResponse:
        return error(getattr(exc, "status_code", 500), str(getattr(exc, "detail", "error")))

    async def _internal(request: Any, exc: Exception) -> JSONResponse:  # a bug: no traceback to the client
        return error(500, "internal error")

    cache: OrderedDict = OrderedDict()
    held = [0]
    # queries with many hits run here, off the event loop; the rest run on it (see few_hits)
    pool = ThreadPoolExecutor(max_workers=max(4, 2 * (os.cpu_count() or 1)), thread_name_prefix="minent-query")

    async def cached(key: tuple, build: Callable[[], Any]) -> Any:
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
        response = await build()
        size = len(response.body)
        if size <= cache_bytes // 16:
            cache[key] = response
            held[0] += size
            while held[0] > cache_bytes:
                held[0] -= len(cache.popitem(last=False)[1].body)
        return response

    async def answer(fn: Callable[[], Any], inline: bool = False) -> Any:
        if inline:  # a bounded query: cheaper than the thread it would wait for
            return fn()
        try:
            return await asyncio.wait_for(asyncio.get_running_loop().run_in_executor(pool, fn), TIMEOUT)
        except (asyncio.TimeoutError, TimeoutError):
            raise HTTPException(503, f"the query took longer than {TIMEOUT:.0f} s") from None

    def table_response(table: pa.Table, fmt: str, name: str, extra: Optional[dict] = None) -> Any:
        if fmt == "tsv":
            return Response(_tsv(table), media_type="text/tab-separated-values; charset=utf-8",
                            headers={"Content-Disposition": f'attachment; filename="{name}.tsv"'})
        if fmt == "parquet":
            return Response(_parquet(table), media_type="application/vnd.apache.parquet",
                            headers={"Content-Disposition": f'attachment; filename="{name}.parquet"'})
        return fast_json({**(extra or {}), "rows": _rows(table)})

    # one index: a count is one lookup and a next-character query one search per follower;
    # a sharded index answers both shard by shard in Python, so its queries go to the pool
    single = type(index).__name__ == "CorpusIndex"

    def few_hits(q: str) -> bool:
        """Whether a query about ``q`` is bounded by few occurrences (its count is a lookup)."""
        return single and 0 < ex.index.count(q) <= INLINE_HITS

    # ------------------------------------------------------------------- the API
    async def info() -> Any:
        return await cached(("info",), lambda: _json_of(answer(ex.info, inline=True)))

    async def count(q: str) -> Any:
        async def build() -> Any:
            return fast_json({"q": q, "count": ex.index.count(q)})

        return await cached(("count", q), build)

    async def kwic(q: str, width: int, limit: int, offset: int, order: str, seed: int, format: str) -> Any:
        async def build() -> Any:
            total = ex.index.count(q)
            table = await answer(lambda: ex.kwic(q, width, limit, offset, order, seed),
                                 inline=single and total <= INLINE_HITS)
            return table_response(table, format, "kwic", {"q": q, "total": total, "offset": offset, "limit": limit,
                                                           "order": order})

        return await cached(("kwic", q, width, limit, offset, order, seed, format), build)

    async def locate(q: str, limit: int, format: str) -> Any:
        async def build() -> Any:
            table = await answer(lambda: ex.index.locate(q, limit=limit), inline=few_hits(q))
            return table_response(table, format, "locate", {"q": q})

        return await cached(("locate", q, limit, format), build)

    async def next_chars(q: str, k: int, format: str) -> Any:
        async def build() -> Any:
            # one binary search per distinct follower, whatever the hits: on the loop
            table = await answer(lambda: ex.index.next_chars(q), inline=single)
            suffix = int(table.schema.metadata[b"suffix_length"])
            total = int(pc.sum(table.column("count")).as_py() or 0)
            return table_response(table.slice(0, k), format, "next", {"q": q, "suffix_length": suffix,
                                                                      "total": total})

        return await cached(("next", q, k, format), build)

    async def collocates(q: str, window: int, by: str, min_count: int, limit: int, format: str) -> Any:
        async def build() -> Any:
            table = await answer(lambda: ex.index.collocates(q, window=window, by=by, min_count=min_count),
                                 inline=few_hits(q))
            return table_response(table.slice(0, limit), format, "collocates", {"q": q, "by": by})

        return await cached(("collocates", q, window, by, min_count, limit, format), build)

    async def sentence(q: str) -> Any:
        return await cached(("sentence", q), lambda: _json_of(answer(
            lambda: ex.sentence(q), inline=single and ex.sentence_hits(q) <= INLINE_HITS)))

    handlers: dict[str, Callable[..., Any]] = {
        "/api/info": info, "/api/count": count, "/api/kwic": kwic, "/api/locate": locate, "/api/next": next_chars,
        "/api/collocates": collocates, "/api/sentence": sentence}
    assert handlers.keys() == ENDPOINTS.keys()

    def endpoint(path: str) -> Callable[[Any], Any]:
        handler, (_, params) = handlers[path], ENDPOINTS[path]
        text = [p.name for p in params if p.name == "q"]

        async def run(request: Any) -> Any:
            query = request.query_params
            try:
                args = {p.name: p.parse(query.get(p.name)) for p in params}
            except Invalid as e:
                return error(422, str(e), detail=e.detail)
            try:
                for name in text:
                    _check_text(args[name], MAX_SENTENCE if path == "/api/sentence" else MAX_QUERY, name)
                return await handler(**args)
            except (ValueError, TypeError) as e:  # BadQuery and the index's own argument errors
                return error(400, str(e))

        return run

    # ------------------------------------------------------------------ the page
    def asset(name: str) -> Response:
        if name not in assets:
            raise HTTPException(404, "not found")
        body, media = assets[name]
        return Response(body, media_type=media, headers={"Cache-Control": "no-cache"})

    spec = fast_json(openapi_document())

    async def page(request: Any) -> Response:
        return asset("index.html")

    async def docs(request: Any) -> Response:
        return asset("docs.html")

    async def favicon(request: Any) -> Response:
        return asset("favicon.svg")

    async def static(request: Any) -> Response:
        return asset(request.path_params["name"])

    async def openapi(request: Any) -> Any:
        return spec

    routes = [Route("/", page), Route("/api/docs", docs), Route("/favicon.ico", favicon),
              Route("/static/{name}", static), Route("/api/openapi.json", openapi)]
    routes += [Route(path, endpoint(path)) for path in ENDPOINTS]
    app = Starlette(routes=routes, exception_handlers={HTTPException: _http, Exception: _internal})
    app.state.explorer = ex
    return CleanUrls(app)


class CleanUrls:
    """ASGI middleware: the framework decodes %-escapes with replacement characters, so a
    URL that is not UTF-8, or holds a NUL, is refused here (400 JSON) before any handler."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            raw = scope.get("raw_path") or scope.get("path", "").encode("utf-8", "surrogateescape")
            for what, part in (("path", raw), ("query", scope.get("query_string", b""))):
                data = unquote_to_bytes(part.replace(b"+", b" "))
                try:
                    problem = "a NUL character" if "\x00" in data.decode("utf-8") else None
                except UnicodeDecodeError as e:
                    problem = f"bytes that are not UTF-8 (at byte {e.start} of the {what})"
                if problem:
                    from starlette.responses import JSONResponse

                    await JSONResponse({"error": f"the URL contains {problem}"}, status_code=400)(scope, receive, send)
                    return
        await self.app(scope, receive, send)

    def __getattr__(self, name: str) -> Any:  # the Starlette app's attributes (routes, state, ...)
        return getattr(self.app, name)


def load_app(index_path: str, lexicon: Optional[str] = None, templates: Optional[str] = None) -> Any:
    """The app over the index at ``index_path`` (sharded or not), with an optional lexicon
    and templates file: everything is opened here, before any request."""
    from ..index.corpus import CorpusIndex
    from ..segment.lexicon import Lexicon
    from ..templates import load_templates

    index = CorpusIndex.open(index_path)
    lex = Lexicon.load(lexicon) if lexicon else None
    tmpl = load_templates(templates) if templates else None
    return make_app(index, lex, tmpl)


WORKER_ENV = "MINENT_FAST_SERVE_ARGS"


def uvicorn_options() -> dict:
    """How every server of the explorer runs: the httptools protocol of ``protocol.py``, on
    uvloop where it is installed (not on Windows), else on asyncio."""
    from .protocol import JsonErrorsProtocol

    try:
        import uvloop  # noqa: F401

        loop = "uvloop"
    except ImportError:
        loop = "asyncio"
    return {"http": JsonErrorsProtocol, "loop": loop}


def run_app(app: Any, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, log_level: str = "warning") -> None:
    """Serve ``app`` with uvicorn until interrupted."""
    import uvicorn

    uvicorn.run(app, host=host, port=port, log_level=log_level, **uvicorn_options())


def worker_app() -> Any:
    """The app of one worker process of :func:`run_workers` (a uvicorn factory)."""
    return load_app(**json.loads(os.environ[WORKER_ENV]))


def run_workers(workers: int, index_path: str, lexicon: Optional[str] = None, templates: Optional[str] = None,
                host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, log_level: str = "warning") -> None:
    """Serve with ``workers`` processes, each with its own app over the same index (the
    index is memory-mapped: its pages are shared; each keeps its own answers and tables)."""
    import uvicorn

    os.environ[WORKER_ENV] = json.dumps({"index_path": index_path, "lexicon": lexicon, "templates": templates})
    uvicorn.run(f"{__name__}:worker_app", factory=True, workers=workers, host=host, port=port, log_level=log_level,
                **uvicorn_options())


def serve(index_path: str, lexicon: Optional[str] = None, templates: Optional[str] = None,
          host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, workers: int = 1) -> None:
    """Open the index (and lexicon, templates) and serve the explorer until interrupted."""
    app = load_app(index_path, lexicon, templates)  # a bad path fails here, once
    if workers > 1:
        del app
        run_workers(workers, index_path, lexicon, templates, host, port)
    else:
        run_app(app, host, port)
