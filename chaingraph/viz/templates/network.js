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

  var nodes = data.nodes.map(function (n) {
    var m = Object.assign({}, n);
    if (Object.prototype.hasOwnProperty.call(data.tips, n.id)) {
      m.title = tipElement(n.id);
    } else if (typeof n.title === "string") {
      m.title = textElement(n.title);
    }
    if (typeof m.label !== "string") { m.label = m.label == null ? "" : String(m.label); }
    return m;
  });
  var edges = data.edges.map(function (e) {
    var m = Object.assign({}, e);
    if (typeof e.title === "string") { m.title = textElement(e.title); }
    return m;
  });
  var nodeSet = new vis.DataSet(nodes);
  var edgeSet = new vis.DataSet(edges);
  var container = document.getElementById("cg-network");
  var network = new vis.Network(container, { nodes: nodeSet, edges: edgeSet }, data.options);

  // stage and segment headings, drawn on the canvas as text
  network.on("beforeDrawing", function (ctx) {
    ctx.save();
    ctx.fillStyle = "#555";
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    data.annotations.forEach(function (a) {
      ctx.font = a.size + "px 'Noto Sans CJK SC', 'Microsoft YaHei', 'PingFang SC', sans-serif";
      ctx.fillText(String(a.text), a.x, a.y);
    });
    ctx.restore();
  });

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
    body.dataset.selected = String(id);
    return true;
  }
  network.on("selectNode", function (p) { if (p.nodes.length) { showDetails(p.nodes[0]); } });

  function fromHash() {
    var m = /^#select=(.*)$/.exec(window.location.hash);
    if (!m) { return; }
    var id = decodeURIComponent(m[1]);
    if (showDetails(id)) { network.selectNodes([id]); }
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
    body.dataset.edges = String(edgeSet.length);
    body.dataset.drawMs = String(Math.round(performance.now() - t0));
    body.dataset.drawn = "1";
  });
  // fit the nodes and the headings drawn beside them
  function fitAll() {
    var xs = [], ys = [];
    data.nodes.forEach(function (n) { if (typeof n.x === "number") { xs.push(n.x); ys.push(n.y); } });
    data.annotations.forEach(function (a) { xs.push(a.x); ys.push(a.y - a.size); });
    if (!xs.length) { network.fit({ animation: false }); return; }
    function lo(a) { return a.reduce(function (m, v) { return v < m ? v : m; }, Infinity); }
    function hi(a) { return a.reduce(function (m, v) { return v > m ? v : m; }, -Infinity); }
    var x0 = lo(xs) - 60, x1 = hi(xs) + 60, y0 = lo(ys) - 60, y1 = hi(ys) + 60;
    var scale = Math.min(container.clientWidth / (x1 - x0), container.clientHeight / (y1 - y0));
    network.moveTo({ position: { x: (x0 + x1) / 2, y: (y0 + y1) / 2 }, scale: scale, animation: false });
  }
  if (!data.options.physics || !data.options.physics.enabled) { fitAll(); }
  fromHash();
  window.chaingraphNetwork = network;
})();
