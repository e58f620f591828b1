"""Word-segmentation scoring (SIGHAN bakeoff style): precision, recall, F1 over word spans.

A word is scored by its character span in the line, so the prediction and the gold must
contain the same characters line by line (whitespace ignored); a mismatch raises
ValueError naming the line.
"""

from __future__ import annotations

from typing import Iterable, Optional, Union


def _spans(words: list[str]) -> set[tuple[int, int]]:
    out, pos = set(), 0
    for w in words:
        out.add((pos, pos + len(w)))
        pos += len(w)
    return out


def score(
    pred_lines: Iterable[Union[str, list[str]]],
    gold_lines: Iterable[Union[str, list[str]]],
    words: Optional[Iterable[str]] = None,
) -> dict[str, float]:
    """Score predicted segmentations against gold ones.

    Lines are space-separated words (or lists of words). ``words``: the training word
    list; when given, ``oov_recall`` is the recall of gold words not in it.
    Returns ``precision``, ``recall``, ``f1`` (0 when undefined), ``words_gold``,
    ``words_pred``, ``words_correct``, ``lines`` and, with ``words``, ``oov_recall``,
    ``oov_gold``.
    """
    vocab = set(words) if words is not None else None
    n_gold = n_pred = n_correct = oov_gold = oov_correct = 0
    lines = 0
    pred_iter, gold_iter = iter(pred_lines), iter(gold_lines)
    while True:
        p = next(pred_iter, None)
        g = next(gold_iter, None)
        if p is None and g is None:
            break
        if p is None or g is None:
            raise ValueError(f"prediction and gold differ in number of lines (at line {lines + 1})")
        lines += 1
        pw = p.split() if isinstance(p, str) else [w for w in p if w.strip()]
        gw = g.split() if isinstance(g, str) else [w for w in g if w.strip()]
        if "".join(pw) != "".join(gw):
            raise ValueError(f"line {lines}: prediction and gold have different characters")
        ps, gs = _spans(pw), _spans(gw)
        hit = ps & gs
        n_gold += len(gs)
        n_pred += len(ps)
        n_correct += len(hit)
        if vocab is not None:
            pos = 0
            for w in gw:
                span = (pos, pos + len(w))
                pos += len(w)
                if w not in vocab:
                    oov_gold += 1
                    oov_correct += span in hit
    precision = n_correct / n_pred if n_pred else 0.0
    recall = n_correct / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    out: dict[str, float] = {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "words_gold": n_gold,
        "words_pred": n_pred,
        "words_correct": n_correct,
        "lines": lines,
    }
    if vocab is not None:
        out["oov_recall"] = oov_correct / oov_gold if oov_gold else 0.0
        out["oov_gold"] = oov_gold
    return out


def read_lines(path) -> list[str]:
    """Lines of a UTF-8 file without their line ends (CRLF or LF). Invalid UTF-8 raises
    CorpusError with the file and byte offset."""
    import io

    from ._io import read_utf8

    # newline="": the lines a text-mode file would give (LF, CRLF or a lone CR ends a line)
    return [line.rstrip("\r\n") for line in io.StringIO(read_utf8(path), newline="")]
