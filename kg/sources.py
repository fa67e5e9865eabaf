"""Read article sources: files, directories (recursive) and `-` (stdin).

The format is sniffed from the content, never the extension:
- a JSON array or JSON Lines of article records (WeChat exports and plain
  `id/title/text` records), or of `kg extract` output (passed through as
  Extraction, so `kg load` can take JSONL made elsewhere);
- an HTML page (main text taken by trafilatura);
- plain text: one article per file.
Problems are reported through `on_error` with the file (and record) named;
one bad input never stops the others.
"""
from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from kg.errors import SourceError
from kg.model import Article, Extraction

OnError = Callable[[SourceError], None]

# WeChat export keys first, then plain keys; the first present wins.
FIELD_KEYS = {
    "id": ("文章标识符aid", "id", "doc_id", "aid"),
    "title": ("标题title", "title"),
    "url": ("链接url", "url", "link"),
    "date": ("时间time", "date", "time", "published"),
    "source": ("公众号名称", "source", "publisher"),
    "text": ("finalContent", "text", "content", "body"),
}

_DATE_LABELLED = re.compile(
    r"(?:日期|发布于|发布时间|发表于|时间|更新时间)\s*[:：]?\s*"
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_DATE_LEADING = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})[ T]\d{1,2}:\d{2}", re.M)
_DATE_ANY = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_HTML_START = re.compile(r"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|div|article|p)\b",
                         re.I | re.S)
HEADER_LINES = 12     # where a publication date may be announced


def read(paths: Iterable[str], on_error: OnError | None = None) -> Iterator[Article | Extraction]:
    """Yield every article found under `paths`, in a stable order."""
    report = on_error or _raise
    for path in paths:
        if path == "-":
            yield from read_bytes(sys.stdin.buffer.read(), "-", "stdin", report)
            continue
        p = Path(path)
        if p.is_dir():
            files = sorted(f for f in p.rglob("*")
                           if f.is_file() and not any(part.startswith(".") for part in f.relative_to(p).parts))
        elif p.exists():
            files = [p]
        else:
            report(SourceError(path, "no such file or directory"))
            continue
        for f in files:
            try:
                data = f.read_bytes()
            except OSError as exc:
                report(SourceError(str(f), f"cannot read: {exc.strerror or exc}"))
                continue
            yield from read_bytes(data, str(f), f.stem, report)


def read_bytes(data: bytes, where: str, stem: str, report: OnError) -> Iterator[Article | Extraction]:
    """Sniff one file's bytes and yield its articles."""
    try:
        text = decode(data, where)
    except SourceError as exc:
        report(exc)
        return
    head = text.lstrip()
    if head.startswith(("[", "{")):
        yield from _read_json(text, where, stem, report)
    elif _HTML_START.match(head[:2000]):
        article = _read_html(text, where, stem, report)
        if article:
            yield article
    else:
        article = plain_text_article(text, where, stem)
        if _has_text(article, report):
            yield article


def decode(data: bytes, where: str) -> str:
    """UTF-8 (with or without BOM), else GB18030; binary data is refused."""
    if not data.strip():
        raise SourceError(where, "empty file")
    if b"\x00" in data[:8192]:
        raise SourceError(where, "binary file, not text")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _control_ratio(text[:4096]) > 0.02:
            raise SourceError(where, "binary file, not text")
        return text
    raise SourceError(where, "not UTF-8 or GB18030 text")


def _control_ratio(sample: str) -> float:
    bad = sum(1 for c in sample if ord(c) < 32 and c not in "\n\r\t\f")
    return bad / max(len(sample), 1)


def _read_json(text: str, where: str, stem: str, report: OnError) -> Iterator[Article | Extraction]:
    try:
        records = [(None, json.loads(text))]
    except json.JSONDecodeError as whole_error:
        records = list(_json_lines(text, where, whole_error, report))
    for line_no, obj in records:
        items = obj if isinstance(obj, list) else [obj]
        for i, rec in enumerate(items):
            n = i if line_no is None else line_no
            rec_where = f"{where}:{n}" if len(items) > 1 or line_no is not None else where
            item = record_to_item(rec, rec_where, stem, n, report)
            if item is not None:
                yield item


