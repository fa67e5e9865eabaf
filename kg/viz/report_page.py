"""The "what is new" page: a Report as one offline HTML file, and the view of the new facts beside it.

The page runs no script at all (its Content-Security-Policy allows none): it is HTML written here with
every text from data passed through html.escape, and links made only from http(s) URLs (and, for each
fact, to the view page written beside it, focused on that fact with #edge=ID).
"""
from __future__ import annotations

import html
import os
import re
from pathlib import Path
from urllib.parse import quote

from kg.store import GraphStore
from kg.viz.network import render_html
from kg.viz.report import Fact, Report, build_report
from kg.viz.view import build_view

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
STYLE = """
body { margin: 0 auto; max-width: 980px; padding: 20px 24px 60px; font: 14px/1.5 "Noto Sans CJK SC",
  "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", "Noto Sans", Arial, sans-serif;
  color: #1f2328; }
h1 { font-size: 22px; margin: 0 0 6px; } h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #d0d7de; }
h3 { font-size: 14px; margin: 16px 0 6px; color: #57606a; }
.muted, .source { color: #57606a; font-size: 12.5px; } a { color: #0969da; }
table.counts td { padding: 2px 14px 2px 0; }
table.counts td.n { text-align: right; font-variant-numeric: tabular-nums; }
ol, ul { padding-left: 22px; } li { margin: 6px 0; overflow-wrap: anywhere; }
.fact-line { font-weight: 600; } .rel { color: #57606a; font-weight: 400; margin: 0 4px; }
.meta { color: #57606a; font-weight: 400; margin-left: 8px; }
ul.evidence { list-style: none; padding-left: 12px; border-left: 3px solid #d0d7de; margin: 4px 0; }
q { quotes: "“" "”"; } .aliases { color: #57606a; }
"""


def write_report(store: GraphStore, path, *, since: str | None = None, limit: int = 300) -> tuple[Report, Path, Path]:
    """Write the report of the last load (or of every load since `since`) at `path`, and the view of
    its new facts at `<stem>-view.html` beside it; returns (report, report path, view path)."""
    path = Path(path)
    report = build_report(store, since)
    view = build_view(store, new=since or True, limit=limit)
    view_path = render_html(view, path.with_name(path.stem + "-view.html"))
    return report, render_report(report, path, view_path), view_path


def render_report(report: Report, path, view_path=None) -> Path:
    """Write `report` as one self-contained HTML page; facts link to `view_path` (#edge=ID)."""
    path = Path(path)
    view = quote(os.path.relpath(view_path, path.parent).replace(os.sep, "/")) if view_path else None
    out = ["<!DOCTYPE html>", '<html lang="zh-CN"><head><meta charset="utf-8">',
           f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
           '<meta name="generator" content="kg report">', f"<title>{_e(report.title)}</title>",
           f"<style>{STYLE}</style></head><body>", f"<h1>{_e(report.title)}</h1>"]
    for r in report.loads:
        state = "" if r.get("status") == "done" else " (did not finish)"
        out.append(f'<p class="muted load">load {_e(r["id"])}: {_e(r.get("at"))} – {_e(r.get("finished") or "")}'
                   f"{state}</p>")
    if view:
        out.append(f'<p><a class="view" href="{_e(view)}">在图中查看新增 · Open the view of what is new</a>'
                   '</p>')
    out.append('<table class="counts">' + "".join(
        f'<tr><td>{_e(k)}</td><td class="n">{n}</td></tr>' for k, n in report.counts().items()) + "</table>")
    out += _facts(report, view)
    out += _entities(report)
    out += _articles(report)
    if report.more_evidence:
        out.append('<h2 id="more">已知事实的新证据 · Known facts with new evidence '
                   f'({len(report.more_evidence)})</h2><ol>')
        out += [_fact(f, view) for f in report.more_evidence]
        out.append("</ol>")
    out.append(f'<h2>拒绝 · Rejected ({len(report.rejected)})</h2><ul id="rejected">')
    out += [f"<li>{_e(line)}</li>" for line in report.rejected] or ['<li class="muted">nothing</li>']
    out.append("</ul></body></html>")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


def _facts(report: Report, view) -> list[str]:
    out = [f'<h2 id="facts">新事实 · New facts ({report.counts()["facts"]})</h2>']
    for rtype, facts in report.facts.items():
        out.append(f'<h3>{_e(rtype)} ({len(facts)})</h3><ol class="facts">')
        out += [_fact(f, view) for f in facts]
        out.append("</ol>")
    return out if report.facts else out + ['<p class="muted">none</p>']


def _fact(f: Fact, view) -> str:
    meta = " · ".join(x for x in (f.amount, f.role, f.date) if x)
    parts = [f'<li class="fact" data-type="{_e(f.type)}"><div class="fact-line"><span class="head">{_e(f.head)}</span>'
             f'<span class="rel">—{_e(f.type)}→</span><span class="tail">{_e(f.tail)}</span>'
             + (f'<span class="meta">{_e(meta)}</span>' if meta else "")
             + (f' <a class="view" href="{_e(view)}#edge={_e(quote(f.id, safe=""))}">图 view</a>' if view else "")
             + '</div><ul class="evidence">']
    for ev in f.evidence:
        extra = " · ".join(x for x in (ev.get("fact_date"), ev.get("amount"), ev.get("role")) if x)
        parts.append(f'<li><q class="sentence">{_e(ev.get("sentence"))}</q>'
                     + (f' <span class="muted">({_e(extra)})</span>' if extra else "")
                     + f'<div class="source"><span class="title">{_e(ev.get("title") or ev.get("article"))}</span>'
                     + (f' · <span class="date">{_e(ev.get("date"))}</span>' if ev.get("date") else "")
                     + _link(ev.get("url")) + "</div></li>")
    return "".join(parts) + "</ul></li>"


def _entities(report: Report) -> list[str]:
    out = [f'<h2 id="entities">新实体 · New entities ({report.counts()["entities"]})</h2>']
    for label, items in report.entities.items():
        out.append(f'<h3>{_e(label)} ({len(items)})</h3><ul class="entities">')
        for e in items:
            seen = " – ".join(x for x in (e.first_seen, e.last_seen) if x)
            out.append(f'<li class="entity" data-type="{_e(label)}"><span class="name">{_e(e.name)}</span>'
                       + (f' <span class="aliases">({_e("、".join(e.aliases))})</span>' if e.aliases else "")
                       + f' <span class="muted">{e.mentions} mentions{" · " + _e(seen) if seen else ""}</span></li>')
        out.append("</ul>")
    return out if report.entities else out + ['<p class="muted">none</p>']


def _articles(report: Report) -> list[str]:
    out = ['<h2 id="articles">文章 · Articles</h2>']
    for kind, label in (("new", "新 new"), ("changed", "改 changed"), ("retracted", "撤 retracted")):
        items = report.articles[kind]
        out.append(f'<h3>{label} ({len(items)})</h3><ul class="articles" data-kind="{kind}">')
        out += [f'<li class="article"><span class="title">{_e(a.get("title") or a["id"])}</span>'
                + (f' · <span class="date">{_e(a.get("date"))}</span>' if a.get("date") else "")
                + f' <span class="muted">{_e(a["id"])}</span>' + _link(a.get("url")) + "</li>" for a in items]
        out.append("</ul>")
    return out


def _link(url) -> str:
    if not isinstance(url, str) or not re.fullmatch(r"https?://\S+", url, re.I):
        return ""
    return f' <a href="{_e(url)}" target="_blank" rel="noopener noreferrer">原文 ↗</a>'


def _e(text) -> str:
    return html.escape("" if text is None else str(text), quote=True)
