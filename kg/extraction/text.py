"""Helpers the recognisers share: token lookup, name tracing, anchors.

A name is traced leftwards from its ending (…公司, …论坛) over jieba tokens
until a word that cannot be inside a name: punctuation, function words
(kg/data/boundary_words.txt), or a verb not known to occur in names
(kg/data/name_internal_words.txt).  A traced name must hold an anchor: a
place or proper-noun token, an unknown (out-of-dictionary) word, a Latin
word, a number, or a quoted part; otherwise it is a generic phrase
(专家委员会, 相关企业) and is dropped.
"""
from __future__ import annotations

import bisect
import re

from kg import data
from kg.extraction.doc import Doc, Token
from kg.extraction.words import boundary_words, generic_terms, internal_words, titles
from kg.model import EntityType, Mention
from kg.names import places

CJK_RE = re.compile(r"[\u3400-\u9fff]")
# "j" (abbreviation) is not an anchor: jieba gives it to common words such as 研发.
ANCHOR_TAGS = {"ns", "nr", "nrt", "nrfg", "nz", "nt", "eng", "x", "m"}
STOP_TAGS = {"p", "c", "u", "uj", "ul", "uz", "ug", "uv", "ud", "r", "rr", "rz", "d", "y", "e",
             "o", "punct", "space", "f", "q", "zg", "ad", "l", "i", "z"}
NAME_PUNCT = set("·-（）()&.")
# Prepositions that never begin a name; jieba's HMM sometimes glues one to
# the name after it (由联影, 当英国), so a traced name sheds them.
NEVER_FIRST = set("由当在对从向被将把据让使于经自至给跟同且而则但及与或即如去这那是其以")
# ...and what ends a clause's subject that jieba glued to it (吕桂军任): the name starts after.
GLUED_VERB_ENDS = NEVER_FIRST | {"任"}
NATIONAL = data.word_list("national_openings")
QUANTITY = re.compile(r"(?:\d+(?:\.\d+)?|[一二三四五六七八九十两几数多]+)[多余]?[个只家支项款种位亿万元笔批所名部大]")


def is_generic(name: str) -> bool:
    return name.lower() in generic_terms() or bool(QUANTITY.search(name))


class TokenIndex:
    """Find tokens by character offset."""

    def __init__(self, tokens: list[Token]):
        self.tokens = tokens
        self.starts = [t.start for t in tokens]
        self.ends = {t.end for t in tokens}
        self.start_set = set(self.starts)

    def at(self, pos: int) -> int:
        """Index of the token covering character `pos`."""
        return max(bisect.bisect_right(self.starts, pos) - 1, 0)

    def aligned(self, start: int, end: int) -> bool:
        return start in self.start_set and end in self.ends


def token_index(doc: Doc) -> TokenIndex:
    idx = getattr(doc, "_token_index", None)
    if idx is None or idx.tokens is not doc.tokens:
        idx = TokenIndex(doc.tokens)
        doc._token_index = idx          # cached on the doc: components share it
    return idx


def can_be_in_name(tok: Token, verbs_ok: bool = False) -> bool:
    w = tok.text
    if w in boundary_words():
        return False
    if w in internal_words() or w in NAME_PUNCT or w in places():        # 大连 is a place whatever jieba tags it
        return True
    if len(w) == 1 and re.match(r"[\u4e00-\u9fff]", w):
        # a lone character's dictionary tag says little (泓/q, 委/zg), except for function words
        return w not in NEVER_FIRST and tok.tag not in ("v", "p", "r", "u", "uj", "ul", "y")
    if tok.tag in STOP_TAGS:
        return False
    if tok.tag.startswith("v") and tok.tag != "vn" and not verbs_ok:
        return False
    return True


