"""Pictures of what the statistics say: a parse tree, the branching-entropy profile of a
sentence, a concordance. Plain SVG and HTML strings (every text escaped), shown inline by
Jupyter (``_repr_svg_`` / ``_repr_html_``), drawn by the web explorer, saved as SVG — or as
PNG when the ``pictures`` extra (cairosvg) is installed.
"""

from __future__ import annotations

import math
import os
from html import escape
from typing import Any, Optional, Sequence, Union

import numpy as np

PathLike = Union[str, "os.PathLike[str]"]
FONT = "font-family=\"'Noto Sans CJK SC','WenQuanYi Zen Hei','Source Han Sans SC','PingFang SC','Microsoft YaHei',sans-serif\""
CHAR_W = 18  # pixels per character of text


def _text_width(s: str) -> int:
    return max(1, sum(2 if ord(c) > 0x2E80 else 1 for c in s)) * CHAR_W // 2 + 12


def save(svg: str, path: PathLike) -> str:
    """Write ``svg`` to ``path``: ``.svg`` as it is, ``.png`` rendered by cairosvg."""
    path = os.fspath(path)
    ext = os.path.splitext(path)[1].lower()
    if ext == ".svg":
        data = svg.encode("utf-8")
    elif ext == ".png":
        try:
            import cairosvg  # type: ignore[import-not-found, import-untyped]
        except ImportError:
            raise ImportError("saving PNG needs cairosvg: pip install 'minent_fast[pictures]'") from None
        data = cairosvg.svg2png(bytestring=svg.encode("utf-8"))
    else:
        raise ValueError(f"{path}: can save .svg or .png, not {ext or 'a name without an extension'!r}")
    from ._io import atomic_output

    with atomic_output(path, "wb") as f:
        f.write(data)
    return path


# --------------------------------------------------------------------- parse tree
def tree_svg(tree: Any) -> str:
    """A :class:`~minent_fast.templates.SentTree` drawn top-down: each node shows its
    template (``[X]`` for a block), each block hangs below it as a subtree, and the words
    of every template sit under the node that holds them."""
    # lay out: leaves (words) get x slots in reading order; a node sits above its span
    nodes: list[dict] = []
    edges: list[tuple[int, int]] = []
    x = [10]

    def place(t: Any, depth: int) -> int:
        me = len(nodes)
        nodes.append({"label": str(t.template), "depth": depth, "kind": "node"})
        k, xs = 0, []
        for w in t.template:
            if w is None:
                child = place(t.modules[k], depth + 1)
                k += 1
            else:
                child = len(nodes)
                width = _text_width(w)
                nodes.append({"label": w, "depth": depth + 1, "kind": "word", "x": x[0] + width / 2})
                x[0] += width + 8
            edges.append((me, child))
            xs.append(nodes[child]["x"])
        nodes[me]["x"] = (min(xs) + max(xs)) / 2 if xs else x[0]
        return me

    place(tree, 0)
    depth = max(n["depth"] for n in nodes)
    width = max(x[0], max(n["x"] + _text_width(n["label"]) / 2 for n in nodes) + 10)
    height = 60 * (depth + 1) + 20
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="sent-tree" width="{width:.0f}" height="{height}" '
           f'viewBox="0 0 {width:.0f} {height}" {FONT} font-size="14">']
    y = lambda d: 30 + 60 * d  # noqa: E731
    for a, b in edges:
        out.append(f'<line x1="{nodes[a]["x"]:.1f}" y1="{y(nodes[a]["depth"]) + 10}" x2="{nodes[b]["x"]:.1f}" '
                   f'y2="{y(nodes[b]["depth"]) - 14}" stroke="#999"/>')
    for n in nodes:
        w = _text_width(n["label"])
        fill, stroke = ("#eef4ff", "#4a78c2") if n["kind"] == "node" else ("#fff", "#bbb")
        out.append(f'<rect x="{n["x"] - w / 2:.1f}" y="{y(n["depth"]) - 14}" width="{w}" height="24" rx="4" '
                   f'fill="{fill}" stroke="{stroke}"/>')
        out.append(f'<text x="{n["x"]:.1f}" y="{y(n["depth"]) + 3}" text-anchor="middle">{escape(n["label"])}</text>')
    out.append("</svg>")
    return "".join(out)


# -------------------------------------------------------------- boundary profile
class BoundaryProfile(dict):
    """:meth:`CorpusIndex.boundary_profile`'s dict of arrays (``h_left``, ``h_right``,
    ``autonomy`` over the boundaries 0..len(sentence)) that also draws itself."""

    def __init__(self, sentence: str, arrays: dict[str, np.ndarray], words: Optional[Sequence[str]] = None) -> None:
        super().__init__(arrays)
        self.sentence = sentence
        self.words = list(words) if words is not None else None

    def to_svg(self) -> str:
        return profile_svg(self.sentence, self, self.words)

    def _repr_svg_(self) -> str:
        return self.to_svg()

    def save(self, path: PathLike) -> str:
        """Save the picture as .svg or .png."""
        return save(self.to_svg(), path)


