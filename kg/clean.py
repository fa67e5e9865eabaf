"""Article -> Doc: remove what is not the article, keep a map to raw offsets.

Each rule is a small function `Text -> Text`.  `Text` carries, for every
character it holds, the offset of the raw character it came from, so that
evidence found in clean text can be located in the original file.
"""
from __future__ import annotations

import hashlib
import re
from array import array
from collections.abc import Callable
from dataclasses import dataclass

from kg import data
from kg.model import Article

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
TERMINAL = "。！？!?；;…"                       # a sentence ends here
CLOSERS = "”’\"'」』）)】》"                     # ...possibly followed by these


def offsets(values=()) -> array:
    """Raw offsets, 4 bytes each (a list of ints would take ~36 bytes per character)."""
    return array("i", values)


@dataclass
class Text:
    """A string plus the raw offset of each of its characters (-1: inserted)."""
    s: str
    pos: array

    @classmethod
    def of(cls, raw: str) -> "Text":
        return cls(raw, offsets(range(len(raw))))

    def sub(self, pattern: re.Pattern, repl: str | Callable[[re.Match], str]) -> "Text":
        """re.sub that keeps offsets: kept characters keep theirs; a replacement
        takes the offsets of the characters it replaces (or the match start)."""
        out, pos, last = [], offsets(), 0
        for m in pattern.finditer(self.s):
            a, b = m.span()
            r = repl if isinstance(repl, str) else repl(m)
            if r == m.group(0):
                continue
            out.append(self.s[last:a])
            pos.extend(self.pos[last:a])
            out.append(r)
            pos.extend(self.pos[a:a + min(len(r), b - a)])
            pos.extend([self.pos[b - 1] if b > a else -1] * max(len(r) - (b - a), 0))
            last = b
        if last == 0 and not out:
            return self
        out.append(self.s[last:])
        pos.extend(self.pos[last:])
        return Text("".join(out), pos)

    def translate(self, table: dict) -> "Text":
        """One-to-one character mapping; offsets unchanged."""
        return Text(self.s.translate(table), self.pos)

    def lines(self) -> list["Text"]:
        out, start = [], 0
        for piece in self.s.split("\n"):
            end = start + len(piece)
            out.append(Text(piece, self.pos[start:end]))
            start = end + 1
        return out

    @staticmethod
    def join(parts: list["Text"], sep: str = "\n") -> "Text":
        s, pos = [], offsets()
        for i, part in enumerate(parts):
            if i:
                s.append(sep)
                pos.extend([-1] * len(sep))
            s.append(part.s)
            pos.extend(part.pos)
        return Text("".join(s), pos)


def _line_filter(keep: Callable[[str], bool]) -> Callable[[Text], Text]:
    def rule(text: Text) -> Text:
        return Text.join([line for line in text.lines() if keep(line.s)])
    return rule


# --- character-level rules -------------------------------------------------

_NEWLINES = re.compile(r"\r\n?|[\u2028\u2029\x0b\x0c\x85]")
_INVISIBLE = re.compile(r"[\u200b-\u200f\u2060\ufeff\u00ad]")
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
_FULLWIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)
              if chr(c - 0xFEE0).isalnum()}
_FULLWIDTH.update({0x3000: 0x20, 0xA0: 0x20})


def normalise_newlines(text: Text) -> Text:
    """`\\r\\n` and lone `\\r` (WeChat exports use it) become `\\n`."""
    return text.sub(_NEWLINES, "\n")


def normalise_width(text: Text) -> Text:
    """Full-width digits and Latin letters become half-width (Ｆ Ｄ Ａ -> FDA)."""
    return text.translate(_FULLWIDTH)


def drop_invisible(text: Text) -> Text:
    return text.sub(_INVISIBLE, "")


def collapse_spaces(text: Text) -> Text:
    """Runs of spaces become one; lines lose leading and trailing spaces."""
    text = text.sub(_SPACES, " ")
    return Text.join([_strip(line) for line in text.lines()])


