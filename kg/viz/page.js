// kg viz page, part 1: draw the network, the details panel, search, and expanding a node.
// Data comes from the JSON element #kg-data; every text it holds is shown with textContent, and the
// only links made are http(s) ones, opened with rel="noopener noreferrer".
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("kg-data").textContent);
  var FONT = getComputedStyle(document.documentElement).getPropertyValue("--font").trim();
  var articles = data.articles || {};
  var byId = {}, edgeById = {}, reserveOf = {}, present = {}, expanded = {};
  var NODE_FIELDS = ["id", "label", "x", "y", "shape", "size", "group", "color", "borderWidth", "font", "hidden",
                     "opacity", "image", "shapeProperties", "value", "level", "mass", "fixed", "physics"];
  var EDGE_FIELDS = ["id", "from", "to", "label", "arrows", "smooth", "color", "width", "dashes", "hidden",
                     "font", "value", "length", "physics"];

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function row(parent, key, value) {
    if (value === undefined || value === null || value === "" || (Array.isArray(value) && !value.length)) return;
    var r = el("div", null, "row");
    r.appendChild(el("span", key, "key"));
    r.appendChild(el("span", Array.isArray(value) ? value.join("、") : value));
    parent.appendChild(r);
  }
  function httpUrl(u) { return typeof u === "string" && /^https?:\/\/[^\s]+$/i.test(u) ? u : null; }
  function link(url, text) {
    var a = el("a", text);
    a.href = url; a.target = "_blank"; a.rel = "noopener noreferrer";
    return a;
  }
  function article(id) { return articles[id] || {}; }
  function when(ev) { return ev.fact_date || article(ev.article).date || ""; }
  function span(d) {       // "2025" -> [2025-01-01, 2025-12-31]; "2025-09" -> [2025-09-01, 2025-09-30]
    var m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?/.exec(d || "");
    if (!m) return null;
    if (m[3]) return [m[0], m[0]];
    if (m[2]) return [m[1] + "-" + m[2] + "-01", m[1] + "-" + m[2] + "-" + new Date(+m[1], +m[2], 0).getDate()];
    return [m[1] + "-01-01", m[1] + "-12-31"];
  }
  function pick(item, fields) {
    var out = {};
    fields.forEach(function (k) { if (item[k] !== undefined && item[k] !== null) out[k] = item[k]; });
    return out;
  }
  function name(id) { return byId[id] ? byId[id].name || byId[id].label || id : id; }
  function title(text, isNew) {
    var t = el("div", text, "tip-title");
    if (isNew) t.appendChild(el("span", "新 new", "badge"));
    return t;
  }

  function nodeInfo(n, full) {
    var box = el("div", null, "tip");
    box.appendChild(title(n.name || n.label || n.id, n.new));
    row(box, "类型 type", n.type || n.group);
    row(box, "别名 aliases", n.aliases);
    row(box, "提及 mentions", n.mentions);
    row(box, "首见 first seen", n.first_seen);
    row(box, "最近 last seen", n.last_seen);
    row(box, "日期 date", n.date);
    var url = httpUrl(n.url);
    if (url && full) box.appendChild(link(url, "原文 ↗ " + url));
    else row(box, "链接 link", n.url);
    if (!full) return box;
    var ids = n.articles || [];
    if (ids.length) {
      var total = n.article_count || ids.length;
      var which = total > ids.length ? " (latest " + ids.length + " of " + total + ")" : "";
      box.appendChild(el("h2", "文章 Articles" + which));
      ids.forEach(function (id) {
        var a = article(id), item = el("div", null, "article");
        item.appendChild(el("span", a.title || id, "title"));
        if (a.date) { item.appendChild(document.createTextNode(" · ")); item.appendChild(el("span", a.date, "date")); }
        var u = httpUrl(a.url);
        if (u) item.appendChild(link(u, "原文 ↗"));
        box.appendChild(item);
      });
    }
    var more = hiddenNeighbours(n.id);
    if (more) {
      var text = "双击展开 Double-click to show " + more + " more neighbour" + (more > 1 ? "s" : "") + ".";
      box.appendChild(el("p", text, "hint"));
    }
    return box;
  }
  function edgeInfo(e, full) {
    var box = el("div", null, "tip");
    var undirected = e.arrows && e.arrows.to && !e.arrows.to.enabled;
    box.appendChild(title(name(e.from) + " —" + (e.type || e.label) + (undirected ? "— " : "→ ") + name(e.to), e.new));
    row(box, "职务 role", e.role);
    row(box, "金额 amount", e.amount);
    row(box, "日期 date", e.date);
    var all = e.evidence || [], shown = full ? all : all.slice(0, 4);
    shown.forEach(function (ev) {
      var a = article(ev.article), item = el("div", null, "evidence");
      if (full && window.kgView.itemInRange && !window.kgView.itemInRange(ev)) item.className += " out";
      item.appendChild(el("q", ev.sentence, "sentence"));
      var src = el("div", null, "source");
      src.appendChild(el("span", a.title || ev.article, "title"));
      if (a.date) { src.appendChild(document.createTextNode(" · ")); src.appendChild(el("span", a.date, "date")); }
      var url = httpUrl(a.url);
      if (url && full) src.appendChild(link(url, "原文 ↗"));
      item.appendChild(src);
      if (full) {
        if (ev.fact_date && ev.fact_date !== a.date) row(item, "事实日期 fact date", ev.fact_date);
        row(item, "金额 amount", ev.amount);
        row(item, "职务 role", ev.role);
      } else if (url) {
        item.appendChild(el("div", url, "source"));
      }
      box.appendChild(item);
    });
    if (shown.length < all.length)
      box.appendChild(el("div", "… " + (all.length - shown.length) + " more: click the edge", "source"));
    return box;
  }
  function showDetails(box) { document.getElementById("details").replaceChildren(box); }

  // Tooltips are filled when first hovered (vis-network shows them tooltipDelay ms later): building
  // them all up front would double the first draw of a large view.
  var tips = { node: {}, edge: {} };
  function tip(kind, id) { return (tips[kind][id] = el("div", null, "tip-box")); }
  function fill(kind, id) {
    var box = tips[kind][id];
    if (box && !box.firstChild)
      box.appendChild(kind === "node" ? nodeInfo(byId[id], false) : edgeInfo(edgeById[id], false));
  }
  function visNode(n) {
    var item = pick(n, NODE_FIELDS);
    item.hidden = !n.reserve && !!n.hidden;
    item.title = tip("node", n.id);
    return item;
  }
  function visEdge(e) {
    var item = pick(e, EDGE_FIELDS);
    item.hidden = !e.reserve && !!e.hidden;
    item.title = tip("edge", e.id);
    return item;
  }
  data.nodes.forEach(function (n) { byId[n.id] = n; if (!n.reserve) present[n.id] = true; });
  data.edges.forEach(function (e) {
    edgeById[e.id] = e;
    if (!e.reserve) return;
    (reserveOf[e.from] = reserveOf[e.from] || []).push(e);
    (reserveOf[e.to] = reserveOf[e.to] || []).push(e);
  });
  var nodes = new vis.DataSet(data.nodes.filter(function (n) { return !n.reserve; }).map(visNode));
  var edges = new vis.DataSet(data.edges.filter(function (e) { return !e.reserve; }).map(visEdge));
  var options = data.options || {};
  [options.nodes, options.edges].forEach(function (o) { if (o && o.font) o.font.face = FONT; });
  var network = new vis.Network(document.getElementById("network"), { nodes: nodes, edges: edges }, options);
  network.once("afterDrawing", function () {
    window.kgFirstDraw = performance.now();
    document.body.setAttribute("data-drawn", "1");
  });

  var notes = document.getElementById("notes");
  (data.notes || []).forEach(function (t) { notes.appendChild(el("p", t)); });
  if (!nodes.length) notes.appendChild(el("p", "Nothing to show: no node matches."));

  function hiddenNeighbours(id) {
    var seen = {};
    (reserveOf[id] || []).forEach(function (e) {
      var o = e.from === id ? e.to : e.from;
      if (!present[o]) seen[o] = 1;
    });
    return Object.keys(seen).length;
  }
  // Reveal a node's neighbours from the reserve: placed on an arc around it, away from the middle.
  function expand(id) {
    var added = [];
    (reserveOf[id] || []).forEach(function (e) {
      var other = e.from === id ? e.to : e.from;
      if (!present[other] && byId[other]) { present[other] = true; added.push(byId[other]); }
    });
    expanded[id] = true;
    if (!added.length) return 0;
    var at = network.getPositions([id])[id], all = network.getPositions(), cx = 0, cy = 0, k = 0;
    Object.keys(all).forEach(function (v) { cx += all[v].x; cy += all[v].y; k += 1; });
    var away = Math.atan2(at.y - cy / k, at.x - cx / k), arc = Math.min(Math.PI * 1.6, 0.5 * added.length);
    var radius = 140 + 12 * added.length;
    nodes.add(added.map(function (n, i) {
      var a = away + (added.length === 1 ? 0 : arc * (i / (added.length - 1) - 0.5));
      var item = visNode(n);
      item.x = at.x + radius * Math.cos(a); item.y = at.y + radius * Math.sin(a);
      return item;
    }));
    added.concat([byId[id]]).forEach(function (n) {
      (reserveOf[n.id] || []).forEach(function (e) {
        if (present[e.from] && present[e.to] && !edges.get(e.id)) edges.add(visEdge(e));
      });
    });
    if (window.kgView.apply) window.kgView.apply();
    return added.length;
  }

  function find(text) {
    var q = text.trim().toLowerCase(), hits = [];
    if (!q) return hits;
    Object.keys(present).forEach(function (id) {
      var n = byId[id], nm = String(n.name || n.label || id).toLowerCase();
      if (nm.indexOf(q) >= 0) { hits.push({ id: id, name: n.name, via: null, rank: nm === q ? 0 : 1 }); return; }
      var alias = (n.aliases || []).filter(function (a) { return a.toLowerCase().indexOf(q) >= 0; })[0];
      if (alias) hits.push({ id: id, name: n.name, via: alias, rank: alias.toLowerCase() === q ? 0 : 2 });
    });
    return hits.sort(function (a, b) {
      return a.rank - b.rank || (byId[b.id].mentions || 0) - (byId[a.id].mentions || 0);
    });
  }
  function focus(id) {
    network.selectNodes([id]);
    network.focus(id, { scale: 1.3, animation: { duration: 300 } });
    showDetails(nodeInfo(byId[id], true));
  }
  function reveal(id) {        // a node in reserve: expand a shown neighbour of it
    if (present[id]) return true;
    (reserveOf[id] || []).some(function (e) {
      var other = e.from === id ? e.to : e.from;
      return present[other] && expand(other) >= 0 && present[id];
    });
    return !!present[id];
  }
  function focusEdge(id) {
    var e = edgeById[id];
    if (!e || !(reveal(e.from) && reveal(e.to))) return false;
    if (!edges.get(id)) expand(e.from);
    if (!edges.get(id)) return false;
    network.selectEdges([id]);
    network.fit({ nodes: [e.from, e.to], animation: false });
    network.moveTo({ scale: Math.min(network.getScale(), 1.3) });
    showDetails(edgeInfo(e, true));
    return true;
  }
  var search = document.getElementById("search"), results = document.getElementById("results");
  search.addEventListener("input", function () {
    results.replaceChildren();
    find(search.value).slice(0, 20).forEach(function (h) {
      var li = el("li"), b = el("button", h.via ? h.name + " ← " + h.via : h.name);
      b.type = "button"; b.setAttribute("data-id", h.id);
      b.addEventListener("click", function () { focus(h.id); });
      li.appendChild(b);
      results.appendChild(li);
    });
  });
  search.addEventListener("keydown", function (ev) {
    if (ev.key !== "Enter") return;
    var hit = find(search.value)[0];
    if (hit) focus(hit.id);
  });

  network.on("hoverNode", function (p) { fill("node", p.node); });
  network.on("hoverEdge", function (p) { fill("edge", p.edge); });
  network.on("click", function (p) {
    if (p.nodes.length) showDetails(nodeInfo(byId[p.nodes[0]], true));
    else if (p.edges.length) showDetails(edgeInfo(edgeById[p.edges[0]], true));
  });
  network.on("doubleClick", function (p) {
    if (!p.nodes.length) return;
    expand(p.nodes[0]);
    showDetails(nodeInfo(byId[p.nodes[0]], true));
  });
  window.kgView = { network: network, nodes: nodes, edges: edges, data: data, byId: byId, edgeById: edgeById,
                    present: present, articles: articles, find: find, focus: focus, focusEdge: focusEdge,
                    expand: expand, reveal: reveal, hiddenNeighbours: hiddenNeighbours, when: when, span: span,
                    el: el };
})();
