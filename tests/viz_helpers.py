"""What the viz tests share: the seed store with a hostile article, a synthetic view of any size, and
headless Chromium (Debian's /usr/bin/chromium through playwright) with the network refused twice over:
an offline context, and every request but the page's own routed to a failure and recorded.  Without
Chromium the browser tests skip, except under CI=true, where they fail.

Test modules import the fixtures they use: `from viz_helpers import browser, open_page, store  # noqa`.
"""
from __future__ import annotations

import json
import os
import random
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import pytest

from kg.viz import PALETTE, View

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("KG_CHROMIUM", "/usr/bin/chromium")      # Debian's chromium package
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
HOSTILE_TITLE = "<img src=x onerror=window.__pwned=1>联影医疗发布新品<script>alert(1)</script>"
HOSTILE_ARTICLE = {
    "id": "hostile-1", "title": HOSTILE_TITLE, "date": "2025-10-20", "url": "javascript:window.__pwned=2",
    "text": "<img src=x onerror=window.__pwned=1>联影医疗发布新品。\n\n"
            "10月20日，联影医疗研发的uMR Ultra正式获得美国食品药品监督管理局批准上市。"
            "<script>alert(1)</script>联影医疗高级副总裁、首席技术官李弘棣表示，"
            "<img src=x onerror=alert(1)>这是重要的一步。"}


@pytest.fixture(scope="module")
def store_path(tmp_path_factory):
    """The seeds plus one hostile article, loaded into an embedded store."""
    from kg.store import open_store
    from kg.api import load as load_paths

    root = tmp_path_factory.mktemp("viz")
    hostile = root / "hostile.json"
    hostile.write_text(json.dumps(HOSTILE_ARTICLE, ensure_ascii=False), encoding="utf-8")
    problems = []
    with open_store(str(root / "store")) as store:
        load_paths([str(REPO / "seeds"), str(hostile)], store,
                   on_error=lambda e: None if getattr(e, "warning", False) else problems.append(e))
    assert not problems
    return root / "store"


@pytest.fixture(scope="module")
def store(store_path):
    from kg.store import open_store
    with open_store(str(store_path)) as s:
        yield s


@pytest.fixture(scope="module")
def browser():
    why = None if Path(CHROMIUM).exists() else f"{CHROMIUM} is missing (apt-get install -y chromium)"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        why = why or f"playwright is not installed: {exc}"
    if why:
        if os.environ.get("CI") == "true":
            pytest.fail(why)
        pytest.skip(why)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@dataclass
class Opened:
    page: object
    errors: list = field(default_factory=list)       # console errors and uncaught exceptions
    requests: list = field(default_factory=list)     # anything but the page itself
    dialogs: list = field(default_factory=list)


@pytest.fixture
def open_page(browser):
    contexts = []

    def _open(path: Path, fragment: str = "", drawn: bool = True) -> Opened:
        """Open `path` (+ `fragment`); wait for the view's first draw, or (drawn=False) for the load."""
        context = browser.new_context(offline=True, viewport={"width": 1280, "height": 800})
        contexts.append(context)
        page = context.new_page()
        opened, url = Opened(page), path.resolve().as_uri()

        def route(r):
            if r.request.url == url:
                r.continue_()
            else:
                opened.requests.append(r.request.url)
                r.abort()
        context.route("**/*", route)
        page.on("request", lambda r: r.url != url and opened.requests.append(r.url))
        page.on("console", lambda m: m.type == "error" and opened.errors.append(m.text))
        page.on("pageerror", lambda e: opened.errors.append(str(e)))
        page.on("dialog", lambda d: (opened.dialogs.append(d.message), d.dismiss()))
        page.goto(url + fragment)
        if drawn:
            page.wait_for_function("window.kgFirstDraw !== undefined", timeout=60_000)
        return opened

    yield _open
    for context in contexts:
        context.close()


def point(page, *node_ids):
    """Viewport coordinates of a node, or of the middle of the straight edge between two nodes."""
    return page.evaluate("""ids => {
        const net = kgView.network, pos = Object.values(net.getPositions(ids));
        const m = net.canvasToDOM({x: pos.reduce((s, p) => s + p.x, 0) / pos.length,
                                   y: pos.reduce((s, p) => s + p.y, 0) / pos.length});
        const box = document.getElementById('network').getBoundingClientRect();
        return [m.x + box.left, m.y + box.top];
    }""", list(node_ids))


def hover(page, *node_ids) -> str:
    page.mouse.move(*point(page, *node_ids))
    page.wait_for_selector("div.vis-tooltip", state="visible")
    return page.locator("div.vis-tooltip").inner_text()


def synthetic_view(n: int, seed: int = 1, reserve: int = 0) -> View:
    """A View built directly: a scale-free graph of n entities with one evidence item per edge, dated
    over two years, and `reserve` more entities one hop out (each linked to a shown one)."""
    rnd = random.Random(seed)
    shape = nx.barabasi_albert_graph(n + reserve, 1, seed=seed)
    types = list(PALETTE)[:5]
    g, more = nx.MultiDiGraph(), nx.MultiDiGraph()
    for i in shape:
        (g if i < n else more).add_node(
            str(i), type=types[i % 5], name=f"实体{i}号", aliases=[f"E{i}"], mentions=rnd.randint(1, 40),
            first_seen="2024-01-01", last_seen="2025-12-01", date="", url="", center=i == 0,
            degree=shape.degree(i), new=False, key=f"{types[i % 5]}:e{i}", articles=[f"a{i % 50}"], article_count=3)
    for j, (u, v) in enumerate(shape.edges()):
        date = f"{2024 + j % 2}-{j % 12 + 1:02d}-{j % 28 + 1:02d}"
        (g if max(u, v) < n else more).add_edge(
            str(u), str(v), key=f"r{j}", type="PARTNERS_WITH" if j % 4 == 0 else "INVESTS_IN", role="", date="",
            amount="", new=False, evidence=[{
                "article": f"a{j}", "title": f"文章{j}", "date": date, "url": f"https://example.org/{j}",
                "sentence": f"实体{u}号投资了实体{v}号。", "fact_date": "", "role": "", "amount": ""}])
    return View(g, f"synthetic {n}", f"synthetic-{n}", reserve=more,
                articles={f"a{i}": {"title": f"文章{i}", "date": "2025-05-01", "url": f"https://example.org/{i}"}
                          for i in range(50)})
