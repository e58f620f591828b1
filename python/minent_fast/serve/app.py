"""The explorer's web application (FastAPI on uvicorn): the page, its assets, the JSON API.

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
from collections import OrderedDict
from importlib import resources
from urllib.parse import unquote_to_bytes
from typing import Any, Callable, Literal, Optional

import numpy as np
import pyarrow as pa

from .. import pictures

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
MAX_QUERY = 200
MAX_SENTENCE = 200
MAX_LIMIT = 1000
MAX_OFFSET = 10_000
TIMEOUT = 10.0
CACHE_BYTES = 64 << 20
ASSETS = {"index.html": "text/html; charset=utf-8", "app.js": "text/javascript; charset=utf-8",
          "app.css": "text/css; charset=utf-8", "docs.html": "text/html; charset=utf-8",
          "favicon.svg": "image/svg+xml"}


Fmt = Literal["json", "tsv", "parquet"]


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


def _parquet(table: pa.Table) -> bytes:
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(table.cast(pa.schema([pa.field(f.name, pa.string() if pa.types.is_dictionary(f.type) else f.type)
                                         for f in table.schema])), buf)
    return buf.getvalue()


def fast_json(body: Any) -> Any:
    """A JSON response written straight from plain Python values (the framework's own
    encoder walks every value through its validators: the most of a small query's time)."""
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
        table = self.index.kwic(q, width=width, limit=offset + limit, order=order, seed=seed)
        return table.slice(offset, limit)

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


def make_app(index: Any, lexicon: Any = None, templates: Optional[dict] = None,
             cache_bytes: int = CACHE_BYTES) -> Any:
    """The ASGI app over ``index`` (a CorpusIndex or ShardedIndex). Answers are kept, least
    recently used first out, up to ``cache_bytes`` of response bodies (0: none): the index
    never changes, and people page, switch tabs and come back."""
    from fastapi import FastAPI, Query
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse, Response
    from starlette.concurrency import run_in_threadpool
    from starlette.exceptions import HTTPException

    ex = Explorer(index, lexicon, templates)
    assets = _load_assets()
    app = FastAPI(title="minent_fast explorer", version="1", docs_url=None, redoc_url=None,
                  openapi_url="/api/openapi.json",
                  description="Read-only queries over one corpus index: counts, KWIC, ∞-gram next characters, "
                              "collocates, the branching-entropy profile of a sentence and its parse.")

    def error(status: int, message: str, **extra: Any) -> JSONResponse:
        return JSONResponse({"error": message, **extra}, status_code=status)


    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Any, exc: RequestValidationError) -> JSONResponse:
        detail = [{"loc": [str(x) for x in e.get("loc", ())], "msg": str(e.get("msg", ""))} for e in exc.errors()]
        first = detail[0] if detail else {"loc": [], "msg": "invalid request"}
        return error(422, f"{'.'.join(first['loc'])}: {first['msg']}", detail=detail)

    @app.exception_handler(HTTPException)
    async def _http(request: Any, exc: HTTPException) -> JSONResponse:
        return error(exc.status_code, str(exc.detail))

    @app.exception_handler(ValueError)
    async def _bad(request: Any, exc: ValueError) -> JSONResponse:  # BadQuery and the index's argument errors
        return error(400, str(exc))

    @app.exception_handler(Exception)
    async def _internal(request: Any, exc: Exception) -> JSONResponse:  # a bug: no traceback to the client
        return error(500, "internal error")

    cache: OrderedDict = OrderedDict()
    held = [0]

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

    async def answer(fn: Callable[[], Any]) -> Any:
        try:
            return await asyncio.wait_for(run_in_threadpool(fn), TIMEOUT)
        except (asyncio.TimeoutError, TimeoutError):
            raise HTTPException(503, f"the query took longer than {TIMEOUT:.0f} s") from None
        except (ValueError, TypeError) as e:  # BadQuery and the index's own argument errors
            raise HTTPException(400, str(e)) from None

    def table_response(table: pa.Table, fmt: str, name: str, extra: Optional[dict] = None) -> Any:
        if fmt == "tsv":
            return Response(_tsv(table), media_type="text/tab-separated-values; charset=utf-8",
                            headers={"Content-Disposition": f'attachment; filename="{name}.tsv"'})
        if fmt == "parquet":
            return Response(_parquet(table), media_type="application/vnd.apache.parquet",
                            headers={"Content-Disposition": f'attachment; filename="{name}.parquet"'})
        return fast_json({**(extra or {}), "rows": table.to_pylist()})

    Q = Query(..., min_length=1, max_length=MAX_QUERY, description="the string to look up")

    # ------------------------------------------------------------------ the page
    def asset(name: str) -> Response:
        if name not in assets:
            raise HTTPException(404, "not found")
        body, media = assets[name]
        return Response(body, media_type=media, headers={"Cache-Control": "no-cache"})

    @app.get("/", include_in_schema=False)
    def page() -> Response:
        return asset("index.html")

    @app.get("/api/docs", include_in_schema=False)
    def docs() -> Response:
        return asset("docs.html")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return asset("favicon.svg")

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str) -> Response:
        return asset(name)

    # ------------------------------------------------------------------- the API
    @app.get("/api/info", summary="What the index holds")
    async def info() -> Any:
        return await cached(("info",), lambda: _json_of(answer(ex.info)))

    @app.get("/api/count", summary="Occurrences of a string inside segments")
    async def count(q: str = Q) -> Any:
        _check_text(q, MAX_QUERY, "q")

        async def build() -> Any:
            return fast_json({"q": q, "count": await answer(lambda: ex.index.count(q))})

        return await cached(("count", q), build)

    @app.get("/api/kwic", summary="Keyword-in-context lines")
    async def kwic(q: str = Q, width: int = Query(20, ge=0, le=200), limit: int = Query(50, ge=0, le=MAX_LIMIT),
                   offset: int = Query(0, ge=0, le=MAX_OFFSET),
                   order: Literal["corpus", "left", "right", "random"] = "corpus",
                   seed: int = Query(0, ge=0, le=2**63 - 1), format: Fmt = "json") -> Any:
        _check_text(q, MAX_QUERY, "q")

        async def build() -> Any:
            total, table = await answer(lambda: (ex.index.count(q), ex.kwic(q, width, limit, offset, order, seed)))
            return table_response(table, format, "kwic", {"q": q, "total": total, "offset": offset, "limit": limit,
                                                           "order": order})

        return await cached(("kwic", q, width, limit, offset, order, seed, format), build)

    @app.get("/api/locate", summary="Where a string occurs: source, line, column")
    async def locate(q: str = Q, limit: int = Query(100, ge=0, le=MAX_LIMIT), format: Fmt = "json") -> Any:
        _check_text(q, MAX_QUERY, "q")

        async def build() -> Any:
            table = await answer(lambda: ex.index.locate(q, limit=limit))
            return table_response(table, format, "locate", {"q": q})

        return await cached(("locate", q, limit, format), build)

    @app.get("/api/next", summary="The ∞-gram next-character distribution after a context")
    async def next_chars(q: str = Q, k: int = Query(20, ge=1, le=MAX_LIMIT), format: Fmt = "json") -> Any:
        _check_text(q, MAX_QUERY, "q")

        async def build() -> Any:
            table = await answer(lambda: ex.index.next_chars(q))
            suffix = int(table.schema.metadata[b"suffix_length"])
            total = int(sum(table.column("count").to_pylist()))
            return table_response(table.slice(0, k), format, "next", {"q": q, "suffix_length": suffix,
                                                                      "total": total})

        return await cached(("next", q, k, format), build)

    @app.get("/api/collocates", summary="Characters near a string, scored")
    async def collocates(q: str = Q, window: int = Query(5, ge=1, le=20),
                         by: Literal["pmi", "count", "loglik"] = "pmi", min_count: int = Query(5, ge=1),
                         limit: int = Query(50, ge=0, le=MAX_LIMIT), format: Fmt = "json") -> Any:
        _check_text(q, MAX_QUERY, "q")

        async def build() -> Any:
            table = await answer(lambda: ex.index.collocates(q, window=window, by=by, min_count=min_count))
            return table_response(table.slice(0, limit), format, "collocates", {"q": q, "by": by})

        return await cached(("collocates", q, window, by, min_count, limit, format), build)

    @app.get("/api/sentence", summary="A sentence's boundary profile, segmentation and parse")
    async def sentence(q: str = Query(..., min_length=1, max_length=MAX_SENTENCE)) -> Any:
        _check_text(q, MAX_SENTENCE, "q")
        return await cached(("sentence", q), lambda: _json_of(answer(lambda: ex.sentence(q))))

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

    def __getattr__(self, name: str) -> Any:  # the FastAPI app's attributes (openapi, routes, ...)
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


UVICORN = {"http": "h11", "loop": "asyncio", "h11_max_incomplete_event_size": 16 << 20}
# h11 with room for long request lines, so an over-long query reaches the app and gets its
# JSON 422 instead of the server's plain-text 400
WORKER_ENV = "MINENT_FAST_SERVE_ARGS"


def run_app(app: Any, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, log_level: str = "warning") -> None:
    """Serve ``app`` with uvicorn until interrupted."""
    import uvicorn

    uvicorn.run(app, host=host, port=port, log_level=log_level, **UVICORN)


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
                **UVICORN)


def serve(index_path: str, lexicon: Optional[str] = None, templates: Optional[str] = None,
          host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, workers: int = 1) -> None:
    """Open the index (and lexicon, templates) and serve the explorer until interrupted."""
    app = load_app(index_path, lexicon, templates)  # a bad path fails here, once
    if workers > 1:
        del app
        run_workers(workers, index_path, lexicon, templates, host, port)
    else:
        run_app(app, host, port)
