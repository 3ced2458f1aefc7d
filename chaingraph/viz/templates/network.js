// chaingraph network page: reads the JSON data block, draws it with vis-network.
// Every string from the data reaches the page through textContent or the canvas,
// never parsed as markup.
(function () {
  "use strict";
  var t0 = performance.now();
  var body = document.body;
  window.addEventListener("error", function (e) {
    body.dataset.error = String(e.message || e);
  });
  var data = JSON.parse(document.getElementById("cg-data").textContent);
  var eco = data.eco;            // the ecosystem view's folds, null in other views
  var FACE = "'Noto Sans CJK SC', 'Microsoft YaHei', 'PingFang SC', sans-serif";
  var FADED_NODE = { background: "#efefef", border: "#dddddd" };
  var FADED_EDGE = { color: "#d8d8d8", opacity: 0.25 };
  var FADED_FONT = { color: "rgba(0,0,0,0)", strokeWidth: 0 };   // faded nodes' labels are not drawn
  var DEFAULT_FONT_COLOR = "#343434";

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }
  function rowsTable(rows) {
    var table = el("table");
    rows.forEach(function (r) {
      var tr = el("tr");
      tr.appendChild(el("th", r[0]));
      tr.appendChild(el("td", r[1]));
      table.appendChild(tr);
    });
    return table;
  }
  function tipElement(id) {
    var box = el("div", null, "cg-tip");
    var rows = data.tips[id];
    if (rows) { box.appendChild(rowsTable(rows)); }
    return box;
  }
  function textElement(text) {
    return el("div", text, "cg-tip");
  }
  function amountText(v) {
    if (Math.abs(v) >= 1000 || Math.round(v) === v) {
      return Math.round(v).toLocaleString("en-US");
    }
    return String(Number(v.toPrecision(4)));
  }
  function has(obj, key) {
    return Object.prototype.hasOwnProperty.call(obj, key);
  }

  // ------------------------------------------------------------------ nodes and edges
  var defaultEdgeColor = (data.options.edges && data.options.edges.color) || { color: "#8a8a8a" };
  var original = {};             // id -> the node's own colour and font, restored after fading
  var nodes = data.nodes.map(function (n) {
    var m = Object.assign({}, n);
    if (has(data.tips, n.id)) {
      m.title = tipElement(n.id);
    } else if (typeof n.title === "string") {
      m.title = textElement(n.title);
    }
    if (typeof m.label !== "string") { m.label = m.label == null ? "" : String(m.label); }
    m.font = Object.assign({ color: DEFAULT_FONT_COLOR }, n.font || {});
    original[m.id] = { color: m.color, font: m.font };
    return m;
  });
  function edgeItem(e) {
    var m = Object.assign({}, e);
    if (typeof e.title === "string") { m.title = textElement(e.title); }
    m.color = e.color || defaultEdgeColor;
    m.baseColor = m.color;
    return m;
  }
  var nodeSet = new vis.DataSet(nodes);
  var edgeSet = new vis.DataSet(data.edges.map(edgeItem));
  var container = document.getElementById("cg-network");
  var network = new vis.Network(container, { nodes: nodeSet, edges: edgeSet }, data.options);

  // stage, column and segment headings, drawn on the canvas as text
  network.on("beforeDrawing", function (ctx) {
    ctx.save();
    ctx.fillStyle = "#555";
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    data.annotations.forEach(function (a) {
      ctx.font = a.size + "px " + FACE;
      ctx.fillText(String(a.text), a.x, a.y);
    });
    ctx.restore();
  });
  function visibleCount() {
    return nodeSet.get({ filter: function (n) { return !n.hidden; } }).length;
  }
  function recordCounts() {
    body.dataset.visible = String(visibleCount());
    body.dataset.edges = String(edgeSet.length);
  }

  // ------------------------------------------------------------------ folds (ecosystem view)
  var opened = {};
  function shownAs(key) {
    var fold = eco.foldOf[key];
    return fold !== undefined && !opened[fold] ? fold : key;
  }
  // the links between drawn nodes: both ends through the folds still closed, amounts summed
  function ecosystemEdges() {
    var sums = new Map();
    eco.links.forEach(function (l) {
      var a = shownAs(l[0]), b = shownAs(l[1]);
      if (a === b) { return; }
      var k = JSON.stringify([a, b]);
      var e = sums.get(k);
      if (e) { e.amount += l[2]; } else { sums.set(k, { from: a, to: b, amount: l[2] }); }
    });
    var out = [];
    sums.forEach(function (e) {
      out.push(edgeItem({ from: e.from, to: e.to, arrows: "to", color: eco.edgeColor,
                          width: Math.max(eco.minWidth, e.amount * eco.widthScale),
                          title: amountText(e.amount) + " 万元" }));
    });
    return out;
  }
  function openFold(id) {
    var f = eco.folds[id];
    if (!f || opened[id]) { return false; }
    var here = network.getPositions([id])[id];
    var inFold = {};
    f.members.forEach(function (m) { inFold[m[0]] = true; });
    var ids = nodeSet.getIds();
    var now = network.getPositions(ids);
    var moves = [];
    ids.forEach(function (nid) {
      if (nid === id || inFold[nid] || eco.nodeCol[nid] !== f.col) { return; }
      if (now[nid] && now[nid].y > here.y + 1) { moves.push({ id: nid, x: now[nid].x, y: now[nid].y + f.shift }); }
    });
    data.annotations.forEach(function (a) {
      if (a.col === f.col && a.y > here.y) { a.y += f.shift; }
    });
    f.members.forEach(function (m) {
      moves.push({ id: m[0], x: here.x + m[1], y: here.y + m[2], hidden: false });
    });
    if (f.after) {
      moves.push({ id: id, x: here.x + f.after[0], y: here.y + f.after[1], label: f.afterLabel });
    } else {
      moves.push({ id: id, hidden: true, label: f.afterLabel });
    }
    nodeSet.update(moves);
    if (f.afterTips) {             // some firms stay folded: the node now stands for them only
      data.tips[id] = f.afterTips;
      data.details[id] = f.afterDetails;
    }
    opened[id] = true;
    edgeSet.clear();
    edgeSet.add(ecosystemEdges());
    body.dataset.opened = String(Object.keys(opened).length);
    recordCounts();
    return true;
  }

  // ------------------------------------------------------------------ focus: fade the rest
  var focused = null;
  function neighbourhood(id, depth) {
    var near = {};
    near[id] = true;
    [["from", "to"], ["to", "from"]].forEach(function (dir) {
      var frontier = [id], seen = {};
      seen[id] = true;
      for (var step = 0; step < depth && frontier.length; step++) {
        var next = [];
        frontier.forEach(function (v) {
          network.getConnectedEdges(v).forEach(function (eid) {
            var e = edgeSet.get(eid);
            if (!e || e[dir[0]] !== v) { return; }
            var w = e[dir[1]];
            if (!seen[w]) { seen[w] = true; near[w] = true; next.push(w); }
          });
        });
        frontier = next;
      }
    });
    return near;
  }
  function focusedColor(c) {     // a link within the focus: its own colour, drawn darker
    return typeof c === "string" ? { color: c, opacity: 0.85 }
      : Object.assign({}, c, { opacity: Math.max(c.opacity === undefined ? 1 : c.opacity, 0.85) });
  }
  function focusOn(id) {
    var near = neighbourhood(id, data.focusDepth || 2);
    var faded = 0;
    nodeSet.update(nodeSet.get().map(function (n) {
      var o = original[n.id];
      if (near[n.id]) { return { id: n.id, color: o.color, font: o.font }; }
      if (!n.hidden) { faded++; }
      return { id: n.id, color: FADED_NODE, font: Object.assign({}, o.font, FADED_FONT) };
    }));
    edgeSet.update(edgeSet.get().map(function (e) {
      return { id: e.id, color: near[e.from] && near[e.to] ? focusedColor(e.baseColor) : FADED_EDGE };
    }));
    focused = id;
    body.dataset.faded = String(faded);
    body.dataset.focus = String(id);
    return near;
  }
  function clearFocus() {
    if (focused === null) { return; }
    nodeSet.update(nodeSet.getIds().map(function (nid) {
      return { id: nid, color: original[nid].color, font: original[nid].font };
    }));
    edgeSet.update(edgeSet.get().map(function (e) { return { id: e.id, color: e.baseColor }; }));
    focused = null;
    body.dataset.faded = "0";
    delete body.dataset.focus;
  }

  // ------------------------------------------------------------------ details beside the graph
  var details = document.getElementById("cg-details");
  function showDetails(id) {
    while (details.firstChild) { details.removeChild(details.firstChild); }
    var node = nodeSet.get(id);
    if (!node) { details.appendChild(el("p", "not in this view: " + id)); return false; }
    details.appendChild(el("p", node.label)).style.fontWeight = "bold";
    if (data.tips[id]) { details.appendChild(rowsTable(data.tips[id])); }
    var d = data.details[id];
    if (d) {
      details.appendChild(el("h2", d.title));
      var table = el("table", null, "cg-list");
      var head = el("tr");
      d.columns.forEach(function (c) { head.appendChild(el("th", c)); });
      table.appendChild(head);
      d.rows.forEach(function (r) {
        var tr = el("tr");
        r.forEach(function (v) { tr.appendChild(el("td", v)); });
        table.appendChild(tr);
      });
      details.appendChild(table);
    }
    var aside = document.getElementById("cg-aside");
    aside.scrollTop = Math.max(0, details.offsetTop - aside.offsetTop - 60);
    body.dataset.selected = String(id);
    return true;
  }

  // the selected firm's label stays readable however far the view is zoomed out
  function labelSelected(id) {
    var o = original[id];
    var size = Math.max(o.font.size || 14, 13 / network.getScale());
    nodeSet.update({ id: id, font: Object.assign({}, o.font, { size: size, color: "#000000", strokeWidth: 5,
                                                               strokeColor: "#ffffff" }) });
  }

  // show a node found by search with the neighbourhood left unfaded (zoomed in at most 1.2×)
  function bringIntoView(id, near) {
    var ids = Object.keys(near || {}).filter(function (nid) {
      var n = nodeSet.get(nid);
      return n && !n.hidden;
    });
    if (ids.indexOf(String(id)) < 0) { ids.push(id); }
    network.fit({ nodes: ids, maxZoomLevel: 1.2, animation: false });
  }

  // a click on a node, a search result or #select=ID: open a fold, show details, fade the rest
  function select(id, move) {
    if (eco && has(eco.foldOf, id)) { openFold(eco.foldOf[id]); }
    var isFold = eco && has(eco.folds, id);
    if (isFold) { openFold(id); }
    if (!showDetails(id)) { return false; }
    var node = nodeSet.get(id);
    var near = null;
    if (isFold) { clearFocus(); } else { near = focusOn(id); }
    if (node && !node.hidden) {
      network.selectNodes([id]);
      if (move) { bringIntoView(id, near); }
      if (!isFold) { labelSelected(id); }
    }
    return true;
  }
  network.on("click", function (p) {
    if (p.nodes.length) { select(p.nodes[0], false); } else if (!p.edges.length) { clearFocus(); }
  });

  // ------------------------------------------------------------------ search by name or id
  var searchBox = document.getElementById("cg-search");
  var results = document.getElementById("cg-results");
  var index = [];
  data.nodes.forEach(function (n) {
    if (eco && has(eco.folds, n.id)) { return; }
    index.push({ id: String(n.id), text: String(n.label == null ? "" : n.label).replace(/\n/g, " · "),
                 target: n.id });
  });
  if (data.view === "segments") {   // the firms listed under each segment lead to it
    Object.keys(data.details).forEach(function (sid) {
      data.details[sid].rows.forEach(function (r) {
        index.push({ id: String(r[0]), text: String(r[1]) + " · " + data.details[sid].title, target: sid });
      });
    });
  }
  function runSearch() {
    while (results.firstChild) { results.removeChild(results.firstChild); }
    var q = searchBox.value.trim().toLowerCase();
    var found = [];
    if (q) {
      for (var i = 0; i < index.length && found.length < 20; i++) {
        var e = index[i];
        if (e.id.toLowerCase().indexOf(q) >= 0 || e.text.toLowerCase().indexOf(q) >= 0) { found.push(e); }
      }
    }
    found.forEach(function (e) {
      var li = el("li");
      var b = el("button", e.text + " (" + e.id + ")");
      b.type = "button";
      b.dataset.target = String(e.target);
      b.addEventListener("click", function () { select(e.target, true); });
      li.appendChild(b);
      results.appendChild(li);
    });
    body.dataset.results = String(found.length);
    return found;
  }
  searchBox.addEventListener("input", runSearch);
  searchBox.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter") {
      var found = runSearch();
      if (found.length) { select(found[0].target, true); }
    }
  });

  function fromHash() {
    var m = /^#select=(.*)$/.exec(window.location.hash);
    if (!m) { return; }
    select(decodeURIComponent(m[1]), true);
  }
  window.addEventListener("hashchange", fromHash);

  // once the canvas has drawn: record it in the DOM (read by tests and tools)
  network.once("afterDrawing", function (ctx) {
    var canvas = ctx.canvas, ink = 0;
    try {
      var px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      for (var i = 3; i < px.length; i += 16) { if (px[i] > 0) { ink++; } }
    } catch (err) { ink = -1; }
    body.dataset.ink = String(ink);
    body.dataset.nodes = String(nodeSet.length);
    recordCounts();
    body.dataset.drawMs = String(Math.round(performance.now() - t0));
    body.dataset.drawn = "1";
  });

  // fit the nodes, their labels and the headings drawn beside them
  var measure = document.createElement("canvas").getContext("2d");
  function textWidth(text, size) {
    measure.font = size + "px " + FACE;
    return String(text).split("\n").reduce(function (w, line) {
      return Math.max(w, measure.measureText(line).width);
    }, 0);
  }
  function fitAll() {
    var x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    var baseSize = (data.options.nodes && data.options.nodes.font && data.options.nodes.font.size) || 14;
    data.nodes.forEach(function (n) {
      if (typeof n.x !== "number" || n.hidden) { return; }
      var size = n.size || 10, fsize = (n.font && n.font.size) || baseSize;
      var label = String(n.label == null ? "" : n.label);
      var half = Math.max(size, textWidth(label, fsize) / 2);
      var lines = label ? label.split("\n").length : 0;
      x0 = Math.min(x0, n.x - half); x1 = Math.max(x1, n.x + half);
      y0 = Math.min(y0, n.y - size);
      y1 = Math.max(y1, n.y + size + 6 + lines * fsize * 1.25);
    });
    data.annotations.forEach(function (a) {
      var half = textWidth(a.text, a.size) / 2;
      x0 = Math.min(x0, a.x - half); x1 = Math.max(x1, a.x + half);
      y0 = Math.min(y0, a.y - a.size); y1 = Math.max(y1, a.y + a.size);
    });
    if (!isFinite(x0)) { network.fit({ animation: false }); return; }
    x0 -= 30; x1 += 30; y0 -= 30; y1 += 30;
    var scale = Math.min(container.clientWidth / (x1 - x0), container.clientHeight / (y1 - y0));
    network.moveTo({ position: { x: (x0 + x1) / 2, y: (y0 + y1) / 2 }, scale: scale, animation: false });
  }
  if (!data.options.physics || !data.options.physics.enabled) { fitAll(); }
  fromHash();
  window.chaingraphNetwork = network;
})();
