"""Read article sources: files, directories (recursive) and `-` (stdin).

Article ids: a record's own id field (WeChat exports, `id`), else the file's
path relative to the directory it was found under, without its extension
(`site/2025/index` for site/2025/index.html under the argument `archive/`),
or the file's name without extension when the file itself was named.  Two
articles with one id in a run are an error naming both places; the first wins.

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

import codecs
import json
import os
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
    """Yield every article found under `paths`, in a stable order, each id once."""
    report = on_error or _raise
    seen: dict[str, str] = {}            # id -> where it was first read
    for item, where in _read_all(paths, report):
        aid = item.doc_id if isinstance(item, Extraction) else item.id
        if aid in seen:
            report(duplicate(aid, where, seen[aid]))
            continue
        seen[aid] = where
        yield item


def duplicate(aid: str, where: str, first: str) -> SourceError:
    """The error for a second article with one id (the first read wins)."""
    return SourceError(where, f"duplicate article id {aid!r}, first read at {first}; "
                              "this copy is skipped (give each article its own id)")


def _read_all(paths: Iterable[str], report: OnError) -> Iterator[tuple[Article | Extraction, str]]:
    for f, file_id in files(paths, report):
        if f == "-":
            yield from read_located(sys.stdin.buffer.read(), "-", "stdin", report)
            continue
        try:
            data = f.read_bytes()
        except OSError as exc:
            report(SourceError(str(f), f"cannot read: {exc.strerror or exc}"))
            continue
        yield from read_located(data, str(f), file_id, report)


def files(paths: Iterable[str], report: OnError) -> Iterator[tuple[Path | str, str]]:
    """(file, article id of a one-article file) for every file under `paths`, in reading order;
    `-` (stdin) passes as it is.  `str(file)` is where its articles say they were read."""
    for path in paths:
        if path == "-":
            yield "-", "stdin"
            continue
        p = Path(path)
        if p.is_dir():
            yield from ((f, _file_id(f.relative_to(p))) for f in _walk(p, report))
        elif p.exists():
            yield p, p.stem
        else:
            report(SourceError(path, "no such file or directory"))


def _walk(root: Path, report: OnError) -> list[Path]:
    """Files under `root` in a stable order, hidden ones aside; an unreadable folder is reported."""
    found = []

    def unreadable(exc: OSError) -> None:
        report(SourceError(exc.filename or str(root), f"cannot read folder: {exc.strerror or exc}"))

    for folder, dirs, names in os.walk(root, onerror=unreadable):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found += [Path(folder) / n for n in names if not n.startswith(".")]
    return sorted((f for f in found if f.is_file()), key=lambda f: f.relative_to(root).parts)


def _file_id(relative: Path) -> str:
    """`site/2025/index.html` -> `site/2025/index`: unique among the files of one folder."""
    return relative.with_suffix("").as_posix() if relative.suffix else relative.as_posix()


def read_bytes(data: bytes, where: str, stem: str, report: OnError) -> Iterator[Article | Extraction]:
    """Sniff one file's bytes and yield its articles."""
    for item, _ in read_located(data, where, stem, report):
        yield item


def read_located(data: bytes, where: str, file_id: str,
                 report: OnError) -> Iterator[tuple[Article | Extraction, str]]:
    """Sniff one file's bytes and yield its articles, each with where it was read (`file[:record]`)."""
    try:
        text = decode(data, where)
    except SourceError as exc:
        report(exc)
        return
    head = text.lstrip()
    if head.startswith(("[", "{")):
        yield from _read_json(text, where, file_id, report)
        return
    if _HTML_START.match(head[:2000]):
        article = _read_html(text, where, file_id, report)
    else:
        article = plain_text_article(text, where, file_id)
        article = article if _has_text(article, report) else None
    if article:
        yield article, where


_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def decode(data: bytes, where: str) -> str:
    """UTF-8 (with or without BOM), UTF-16/32 with a BOM, else GB18030; binary data is refused."""
    if not data.strip():
        raise SourceError(where, "empty file")
    for bom, encoding in _BOMS:          # UTF-32 LE starts with the UTF-16 LE mark: test it first
        if data.startswith(bom):
            try:
                return _text_or_binary(data.decode(encoding), where)
            except UnicodeDecodeError:
                raise SourceError(where, f"starts like {encoding.upper()} text but is not") from None
    if b"\x00" in data[:8192]:
        raise SourceError(where, "binary file, not text")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return _text_or_binary(text, where)
    raise SourceError(where, "not UTF-8, UTF-16 or GB18030 text")


def _text_or_binary(text: str, where: str) -> str:
    if _control_ratio(text[:4096]) > 0.02:
        raise SourceError(where, "binary file, not text")
    return text


def _control_ratio(sample: str) -> float:
    bad = sum(1 for c in sample if ord(c) < 32 and c not in "\n\r\t\f")
    return bad / max(len(sample), 1)