def _strip(line: Text) -> Text:
    a, b = 0, len(line.s)
    while a < b and line.s[a] == " ":
        a += 1
    while b > a and line.s[b - 1] == " ":
        b -= 1
    return Text(line.s[a:b], line.pos[a:b])


_CJK_SPACE = re.compile(rf"(?<=[{CJK}，、。：；）”]) (?=[{CJK}（“])")


def join_cjk_spaces(text: Text) -> Text:
    """OCR and typesetting put spaces inside Chinese words: `第一三 共` -> `第一三共`."""
    return text.sub(_CJK_SPACE, "")


_ASCII_PUNCT = re.compile(rf"(?<=[{CJK}”》）])[,;](?=\S)|(?<=\S)[,;](?=[{CJK}“《（])")
_WIDE = {",": "，", ";": "；"}


def widen_cjk_punctuation(text: Text) -> Text:
    """A comma or semicolon typed in ASCII next to Chinese is a Chinese one (…之后,随着 ->
    …之后，随着), so clause rules need not know both; 1,000 and English text keep theirs."""
    return text.sub(_ASCII_PUNCT, lambda m: _WIDE[m.group(0)])


_GLUED_TIMESTAMP = re.compile(r"^\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{2}(?::\d{2})?(?=\S)", re.M)


def split_glued_timestamps(text: Text) -> Text:
    """A scrape glues the page timestamp to the next line: drop the stamp."""
    return text.sub(_GLUED_TIMESTAMP, "")


# --- line-level rules --------------------------------------------------------

def is_furniture(line: str) -> bool:
    return any(p.search(line) for p in data.patterns("furniture.txt"))


drop_furniture = _line_filter(lambda line: not is_furniture(line))
drop_furniture.__doc__ = "Navigation, calls to action, counters, credits (kg/data/furniture.txt)."

_PLACEHOLDER = re.compile(r"\{[^{}\n]{1,16}\}")
_WRAPPED = re.compile(r"^<[^<>]{4,}>$")
_CLICKBAIT = re.compile(r"^[^。，,！!？?]{2,24}[:：][^。，,]{2,30}[:：][^。，,]{2,40}$")


def spam_score(line: str) -> int:
    score = sum(int(w) for term, w in data.table("spam.txt", 2) if term in line)
    score += bool(_WRAPPED.match(line)) + bool(_CLICKBAIT.match(line))
    return score


def drop_spam(text: Text) -> Text:
    """Template placeholders (`{随机干扰码}`) go; gambling/adult/download spam
    lines go (kg/data/spam.txt).  A line needs two signals, so a real
    sentence that happens to contain one weak term survives."""
    kept = []
    for line in text.lines():
        bare = line.sub(_PLACEHOLDER, "")
        if (bare.s.strip() or not line.s.strip()) and spam_score(bare.s) < 2:
            kept.append(bare)
    return Text.join(kept)


def drop_repeated_paragraphs(text: Text, min_len: int = 6) -> Text:
    """A scraped page may carry its article several times: keep the first copy."""
    seen, kept = set(), []
    for line in text.lines():
        key = re.sub(r"\s+", "", line.s)
        if len(key) >= min_len:
            if key in seen:
                continue
            seen.add(key)
        kept.append(line)
    return Text.join(kept)


_NO_BREAK_AFTER = TERMINAL + CLOSERS + ":："


def repair_broken_lines(text: Text, min_len: int = 24) -> Text:
    """Join lines an OCR'd column broke mid-sentence.

    A long body line that does not end a sentence, followed (after blank
    lines) by a line starting with a Chinese character, continues there.
    Short lines are headings and keep their breaks."""
    out: list[list[Text]] = []          # each output line as its pieces: joining is linear
    for line in text.lines():
        prev = _last_nonblank(out)
        last = out[prev][-1].s if prev is not None else ""
        if (prev is not None and line.s and _starts_cjk(line.s)
                and sum(len(p.s) for p in out[prev]) >= min_len and last[-1] not in _NO_BREAK_AFTER):
            del out[prev + 1:]                              # the blank lines in between
            out[prev].append(line)
        else:
            out.append([line])
    return Text.join([Text.join(pieces, "") if len(pieces) > 1 else pieces[0] for pieces in out])


