"""Comment text: cleaning (NFC, whitespace, length), word segmentation, stop words, terms and phrases.

Vietnamese writes a word of several syllables with spaces between them ("nhân viên", "chất lượng"), so
splitting on spaces counts syllables, not words. :func:`words` segments Vietnamese text with
underthesea's CRF word segmenter (``underthesea.word_tokenize``), a maintained library trained on the
VLSP 2013 corpus whose model (``ws_crf_vlsp2013_20230727``) ships inside the Python package itself: it
runs offline, downloads nothing at run time and needs no GPU or Hugging Face model (checked with
``HF_HUB_OFFLINE=1`` and every network connection refused, ``tests/test_nps_comments.py``). The
alternatives were pyvi (unmaintained since 2019) and VnCoreNLP (Java and a model download).

underthesea 9.5 does not always join the syllables we would: "nhân viên", "chất lượng", "hỗ trợ" come
back as one word each, but "giao hàng" (deliver goods) comes back as the two words "giao" and "hàng" in
every sentence we tried. Two-word phrases (:func:`terms`) recover it: "giao hàng" is a phrase of the
comment. Text without Vietnamese letters (English, unaccented Vietnamese, other Latin-script languages)
is split into words on spaces and punctuation. Scripts written without spaces (Chinese, Japanese,
Thai) are split into characters, so their two-character words appear among the phrases.
"""
from __future__ import annotations

import functools
import itertools
import math
import re
import unicodedata
from importlib import resources

__all__ = ["ELLIPSIS", "STOP_WORDS_FILE", "clause_words", "clean", "is_vietnamese", "stop_words", "terms", "words"]

#: the file of stop words shipped in this package (one a line, ``#`` comments)
STOP_WORDS_FILE = "stopwords.txt"
ELLIPSIS = "…"
#: letters found in Vietnamese and in no English word (lower case; upper case is lowered first)
_VIETNAMESE = re.compile("[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ]")
#: characters of scripts written without spaces between words: Han, Hiragana, Katakana, Thai, Lao, Khmer
_UNSPACED = re.compile("[\u0e00-\u0eff\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_SPACES = re.compile(r"\s+")
#: where a comment is cut into clauses: sentence punctuation (no word spans it)
_BREAK = re.compile(r"[.,;:!?…()\[\]{}\"“”«»|/\\\n]+|\s[-–—]+\s")


def clean(text, max_chars: int = 500) -> tuple[str, bool]:
    """(the comment in NFC with whitespace collapsed, cut at ``max_chars`` with an ellipsis; whether it was cut).

    A blank or missing comment gives ``("", False)``. The cut falls on the last space before the limit
    when there is one in its second half, so a word is not broken.

    >>> clean("  Giao\\nhàng   nhanh ")
    ('Giao hàng nhanh', False)
    >>> clean("nhân viên nhiệt tình và chu đáo", max_chars=20)
    ('nhân viên nhiệt…', True)
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return "", False
    s = _SPACES.sub(" ", unicodedata.normalize("NFC", str(text))).strip()
    if len(s) <= max_chars:
        return s, False
    head = s[: max_chars - 1]
    space = head.rfind(" ")
    if space > (max_chars - 1) // 2:
        head = head[:space]
    return head.rstrip(" ,.;:-") + ELLIPSIS, True


def is_vietnamese(text: str) -> bool:
    """Whether ``text`` holds a Vietnamese letter (a tone mark, ơ, ư, đ, ...): then it is segmented.

    >>> is_vietnamese("Giao hàng nhanh"), is_vietnamese("Fast delivery")
    (True, False)
    """
    return bool(_VIETNAMESE.search(text.lower()))


@functools.cache
def _segmenter():
    from underthesea import word_tokenize

    return word_tokenize


@functools.cache
def stop_words() -> frozenset[str]:
    """The stop words of both languages (``kpi_analysis/nps/stopwords.txt``), lower case, NFC."""
    try:
        raw = resources.files(__package__).joinpath(STOP_WORDS_FILE).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(f"kpi_analysis.nps: the stop-word file {STOP_WORDS_FILE} is missing from the "
                                "installed package (declare it in pyproject.toml's package-data).") from None
    lines = (unicodedata.normalize("NFC", line.strip()).lower() for line in raw.splitlines())
    return frozenset(line for line in lines if line and not line.startswith("#"))


def words(text: str) -> list[str]:
    """The words of a cleaned comment, lower case, in order; punctuation, numbers and emoji are ``None``
    (kept as breaks, so no phrase spans them).

    The text is cut into clauses at punctuation and each distinct clause is segmented once per process
    (:func:`clause_words`, cached): comments repeat clauses ("giao hàng nhanh") far more often than whole
    texts, and no word spans a punctuation mark.

    >>> words("Nhân viên nhiệt tình!")
    ['nhân viên', 'nhiệt tình', None]
    >>> words("Great service 👍")
    ['great', 'service', None]
    """
    out: list[str | None] = []
    at = 0
    for m in _BREAK.finditer(text or ""):
        out += clause_words(text[at:m.start()])
        out.append(None)
        at = m.end()
    return out + clause_words(text[at:]) if text else out


@functools.lru_cache(maxsize=1 << 17)
def clause_words(clause: str) -> list[str | None]:
    """The words of one clause (no sentence punctuation inside), as :func:`words` gives them; cached."""
    clause = clause.strip()
    if not clause:
        return []
    pieces = _segmenter()(clause) if is_vietnamese(clause) else _plain_pieces(clause)
    out: list[str | None] = []
    for piece in pieces:
        piece = piece.lower()
        if _UNSPACED.search(piece):
            out.extend(_unspaced(piece))
        elif any(ch.isalpha() for ch in piece):
            out.append(piece)
        else:
            out.append(None)  # a number, an emoji, a symbol: a break between phrases
    return out


def _plain_pieces(text: str) -> list[str]:
    """Words and the separators between them of text that is not segmented (separators become breaks)."""
    out, at = [], 0
    for m in _WORD.finditer(text):
        if text[at:m.start()].strip():
            out.append(text[at:m.start()].strip())
        out.append(m.group())
        at = m.end()
    if text[at:].strip():
        out.append(text[at:].strip())
    return out


def _unspaced(piece: str) -> list[str | None]:
    """A piece holding characters of a script without spaces: one item per such character."""
    out: list[str | None] = []
    run = ""
    for ch in piece:
        if _UNSPACED.match(ch):
            if run:
                out.append(run if any(c.isalpha() for c in run) else None)
                run = ""
            out.append(ch if ch.isalpha() else None)
        else:
            run += ch
    if run:
        out.append(run if any(c.isalpha() for c in run) else None)
    return out


def terms(text: str, stop: frozenset[str] | None = None) -> tuple[frozenset[str], frozenset[str]]:
    """(words, phrases) of a cleaned comment: its words that are not stop words, and its two-word
    phrases (two such words side by side, with no punctuation or stop word between them).

    >>> found = terms("Giao hàng chậm, nhân viên không báo trước.")
    >>> sorted(found[0])
    ['báo', 'chậm', 'giao', 'hàng', 'không', 'nhân viên', 'trước']
    >>> sorted(found[1])
    ['báo trước', 'giao hàng', 'hàng chậm', 'không báo', 'nhân viên không']
    """
    stop = stop_words() if stop is None else stop
    kept = [w if w is not None and w not in stop else None for w in words(text)]
    return (frozenset(w for w in kept if w is not None),
            frozenset(f"{a} {b}" for a, b in itertools.pairwise(kept) if a is not None and b is not None))