def _read_json(text: str, where: str, file_id: str, report: OnError) -> Iterator[tuple[Article | Extraction, str]]:
    """A JSON array, one JSON object, or JSON Lines.  A broken array keeps the records before the break."""
    try:
        whole = json.loads(text)
    except json.JSONDecodeError as exc:
        if text.lstrip().startswith("["):
            records = _array_prefix(text, where, exc, report)
        elif "\n" in text.strip():
            records = _json_lines(text, where, report)
        else:
            report(SourceError(where, f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"))
            return
    else:
        items = whole if isinstance(whole, list) else [whole]
        records = ((i, f"{where}:{i}" if isinstance(whole, list) else where, rec) for i, rec in enumerate(items))
    for index, rec_where, rec in records:
        item = record_to_item(rec, rec_where, file_id, index, report, path=where)
        if item is not None:
            yield item, rec_where


def _array_prefix(text: str, where: str, error: json.JSONDecodeError, report: OnError):
    """The complete records of a JSON array cut short, then one error for the break."""
    decoder = json.JSONDecoder()
    pos, index = text.index("[") + 1, 0
    while True:
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        try:
            rec, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError:
            break
        yield index, f"{where}:{index}", rec
        index += 1
    report(SourceError(where, f"invalid JSON at line {error.lineno} column {error.colno}: {error.msg} "
                              f"(the array breaks after {index} complete record{'s' if index != 1 else ''}, "
                              "which are read)"))


def _json_lines(text: str, where: str, report: OnError, first_line: int = 1):
    """Records of JSON Lines text whose first line is line `first_line` of file `where`.  Lines
    end at "\n" only: a JSON string may hold U+2028 or U+0085 as they are, which str.splitlines
    would take for line ends."""
    for n, line in enumerate(text.split("\n"), first_line):
        if not line.strip():
            continue
        try:
            yield n, f"{where}:{n}", json.loads(line)
        except json.JSONDecodeError as exc:
            report(SourceError(f"{where}:{n}", f"invalid JSON line at column {exc.colno}: {exc.msg}"))


def json_lines_head(head: bytes) -> bool:
    """Does a file starting with `head` (up to at least its first line end) read as JSON Lines,
    provided it is UTF-8 throughout and holds a second record?  Such a file can be read in runs
    of lines (read_json_lines), each with the ids and places reading it whole would give."""
    if head.startswith(tuple(bom for bom, _ in _BOMS)) or b"\x00" in head[:8192]:
        return False
    first, newline, _ = head.lstrip().partition(b"\n")
    try:
        text = head[:head.rindex(b"\n")].decode("utf-8-sig") if newline else ""
        record = json.loads(first.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(record, dict) and _control_ratio(text[:4096]) <= 0.02


def read_json_lines(data: bytes, where: str, file_id: str, first_line: int,
                    report: OnError) -> Iterator[tuple[Article | Extraction, str]]:
    """The records of a run of whole lines of a JSON Lines file, the run's first line being line
    `first_line` of file `where` (1 for the file's start, where a BOM may be)."""
    try:
        text = data.decode("utf-8-sig" if first_line == 1 else "utf-8")
    except UnicodeDecodeError as exc:
        report(SourceError(where, f"not UTF-8 text from line {first_line}: {exc.reason}"))
        return
    for index, rec_where, rec in _json_lines(text, where, report, first_line):
        item = record_to_item(rec, rec_where, file_id, index, report, path=where)
        if item is not None:
            yield item, rec_where


_TEXT_FIELDS = ("title", "date", "source", "url")


def record_to_item(rec, where: str, file_id: str, index: int, report: OnError,
                   path: str | None = None) -> Article | Extraction | None:
    """Map one JSON record to an Article (or an Extraction from `kg extract`)."""
    if not isinstance(rec, dict):
        report(SourceError(where, f"record is a {type(rec).__name__}, not an object"))
        return None
    if "entities" in rec and "sha256" in rec and "doc_id" in rec:
        try:
            extraction = Extraction.from_json(rec)
            extraction.where = where
            return extraction
        except ValueError as exc:
            report(SourceError(where, f"malformed kg extract record: {exc}"))
            return None
    fields = {name: _first(rec, keys) for name, keys in FIELD_KEYS.items()}
    text = fields["text"]
    rid = fields["id"] or fields["url"] or f"{file_id}#{index}"
    label = f"{where} (id {rid})"
    if text is None:
        report(SourceError(label, "record has no text field (finalContent/text/content)"))
        return None
    if isinstance(rid, (dict, list)):
        report(SourceError(where, f"id field is a {type(rid).__name__}, not a string or number"))
        return None
    for name in ("text", *_TEXT_FIELDS):
        value = fields[name]
        if value is not None and not isinstance(value, (str, int, float)) or name == "text" and not isinstance(value, str):
            report(SourceError(label, f"{name} field is a {type(value).__name__}, not a string"))
            return None
    article = Article(id=str(rid), title=str(fields["title"] or "").strip(), text=text,
                      date=parse_date(str(fields["date"] or "")) or find_date(text),
                      source=_str_or_none(fields["source"]), url=_str_or_none(fields["url"]),
                      path=path or where, record=index)
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


def plain_text_article(text: str, where: str, file_id: str) -> Article:
    """One article per file; the title is found after cleaning (kg.clean)."""
    return Article(id=file_id, title="", text=text, date=find_date(text), path=where)


def _read_html(text: str, where: str, file_id: str, report: OnError) -> Article | None:
    import trafilatura   # imported here: it is slow to import and most inputs are not HTML

    doc = trafilatura.bare_extraction(text, with_metadata=True, include_comments=False,
                                      include_tables=True, favor_precision=True)
    body = (doc.text if doc else "") or ""
    if not body.strip():
        report(SourceError(where, "HTML page has no main text"))
        return None
    return Article(id=file_id, title=(doc.title or "").strip(), text=body,
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