def _last_nonblank(lines: list[list[Text]]) -> int | None:
    for i in range(len(lines) - 1, max(len(lines) - 4, -1), -1):
        if lines[i][-1].s:
            return i
    return None


def _starts_cjk(s: str) -> bool:
    return bool(re.match(rf"[{CJK}]", s))


_PHOTO_CREDIT = re.compile(r"(?<=[。！？!?）)])\s*[\u4e00-\u9fff]{2,4}\s?(?:摄|摄影|供图|/摄)\s*$", re.M)


def strip_photo_credits(text: Text) -> Text:
    """…展示用于无创血糖仪的芯片。王翔 摄: a credit after a caption goes."""
    return text.sub(_PHOTO_CREDIT, "")


_URL = re.compile(r"(?:详见|原文|链接|网址)?[:：]?\s*(?:https?://|www\.)[A-Za-z0-9._~:/?#\[\]@!$&'*+,;=%-]+")


def drop_urls(text: Text) -> Text:
    """Links are not prose: 详见：http://s.mrw.so/bLVW2 would read as a brand name."""
    return text.sub(_URL, "")


_BLANK_RUNS = re.compile(r"\n{3,}")


def collapse_blank_lines(text: Text) -> Text:
    text = text.sub(_BLANK_RUNS, "\n\n")
    a = len(text.s) - len(text.s.lstrip("\n"))
    b = len(text.s.rstrip("\n"))
    return Text(text.s[a:b], text.pos[a:b])


RULES: tuple[Callable[[Text], Text], ...] = (
    normalise_newlines, drop_invisible, normalise_width, drop_urls, collapse_spaces, strip_photo_credits,
    join_cjk_spaces, widen_cjk_punctuation, split_glued_timestamps, drop_furniture, drop_spam,
    drop_repeated_paragraphs, repair_broken_lines, collapse_blank_lines,
)


def clean_text(raw: str, rules=RULES) -> Text:
    text = Text.of(raw)
    for rule in rules:
        text = rule(text)
    return text


# --- titles ---------------------------------------------------------------

_HEADLINE_MAX = 60


def find_title(body: str) -> str:
    """The first line that reads as a headline; else the first sentence."""
    lines = [line for line in body.split("\n") if line.strip()]
    paragraphs = 0
    for line in lines[:8]:
        if 6 <= len(line) <= _HEADLINE_MAX and line[-1] not in "。；;，,：:" \
                and not re.search(r"[。；;]", line[:-1]):
            return line
        paragraphs += len(line) > _HEADLINE_MAX
        if paragraphs >= 2:          # deep in the body: a short line now is a section heading
            break
    first = lines[0] if lines else ""
    m = re.search(r"[。！？!?]", first)
    return first[:m.start()] if m and m.start() >= 4 else first[:_HEADLINE_MAX]


@dataclass
class CleanArticle:
    """An article's clean text (title first) and, per character, its raw offset (-1: inserted)."""
    article: Article
    text: str
    offsets: list[int]


def clean_article(article: Article) -> CleanArticle:
    """Clean the article body; the title leads the text extraction reads."""
    body = clean_text(article.text)
    title_text = clean_text(article.title).s.replace("\n", " ") if article.title else ""
    title = title_text or find_title(body.s)
    first_line = body.s.split("\n", 1)[0]
    if title_text and first_line != title_text:
        text = Text.join([Text(title_text, offsets([-1] * len(title_text))), body])
    else:
        text = body
    article.title = title
    return CleanArticle(article=article, text=text.s, offsets=text.pos)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
