"""The web explorer (issue 21): its JSON API against the index's own answers, the bounds a
hostile or careless request meets, 20 concurrent clients on a real server, the CLI."""

from __future__ import annotations

import concurrent.futures as cf
import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from contextlib import contextmanager
from pathlib import Path

import httpx
import pyarrow.parquet as pq
import pytest
import uvicorn
from starlette.testclient import TestClient

import minent_fast as mf
from minent_fast import pictures
from minent_fast.serve import make_app
from minent_fast.serve.app import uvicorn_options
from minent_fast.templates import Parser, TemplateFinder


@pytest.fixture(scope="module")
def sample_index():
    return mf.CorpusIndex.build(mf.sample_path())


@pytest.fixture(scope="module")
def templates():
    lines = mf.sample_path().read_text(encoding="utf-8").splitlines()
    tok = mf.Tokenizer(mf.Lexicon.default())
    tf = TemplateFinder(tok, window=3)
    tf.train(lines)
    tf.find(lines)
    return tf.templates


@pytest.fixture(scope="module")
def client(sample_index, templates):
    return TestClient(make_app(sample_index, templates=templates), raise_server_exceptions=False)


def raw_get(base: str, target: str) -> tuple[int, bytes]:
    """GET ``target`` over a plain socket (HTTP clients refuse URLs this long)."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as s:
        s.sendall(f"GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode("ascii"))
        data = b""
        while chunk := s.recv(1 << 16):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body




def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running(app):
    """A real uvicorn server on a free loopback port, in a thread."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", **uvicorn_options())
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


# ------------------------------------------------------------------ answers
def test_api_answers_are_the_index_answers(client, sample_index):
    idx = sample_index
    assert client.get("/api/count", params={"q": "宝玉"}).json()["count"] == idx.count("宝玉")
    body = client.get("/api/kwic", params={"q": "的", "limit": 7, "offset": 5, "width": 9, "order": "right"}).json()
    assert body["total"] == idx.count("的")
    assert body["rows"] == idx.kwic("的", width=9, limit=12, order="right").to_pylist()[5:]
    nxt = client.get("/api/next", params={"q": "宝玉", "k": 5}).json()
    table = idx.next_chars("宝玉")
    assert nxt["suffix_length"] == int(table.schema.metadata[b"suffix_length"])
    assert nxt["rows"] == table.slice(0, 5).to_pylist()
    col = client.get("/api/collocates", params={"q": "宝玉", "by": "loglik", "min_count": 3, "limit": 10}).json()
    assert col["rows"] == idx.collocates("宝玉", by="loglik", min_count=3).slice(0, 10).to_pylist()
    loc = client.get("/api/locate", params={"q": "宝玉", "limit": 20}).json()
    assert loc["rows"] == idx.locate("宝玉", limit=20).to_pylist()
    info = client.get("/api/info").json()
    assert info["num_chars"] == idx.num_chars and info["templates"] is True


def test_a_sharded_index_answers_as_its_shards(tmp_path):
    shards = mf.build_shards([str(mf.sample_path())], tmp_path / "s.idx", shard_bytes=60_000)
    assert len(shards.shards) > 2
    client = TestClient(make_app(shards), raise_server_exceptions=False)
    assert client.get("/api/count", params={"q": "宝玉"}).json()["count"] == shards.count("宝玉")
    body = client.get("/api/kwic", params={"q": "的", "limit": 5, "offset": 3, "order": "right"}).json()
    assert body["rows"] == shards.kwic("的", limit=5, offset=3, order="right").to_pylist()
    assert client.get("/api/next", params={"q": "宝玉", "k": 5}).json()["rows"] == \
        shards.next_chars("宝玉").slice(0, 5).to_pylist()
    col = client.get("/api/collocates", params={"q": "宝玉", "by": "count", "limit": 5}).json()
    assert col["rows"] == shards.collocates("宝玉", by="count").slice(0, 5).to_pylist()
    sent = client.get("/api/sentence", params={"q": "宝玉笑道你们都来了"}).json()
    assert "".join(sent["words"]) == "宝玉笑道你们都来了"


