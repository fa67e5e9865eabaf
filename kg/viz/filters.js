// kg viz page, part 2: the filters.  A date range over the facts' dates (an evidence item's own date,
// else its article's), entity types and relation types to hide, undated facts on or off, only what is
// new.  A fact outside the filters is hidden; a node left with no visible fact is dimmed; the legend
// counts what is visible.  Then: focus what the address names (#edge=ID or #node=ID).
(function () {
  "use strict";
  var K = window.kgView, data = K.data, el = K.el;
  var hiddenTypes = {}, hiddenRels = {}, range = null, undated = true, onlyNew = false;
  var spans = {}, shownEdge = {}, nodeState = {};

  function spansOf(e) {
    if (!(e.id in spans)) spans[e.id] = (e.evidence || []).map(function (ev) { return K.span(K.when(ev)); })
                                                         .filter(Boolean);
    return spans[e.id];
  }
  function overlaps(s) { return !range || (s[1] >= range[0] && s[0] <= range[1]); }
  function inRange(e) {
    var s = spansOf(e);
    return s.length ? s.some(overlaps) : undated;
  }
  function itemInRange(ev) { var s = K.span(K.when(ev)); return s ? overlaps(s) : undated; }
  function nodeInRange(n) {
    var first = K.span(n.first_seen || n.date), last = K.span(n.last_seen || n.date);
    return !first || !last || overlaps([first[0], last[1]]);
  }
  function typeOf(id) { var n = K.byId[id]; return n ? n.type || n.group : ""; }
  function edgeVisible(e) {
    return !hiddenRels[e.type || e.label] && !hiddenTypes[typeOf(e.from)] && !hiddenTypes[typeOf(e.to)] &&
           inRange(e) && (!onlyNew || !!e.new);
  }

  function apply() {
    var edgeUpdates = [], nodeUpdates = [], live = {}, linked = {};
    K.edges.forEach(function (item) {
      var e = K.edgeById[item.id] || item, visible = e.hidden && !e.reserve ? false : edgeVisible(e);
      linked[e.from] = linked[e.to] = true;
      if (visible) live[e.from] = live[e.to] = true;
      if (!!item.hidden === visible) edgeUpdates.push({ id: item.id, hidden: !visible });
      shownEdge[item.id] = visible;
    });
    K.nodes.forEach(function (item) {
      var n = K.byId[item.id] || item, hidden = !!hiddenTypes[typeOf(item.id)] || (!!n.hidden && !n.reserve);
      var dim = !hidden && (linked[item.id] ? !live[item.id] : !nodeInRange(n) || (onlyNew && !n.new));
      var state = hidden ? "hidden" : dim ? "dim" : "shown", was = nodeState[item.id] || "shown";
      if (state !== was) {
        nodeUpdates.push({ id: item.id, hidden: hidden, opacity: dim ? 0.22 : 1,
                           font: { color: dim ? "#b6bbc2" : "#1f2328" } });
      }
      nodeState[item.id] = state;
    });
    if (edgeUpdates.length) K.edges.update(edgeUpdates);
    if (nodeUpdates.length) K.nodes.update(nodeUpdates);
    counts();
  }

  function legendRow(list, label, swatch, onChange) {
    var li = el("li"), lab = el("label"), box = el("input"), text = el("span");
    box.type = "checkbox"; box.checked = true;
    box.addEventListener("change", function () { onChange(!box.checked); apply(); });
    lab.appendChild(box); lab.appendChild(swatch); lab.appendChild(text);
    li.appendChild(lab);
    list.appendChild(li);
    return { box: box, text: text, label: label };
  }
  var typeRows = {}, relRows = {};
  (data.legend || []).forEach(function (l) {
    var sw = el("span", null, "sw " + l.shape);
    sw.style.backgroundColor = l.color; sw.style.borderColor = l.border;
    typeRows[l.type] = legendRow(document.getElementById("legend"), l.type, sw,
                                 function (off) { hiddenTypes[l.type] = off; });
    typeRows[l.type].box.setAttribute("data-type", l.type);
  });
  var relTypes = {};
  data.edges.forEach(function (e) { relTypes[e.type || e.label] = true; });
  Object.keys(relTypes).sort().forEach(function (t) {
    relRows[t] = legendRow(document.getElementById("relations"), t, el("span", null, "sw line"),
                           function (off) { hiddenRels[t] = off; });
    relRows[t].box.setAttribute("data-relation", t);
  });
  function counts() {
    var tally = function (rows, key, visible) {
      if (!rows[key]) return;
      rows[key].total = (rows[key].total || 0) + 1;
      rows[key].visible = (rows[key].visible || 0) + (visible ? 1 : 0);
    };
    Object.keys(typeRows).forEach(function (t) { typeRows[t].total = typeRows[t].visible = 0; });
    Object.keys(relRows).forEach(function (t) { relRows[t].total = relRows[t].visible = 0; });
    K.nodes.forEach(function (item) { tally(typeRows, typeOf(item.id), nodeState[item.id] === "shown"); });
    K.edges.forEach(function (item) {
      var e = K.edgeById[item.id] || item;
      tally(relRows, e.type || e.label, shownEdge[item.id]);
    });
    [typeRows, relRows].forEach(function (rows) {
      Object.keys(rows).forEach(function (t) {
        var r = rows[t], n = r.visible === r.total ? String(r.total) : r.visible + "/" + r.total;
        r.text.textContent = t + " (" + n + ")";
        r.box.closest("li").hidden = !r.total;
      });
    });
  }

  // the date range: every start and end of an evidence item's date, in order
  var days = {};
  data.edges.forEach(function (e) { spansOf(e).forEach(function (s) { days[s[0]] = days[s[1]] = true; }); });
  days = Object.keys(days).sort();
  var from = document.getElementById("date-from"), to = document.getElementById("date-to");
  var fromText = document.getElementById("date-from-text"), toText = document.getElementById("date-to-text");
  function onRange(moved) {
    var i = +from.value, j = +to.value;
    if (i > j) { if (moved === from) to.value = j = i; else from.value = i = j; }
    range = i === 0 && j === days.length - 1 ? null : [days[i], days[j]];
    fromText.textContent = days[i]; toText.textContent = days[j];
    apply();
  }
  if (days.length) {
    from.max = to.max = String(days.length - 1);
    from.value = "0"; to.value = String(days.length - 1);
    fromText.textContent = days[0]; toText.textContent = days[days.length - 1];
    from.addEventListener("input", function () { onRange(from); });
    to.addEventListener("input", function () { onRange(to); });
  } else {
    from.disabled = to.disabled = true;
    fromText.textContent = "—"; toText.textContent = "no dated facts";
  }
  var undatedBox = document.getElementById("undated");
  undatedBox.addEventListener("change", function () { undated = undatedBox.checked; apply(); });
  var anyNew = data.nodes.some(function (n) { return n.new; }) || data.edges.some(function (e) { return e.new; });
  var onlyNewBox = document.getElementById("only-new");
  document.getElementById("only-new-box").hidden = !anyNew;
  onlyNewBox.addEventListener("change", function () { onlyNew = onlyNewBox.checked; apply(); });

  K.apply = apply;
  K.itemInRange = itemInRange;
  K.range = function () { return range ? range.slice() : null; };
  K.visibleEdges = function () { return Object.keys(shownEdge).filter(function (id) { return shownEdge[id]; }); };
  K.dimmedNodes = function () {
    return Object.keys(nodeState).filter(function (id) { return nodeState[id] === "dim"; });
  };
  apply();

  var target = /^#(edge|node)=(.+)$/.exec(location.hash);
  if (target) {
    var id = decodeURIComponent(target[2]);
    if (target[1] === "edge") K.focusEdge(id);
    else if (K.byId[id] && K.reveal(id)) K.focus(id);
  }
})();