def trace_left(doc: Doc, start: int, max_len: int, floor: int = 0, verbs_ok: bool = False) -> int:
    """Leftmost offset of the name whose ending starts at `start`.

    `verbs_ok` lets verbs through (policy names are often verb phrases:
    …批次进口新政); function words and punctuation always stop the trace."""
    idx = token_index(doc)
    i = idx.at(start) - 1 if start in idx.start_set else idx.at(start)
    left = start
    if start not in idx.start_set:                 # the ending began inside a token
        tok = doc.tokens[i]
        left = tok.start
        i -= 1
    while i >= 0:
        tok = doc.tokens[i]
        if tok.start < floor or start - tok.start > max_len:
            break
        if tok.text == " " and i > 0 and doc.tokens[i - 1].tag == "eng":
            pass                                   # 拜耳Co.Lab 共创平台
        elif tok.text == "和" and (i == 0 or doc.tokens[i - 1].tag in ("punct", "space")):
            pass                                   # （和元生物、…: a name may begin with 和 after a break
        elif tok.tag == "x" and len(tok.text) > 1 and tok.text[0] in NEVER_FIRST:
            left = tok.start + 1                   # 如布|地奈德: the name starts after the glued 如
            break
        elif tok.tag == "x" and len(tok.text) > 1 and tok.text[-1] in GLUED_VERB_ENDS:
            break                                  # 吕桂军任|牡丹江大学: a subject and its verb, glued
        elif not can_be_in_name(tok, verbs_ok) or tok.text in titles():
            break                                  # …院士|复旦大学: a title ends the name before it
        left = tok.start
        i -= 1
    first = doc.tokens[idx.at(left)] if doc.tokens else None
    if first is not None and first.tag == "x" and first.start == left and left < start - 1:
        if doc.text[left] in NEVER_FIRST:
            while left < min(first.end, start - 1) and doc.text[left] in NEVER_FIRST:
                left += 1              # jieba glued a preposition to the name: 由联影医疗, 这是…
        else:
            glued = next((w for w in boundary_words() if len(w) > 1 and first.text.startswith(w)
                          and len(first.text) > len(w)), None)
            if glued:
                left += len(glued)     # …or a verb: 领投博睿康
    return balance(doc.text, left, start)


def balance(text: str, left: int, end: int) -> int:
    """Move `left` past an opening bracket that is not closed before `end`."""
    depth_open = None
    for pos in range(end - 1, left - 1, -1):
        ch = text[pos]
        if ch in ")）":
            depth_open = (depth_open or 0) + 1
        elif ch in "(（":
            if not depth_open:
                return pos + 1
            depth_open -= 1
    return left


def has_anchor(doc: Doc, start: int, end: int, digits: bool = False, national: bool = True) -> bool:
    """Does the span hold a token that makes it a proper name?

    Numbers count only when `digits` (a year makes an event named, but
    `400项细胞` is no organisation)."""
    idx = token_index(doc)
    i = idx.at(start)
    while i < len(doc.tokens) and doc.tokens[i].start < end:
        tok = doc.tokens[i]
        if tok.tag == "m":
            if digits and any(c.isdigit() for c in tok.text):
                return True
        elif tok.tag in ANCHOR_TAGS and (len(tok.text) > 1 or tok.tag == "eng"):
            return True
        elif national and tok.start == start and tok.text in NATIONAL:
            return True                # 国际药物信息协会, 国家卫生健康委…中心
        i += 1
    pattern = r"[A-Za-z0-9]" if digits else r"[A-Za-z]"
    return bool(re.search(pattern, doc.text[start:end]))


def quoted_span(text: str, start: int, end: int, max_len: int = 40) -> tuple[int, int] | None:
    """The quoted span (“…”, "…", 「…」) that closes exactly at `end` and holds `start`."""
    pairs = {"”": "“", "」": "「", '"': '"'}
    if end >= len(text) or text[end] not in pairs:
        return None
    close = text[end]
    if close == '"' and text.count('"', text.rfind("\n", 0, end) + 1, end) % 2 == 0:
        return None                     # an even count before it: this " opens a quote
    opening = text.rfind(pairs[close], max(0, end - max_len), start + 1)
    if opening < 0:
        return None
    inner = text[opening + 1:end]
    if close in inner or pairs[close] in inner or "\n" in inner:
        return None
    return opening + 1, end


def add_mention(doc: Doc, start: int, end: int, etype: EntityType, rule: str,
                ref: str | None = None) -> Mention | None:
    text = doc.text[start:end]
    if not text.strip() or is_generic(text) or in_byline(doc, start, end):
        return None
    m = Mention(start, end, text, etype, rule=rule, sentence=doc.sentence_at(start), ref=ref)
    doc.mentions.append(m)
    return m


def in_byline(doc: Doc, start: int, end: int) -> bool:
    """Is [start, end) inside a byline, dateline or credit (doc.bylines, kg/data/bylines.txt)?"""
    i = bisect.bisect_right(doc.bylines, (start, float("inf"))) - 1
    return i >= 0 and doc.bylines[i][1] > start