def test_sentence_view_has_profile_segmentation_and_tree(client, sample_index, templates):
    sent = "宝玉笑道你们都来了"
    body = client.get("/api/sentence", params={"q": sent}).json()
    prof = sample_index.boundary_profile(sent)
    assert body["chars"] == list(sent) and len(body["h_right"]) == len(sent) + 1
    assert body["h_right"][0] is None and body["h_right"][2] == pytest.approx(prof["h_right"][2], abs=1e-6)
    assert "".join(body["words"]) == sent
    tree = Parser(templates, mf.Tokenizer(mf.Lexicon.default()).tokenize).parse(sent)
    assert body["tree"]["content"] == tree.content == sent
    for svg in (body["profile_svg"], body["tree_svg"]):
        assert ET.fromstring(svg).tag.endswith("svg")


def test_downloads_hold_the_same_rows(client, sample_index):
    want = sample_index.kwic("的", limit=30).to_pylist()
    tsv = client.get("/api/kwic", params={"q": "的", "limit": 30, "format": "tsv"})
    assert tsv.status_code == 200 and "attachment" in tsv.headers["content-disposition"]
    lines = tsv.text.rstrip("\n").split("\n")
    assert lines[0].split("\t") == ["source", "line", "left", "match", "right"]
    assert [ln.split("\t")[3] for ln in lines[1:]] == [r["match"] for r in want]
    par = client.get("/api/kwic", params={"q": "的", "limit": 30, "format": "parquet"})
    table = pq.read_table(io.BytesIO(par.content))
    assert table.column("left").to_pylist() == [r["left"] for r in want]


# ------------------------------------------------------------------- bounds
@pytest.mark.parametrize("url", [
    "/api/kwic?q=%FF%FE", "/api/kwic?q=a%00b", "/api/count?q=%C0%AF", "/api/kwic?q=",
    "/api/kwic?q=的&limit=-1", "/api/kwic?q=的&limit=100000000000000000000", "/api/kwic?q=的&offset=-3",
    "/api/kwic?q=的&order=sideways", "/api/kwic?q=的&width=1e9", "/api/collocates?q=的&window=0",
    "/api/next?q=的&k=0", "/api/sentence?q=" + "长" * 201, "/api/kwic", "/api/kwic?q=的&format=../../etc/passwd",
    "/static/../../etc/passwd", "/static/..%2F..%2Fetc%2Fpasswd", "//etc/passwd", "/etc/passwd",
    "/static/%2Fetc%2Fpasswd", "/api/../../../etc/passwd", "/nope",
])
def test_bad_requests_get_a_4xx_json_error(client, url):
    r = client.get(url)
    assert 400 <= r.status_code < 500, (url, r.status_code, r.text[:200])
    body = r.json()
    assert isinstance(body["error"], str) and "Traceback" not in r.text and "/etc/passwd" not in body["error"][:0]
    assert "root:" not in r.text  # never a file's content


def test_long_and_binary_queries_on_a_real_server(sample_index):
    with running(make_app(sample_index)) as base, httpx.Client(base_url=base, timeout=30) as http:
        for q in ("a" * (1 << 20), "%E4%B8%AD" * (1 << 20)):  # 1 MB of query; 1 M characters (9 MB of URL)
            status, body = raw_get(base, "/api/kwic?q=" + q)
            assert status == 414 and "at most" in json.loads(body)["error"]
        started = time.monotonic()  # refused when it passes the bound, not after 200 MB have arrived
        status, body = raw_get(base, "/api/kwic?q=" + "a" * (200 << 20))
        assert status == 414 and time.monotonic() - started < 10
        for q in ("a" * 60_000, "%E4%B8%AD" * 7000):  # within what the parser takes: the app's own bound
            status, body = raw_get(base, "/api/kwic?q=" + q)
            assert status == 422 and "at most" in json.loads(body)["error"]
        status, body = raw_get(base, "/api/count?q=a b")  # a space inside the request line
        assert status == 400 and json.loads(body)["error"]
        r = http.get("/api/kwic?q=%FF%00")
        assert r.status_code == 400 and r.json()["error"]
        assert http.get("/api/count", params={"q": "宝玉"}).json()["count"] == sample_index.count("宝玉")