def profile_svg(sentence: str, profile: dict, words: Optional[Sequence[str]] = None) -> str:
    """The sentence's characters along the bottom; above them the right branching entropy
    (blue) and the left one (orange) at every boundary, and the autonomy as bars (green
    up, grey down); with ``words``, a segmentation's word ends as dashed lines."""
    n = len(sentence)
    step, left, top, plot_h = 28, 40, 16, 160
    width, height = left + step * max(n, 1) + 20, top + plot_h + 60
    xs = [left + step * b for b in range(n + 1)]
    hr, hl, au = (np.asarray(profile[k], dtype=float) for k in ("h_right", "h_left", "autonomy"))
    finite = [v for v in np.concatenate([hr, hl]) if math.isfinite(v)]
    hmax = max(finite + [1e-9])
    amax = max([abs(v) for v in au if math.isfinite(v)] + [1e-9])
    base = top + plot_h
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="boundary-profile" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" {FONT} font-size="13">',
           f'<line x1="{left}" y1="{base}" x2="{xs[-1]}" y2="{base}" stroke="#444"/>',
           f'<text x="4" y="{top + 10}" fill="#555" font-size="11">{hmax:.1f}</text>',
           f'<text x="4" y="{base}" fill="#555" font-size="11">0</text>']
    mid = top + plot_h / 2
    for b in range(1, n):
        v = au[b]
        if math.isfinite(v):
            h = abs(v) / amax * plot_h / 2 * 0.9
            y0 = mid - h if v > 0 else mid
            out.append(f'<rect class="autonomy" x="{xs[b] - 4}" y="{y0:.1f}" width="8" height="{h:.1f}" '
                       f'fill="{"#7cc47c" if v > 0 else "#ccc"}"><title>autonomy {v:.3f}</title></rect>')
    for arr, color, name in ((hr, "#2f6fd0", "h_right"), (hl, "#e07b22", "h_left")):
        pts = [f"{xs[b]:.1f},{base - arr[b] / hmax * plot_h:.1f}" for b in range(n + 1) if math.isfinite(arr[b])]
        if pts:
            out.append(f'<polyline class="{name}" points="{" ".join(pts)}" fill="none" stroke="{color}" '
                       f'stroke-width="2"/>')
    if words:
        at = 0
        for w in words[:-1]:
            at += len(w)
            if 0 < at < n:
                out.append(f'<line class="word-end" x1="{xs[at]}" y1="{top}" x2="{xs[at]}" y2="{base + 30}" '
                           f'stroke="#c33" stroke-dasharray="4 3"/>')
    for i, c in enumerate(sentence):
        out.append(f'<text x="{xs[i] + step / 2:.1f}" y="{base + 22}" text-anchor="middle">{escape(c)}</text>')
    out.append(f'<text x="{left}" y="{height - 8}" font-size="11" fill="#2f6fd0">— right entropy</text>'
               f'<text x="{left + 110}" y="{height - 8}" font-size="11" fill="#e07b22">— left entropy</text>'
               f'<text x="{left + 210}" y="{height - 8}" font-size="11" fill="#4a9a4a">▮ autonomy</text>')
    out.append("</svg>")
    return "".join(out)


# ---------------------------------------------------------------------- concordance
def kwic_html(table: Any) -> str:
    """A :meth:`CorpusIndex.kwic` table as an HTML table: left context right-aligned,
    the match in bold, the right context left-aligned."""
    rows = table.to_pylist()
    out = ['<table class="kwic"><thead><tr><th>source</th><th>line</th><th style="text-align:right">left</th>'
           '<th>match</th><th style="text-align:left">right</th></tr></thead><tbody>']
    for r in rows:
        out.append(f'<tr><td>{escape(os.path.basename(str(r["source"])))}</td><td>{r["line"]}</td>'
                   f'<td style="text-align:right;white-space:pre">{escape(r["left"])}</td>'
                   f'<td style="white-space:pre"><b>{escape(r["match"])}</b></td>'
                   f'<td style="text-align:left;white-space:pre">{escape(r["right"])}</td></tr>')
    out.append("</tbody></table>")
    return "".join(out)


class Kwic:
    """A KWIC table that renders as HTML in Jupyter: ``Kwic(index.kwic("宝玉"))``; the
    pyarrow table is ``.table``."""

    def __init__(self, table: Any) -> None:
        self.table = table

    def _repr_html_(self) -> str:
        return kwic_html(self.table)

    def to_html(self) -> str:
        return kwic_html(self.table)
