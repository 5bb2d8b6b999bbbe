"""The phone-intake classifier: rank catalogue items for a free-text need (ADR 0012).

Pure, no Django, no internet. Each item is a small document built from its names (weight
2), synonyms (1.5) and category names (0.5). Terms are

* Chinese: character bigrams of every run of Han characters (``量血压`` -> ``量血``,
  ``血压``), plus single characters at a low weight (0.3) so one-character needs such as
  ``药`` still match;
* English: lower-cased word stems (a light suffix stripper: ``changed``/``change`` ->
  ``chang``, ``groceries`` -> ``grocery``), stop words removed, plus word-pair stems so
  phrases (``blood pressure``) count extra.

An item's score for a query is ``sum(idf(term) x weight(term, item))`` over the query's
distinct terms found in the item, with ``idf = ln(1 + N / df)``. ``suggest`` returns the
top ``k`` items with their score (rounded to 3 decimals) and the matched surface terms.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[a-z0-9]+")
_STOP_TEXT = """a an the and or of to for in on at with by from is are was be been it its this that
    he she her him his they them their we our i me my you your need needs needed want wants
    would like please help can could some get got has have had do does did not no yes
    someone somebody come home house mum mom dad father mother grandma grandpa grandmother
    grandfather elder old lady man woman person who what when where how will shall should
    again every day today tomorrow week"""
STOP_WORDS = frozenset(_STOP_TEXT.split())
ZH_STOP = frozenset("的了吗呢吧啊我你他她们要想请帮忙一下个是在有给和")


def stem(word: str) -> str:
    """A light English stemmer: enough to join plural, -ing, -ed and -e forms."""
    w = word.lower()
    if len(w) <= 3:
        return w
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("sses"):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    for suffix in ("ing", "ed"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[: -len(suffix)]
            if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz":
                w = w[:-1]  # shopp -> shop
            break
    if w.endswith("e") and len(w) > 3:
        w = w[:-1]
    return w


def terms(text: str) -> dict[str, tuple[float, str]]:
    """Term -> (weight factor, surface form) for ``text``."""
    out: dict[str, tuple[float, str]] = {}
    lowered = text.lower()
    for run in _HAN.findall(lowered):
        for i in range(len(run) - 1):
            gram = run[i : i + 2]
            out.setdefault("zh:" + gram, (1.0, gram))
        for ch in run:
            if ch not in ZH_STOP:
                out.setdefault("zh1:" + ch, (0.3, ch))
    words = [w for w in _WORD.findall(lowered) if w not in STOP_WORDS]
    stems = [stem(w) for w in words]
    for w, s in zip(words, stems, strict=True):
        out.setdefault("en:" + s, (1.0, w))
    for i in range(len(stems) - 1):
        out.setdefault("en2:" + stems[i] + " " + stems[i + 1], (1.0, words[i] + " " + words[i + 1]))
    return out


@dataclass(frozen=True)
class Doc:
    """What the classifier knows of one item."""

    item_id: int
    code: str
    names: tuple[str, ...]  # zh and en names
    synonyms: tuple[str, ...] = ()
    category_names: tuple[str, ...] = ()


@dataclass
class Index:
    docs: list[Doc]
    weights: list[dict[str, float]]  # per doc: term -> weight
    idf: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Suggestion:
    item_id: int
    code: str
    score: float
    matched: tuple[str, ...]


NAME_WEIGHT = 2.0
SYNONYM_WEIGHT = 1.5
CATEGORY_WEIGHT = 0.5


def build_index(docs: Iterable[Doc]) -> Index:
    docs = list(docs)
    weights: list[dict[str, float]] = []
    df: dict[str, int] = {}
    for doc in docs:
        w: dict[str, float] = {}
        for texts, base in (
            (doc.names, NAME_WEIGHT),
            (doc.synonyms, SYNONYM_WEIGHT),
            (doc.category_names, CATEGORY_WEIGHT),
        ):
            for text in texts:
                for term, (factor, _surface) in terms(text).items():
                    w[term] = max(w.get(term, 0.0), base * factor)
        weights.append(w)
        for term in w:
            df[term] = df.get(term, 0) + 1
    n = len(docs)
    idf = {term: math.log(1 + n / count) for term, count in df.items()}
    return Index(docs=docs, weights=weights, idf=idf)


def suggest(index: Index, text: str, k: int = 5) -> list[Suggestion]:
    """The ``k`` best items for ``text``, best first; items with no matching term are left
    out. Ties break by catalogue order."""
    query = terms(text)
    scored: list[tuple[float, int, list[str]]] = []
    for pos, w in enumerate(index.weights):
        score = 0.0
        matched: list[str] = []
        for term, (factor, surface) in query.items():
            if term in w:
                score += index.idf[term] * w[term]
                if factor >= 1 or not any(surface in m for m in matched):
                    matched.append(surface)
        if score > 0:
            scored.append((score, pos, matched))
    scored.sort(key=lambda t: (-t[0], t[1]))
    out: list[Suggestion] = []
    for score, pos, matched in scored[: max(0, k)]:
        doc = index.docs[pos]
        # Single characters already covered by a matched bigram are not repeated.
        shown = [m for m in matched if len(m) > 1 or not any(m in o for o in matched if o != m)]
        out.append(Suggestion(doc.item_id, doc.code, round(score, 3), tuple(dict.fromkeys(shown))))
    return out


def docs_from(rows: Sequence[tuple[int, str, str, str, list[str], str, str]]) -> list[Doc]:
    """(id, code, name_zh, name_en, synonyms, category_zh, category_en) -> docs."""
    return [
        Doc(
            item_id=r[0],
            code=r[1],
            names=(r[2], r[3]),
            synonyms=tuple(r[4]),
            category_names=(r[5], r[6]),
        )
        for r in rows
    ]