def test_twenty_concurrent_clients(sample_index):
    queries = ["宝玉", "的", "黛玉", "笑道", "了", "这", "一个", "说"]
    paths = ["/api/kwic", "/api/next", "/api/count", "/api/collocates", "/api/locate"]
    want = {(p, q): None for p in paths for q in queries}
    with running(make_app(sample_index)) as base:
        with httpx.Client(base_url=base) as http:
            for p, q in want:
                want[p, q] = http.get(p, params={"q": q}).json()

        def client(k: int) -> list:
            bad = []
            with httpx.Client(base_url=base, timeout=30) as http:
                for i in range(40):
                    p, q = paths[(k + i) % len(paths)], queries[(k * 7 + i) % len(queries)]
                    r = http.get(p, params={"q": q})
                    if r.status_code != 200 or r.json() != want[p, q]:
                        bad.append((p, q, r.status_code))
            return bad

        with cf.ThreadPoolExecutor(20) as pool:
            results = list(pool.map(client, range(20)))
    assert [b for r in results for b in r] == []


def test_the_app_reads_no_file_per_request(client, monkeypatch):
    """Assets are held in memory: with open() broken, the page and the API still answer."""
    import builtins

    def refuse(*a, **k):
        raise AssertionError("a request opened a file")

    monkeypatch.setattr(builtins, "open", refuse)
    monkeypatch.setattr(Path, "read_bytes", refuse)
    for url in ("/", "/static/app.js", "/static/app.css", "/api/docs", "/favicon.ico", "/api/kwic?q=的"):
        assert client.get(url).status_code == 200, url


# ---------------------------------------------------------------------- CLI
@pytest.mark.parametrize("workers", [1, 2])
def test_cli_serve_binds_loopback_and_stops_on_ctrl_c(tmp_path, workers):
    idx_dir = tmp_path / "idx"
    mf.CorpusIndex.build(mf.sample_path(), path=idx_dir)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "minent_fast", "serve", str(idx_dir), "--port", str(port),
                             "--workers", str(workers)],
                            stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/api/info", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stderr.read()
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        assert r.json()["num_chars"] > 0
        listening = [line for line in Path("/proc/net/tcp").read_text().splitlines()[1:]
                     if line.split()[1].endswith(f":{port:04X}") and line.split()[3] == "0A"]
        assert listening and all(line.split()[1].startswith("0100007F") for line in listening)  # 127.0.0.1 only
        proc.send_signal(signal.SIGINT)
        assert proc.wait(15) in (0, 130)
    finally:
        if proc.poll() is None:
            proc.kill()


def test_cli_serve_bad_index_is_one_line_exit_2(tmp_path):
    r = subprocess.run([sys.executable, "-m", "minent_fast", "serve", str(tmp_path / "missing")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "error" in r.stderr


# ----------------------------------------------------------------- pictures
def test_pictures_render_and_save(tmp_path, sample_index, templates):
    tree = Parser(templates, mf.Tokenizer(mf.Lexicon.default()).tokenize).parse("宝玉笑道<你们>都来了")
    svg = tree._repr_svg_()
    root = ET.fromstring(svg)
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert set(tree.content) <= set("".join(texts)) | {"<", ">"} and "<你们>" not in svg
    prof = sample_index.boundary_profile("宝玉笑道")
    assert isinstance(prof, dict) and set(prof) == {"h_left", "h_right", "autonomy"}
    ET.fromstring(prof._repr_svg_())
    for name in ("tree.svg", "tree.png"):
        tree.save(tmp_path / name)
    prof.save(tmp_path / "p.png")
    assert (tmp_path / "tree.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "p.png").stat().st_size > 1000
    assert ET.parse(tmp_path / "tree.svg").getroot().tag.endswith("svg")
    with pytest.raises(ValueError):
        tree.save(tmp_path / "tree.gif")
    html = pictures.Kwic(sample_index.kwic("宝玉", limit=3))._repr_html_()
    assert html.count("<tr>") == 4 and "<b>宝玉</b>" in html
    assert not os.path.exists(tmp_path / "tree.gif")