def _json_lines(text: str, where: str, whole_error: json.JSONDecodeError, report: OnError):
    lines = text.splitlines()
    if len(lines) <= 1 or text.lstrip().startswith("["):
        report(SourceError(where, f"invalid JSON: {whole_error.msg} at line {whole_error.lineno} "
                                  f"column {whole_error.colno}"))
        return
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            yield n, json.loads(line)
        except json.JSONDecodeError as exc:
            report(SourceError(f"{where}:{n}", f"invalid JSON line: {exc.msg}"))


def record_to_item(rec, where: str, stem: str, index: int, report: OnError) -> Article | Extraction | None:
    """Map one JSON record to an Article (or an Extraction from `kg extract`)."""
    if not isinstance(rec, dict):
        report(SourceError(where, f"record is a {type(rec).__name__}, not an object"))
        return None
    if "entities" in rec and "sha256" in rec and "doc_id" in rec:
        try:
            return Extraction.from_json(rec)
        except (KeyError, ValueError, TypeError) as exc:
            report(SourceError(where, f"malformed kg extract record: {exc}"))
            return None
    fields = {name: _first(rec, keys) for name, keys in FIELD_KEYS.items()}
    text = fields["text"]
    rid = fields["id"] or fields["url"] or f"{stem}#{index}"
    label = f"{where} (id {rid})"
    if text is None:
        report(SourceError(label, "record has no text field (finalContent/text/content)"))
        return None
    if not isinstance(text, str):
        report(SourceError(label, f"text field is a {type(text).__name__}, not a string"))
        return None
    article = Article(id=str(rid), title=str(fields["title"] or "").strip(), text=text,
                      date=parse_date(str(fields["date"] or "")) or find_date(text),
                      source=_str_or_none(fields["source"]), url=_str_or_none(fields["url"]),
                      path=where.rsplit(":", 1)[0] if where.count(":") else where, record=index)
    return article if _has_text(article, report, label) else None


def _first(rec: dict, keys: tuple[str, ...]):
    for k in keys:
        if k in rec and rec[k] is not None:
            return rec[k]
    return None


def _str_or_none(value) -> str | None:
    return str(value).strip() or None if value is not None else None


def _has_text(article: Article, report: OnError, label: str | None = None) -> bool:
    if article.text.strip():
        return True
    report(SourceError(label or article.where, "empty article, skipped", warning=True))
    return False


def plain_text_article(text: str, where: str, stem: str) -> Article:
    """One article per file; the title is found after cleaning (kg.clean)."""
    return Article(id=stem, title="", text=text, date=find_date(text), path=where)


def _read_html(text: str, where: str, stem: str, report: OnError) -> Article | None:
    import trafilatura   # imported here: it is slow to import and most inputs are not HTML

    doc = trafilatura.bare_extraction(text, with_metadata=True, include_comments=False,
                                      include_tables=True, favor_precision=True)
    body = (doc.text if doc else "") or ""
    if not body.strip():
        report(SourceError(where, "HTML page has no main text"))
        return None
    return Article(id=stem, title=(doc.title or "").strip(), text=body,
                   date=parse_date(doc.date or "") or find_date(text),
                   source=_str_or_none(doc.sitename), url=_str_or_none(doc.url), path=where)


def parse_date(value: str) -> str | None:
    """`2025-10-19`, `2025/10/19 08:00`, `2025年10月19日` -> `2025-10-19`."""
    m = _DATE_ANY.search(value)
    return _iso(m) if m else None


def find_date(text: str) -> str | None:
    """A publication date announced near the top of a text."""
    head = "\n".join(text.lstrip().splitlines()[:HEADER_LINES])
    m = _DATE_LABELLED.search(head) or _DATE_LEADING.search(head)
    if not m:
        m = _DATE_LEADING.search(text)       # a timestamp glued to a later line
    return _iso(m) if m else None


def _iso(m: re.Match) -> str | None:
    y, mo, d = (int(g) for g in m.groups()[:3])
    if not (1 <= mo <= 12 and 1 <= d <= 31 and 1900 <= y <= 2100):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"


def _raise(exc: SourceError) -> None:
    if not exc.warning:
        raise exc
