(function () {
"use strict";
var DATA = JSON.parse(document.getElementById("crsmap-data").textContent);
var card = document.getElementById("card"), tip = document.getElementById("tip");
var byId = {}, viewers = [], selected = [];
document.querySelectorAll("g.interaction").forEach(function (g) {
  var id = g.getAttribute("data-id"); (byId[id] = byId[id] || []).push(g);
});
function el(tag, cls, text) {
  var e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = text;
  return e;
}
function link(href, text) { var a = el("a", null, text); a.href = href; return a; }
function refLink(ref) {
  var i = ref.indexOf(":"), p = ref.slice(0, i), v = encodeURIComponent(ref.slice(i + 1));
  if (p === "pubmed") return link("https://pubmed.ncbi.nlm.nih.gov/" + v + "/", ref);
  if (p === "doi") return link("https://doi.org/" + v.replace(/%2F/g, "/"), ref);
  if (p === "pmc") return link("https://pmc.ncbi.nlm.nih.gov/articles/" + v + "/", ref);
  return el("span", null, ref);
}
function person(orcid) {
  var span = el("span", null, (DATA.curators[orcid] || "") + " ");
  var valid = /^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$/.test(orcid);
  span.appendChild(valid ? link("https://orcid.org/" + orcid, orcid) : el("span", null, orcid));
  return span;
}
function show(id) {
  var d = DATA.cards[id], dl = el("dl"), ul = el("ul");
  if (!d) return false;
  selected.forEach(function (g) { g.classList.remove("selected"); });
  selected = byId[id] || [];
  selected.forEach(function (g) { g.classList.add("selected"); });
  card.textContent = "";
  card.appendChild(el("h3", null, id));
  card.appendChild(el("span", "badge s-" + d.st, DATA.labels[d.st]));
  function row(term, value) {
    if (value === undefined || value === "") return;
    var dd = el("dd");
    if (typeof value === "string") dd.textContent = value; else dd.appendChild(value);
    dl.appendChild(el("dt", null, term)); dl.appendChild(dd);
  }
  row("Signature", d.sig); row("Signature when curated", d.rec); row("Name", d.name);
  row("Type", d.type); row("Map", DATA.maps[d.map]); row("Curator", d.cur ? person(d.cur) : "none recorded");
  row("License", d.lic); row("Derived from", d.der); row("Curation status", d.rev);
  row("Updated", d.upd); row("First release", d.first);
  card.appendChild(dl);
  card.appendChild(el("h4", null, "References (" + d.refs.length + ")"));
  if (!d.refs.length) card.appendChild(el("p", "hint", "No evidence recorded."));
  d.refs.forEach(function (r) {
    var li = el("li"), meta = el("div", "hint");
    li.appendChild(refLink(r.ref));
    if (r.cite) li.appendChild(el("span", null, " " + r.cite));
    if (r.flag) li.appendChild(el("span", "flag", r.flag === "retracted" ? "RETRACTED" : "NOT FOUND"));
    meta.appendChild(el("span", null, r.eco + " · " + r.src + " · " + r.date + " · "));
    meta.appendChild(person(r.cur)); li.appendChild(meta);
    if (r.note) li.appendChild(el("div", null, r.note));
    ul.appendChild(li);
  });
  card.appendChild(ul);
  return true;
}
function Viewer(box) {
  var svg = box.querySelector("svg.map"), W = +svg.getAttribute("data-w"), H = +svg.getAttribute("data-h");
  var vb = [0, 0, W, H], drag = null, moved = false;
  function apply() { svg.setAttribute("viewBox", vb.map(function (v) { return v.toFixed(1); }).join(" ")); }
  function zoom(f, cx, cy) {  // keeps (cx, cy) in place; limits keep the map findable
    f = Math.min(Math.max(vb[2] * f, W / 400), W * 4) / vb[2];
    vb = [cx - (cx - vb[0]) * f, cy - (cy - vb[1]) * f, vb[2] * f, vb[3] * f]; apply();
  }
  this.svg = svg;
  this.focus = function (g) {
    var b = g.getBBox(), s = Math.max(b.width, b.height, 150) * 2.5;
    vb = [b.x + b.width / 2 - s / 2, b.y + b.height / 2 - s / 2, s, s]; apply();
    box.scrollIntoView({block: "nearest"});
  };
  box.querySelectorAll("button[data-zoom]").forEach(function (b) {
    b.addEventListener("click", function () {
      var z = b.getAttribute("data-zoom");
      if (z === "fit") { vb = [0, 0, W, H]; apply(); }
      else zoom(z === "in" ? 1 / 1.4 : 1.4, vb[0] + vb[2] / 2, vb[1] + vb[3] / 2);
    });
  });
  svg.addEventListener("wheel", function (e) {
    var p = svg.createSVGPoint(); p.x = e.clientX; p.y = e.clientY;
    p = p.matrixTransform(svg.getScreenCTM().inverse());
    e.preventDefault(); zoom(e.deltaY > 0 ? 1.2 : 1 / 1.2, p.x, p.y);
  }, {passive: false});
  svg.addEventListener("pointerdown", function (e) {
    drag = {x: e.clientX, y: e.clientY, vb: vb.slice(), s: 1 / svg.getScreenCTM().a}; moved = false;
  });
  // Moves are followed on the window, not captured, so a click still reaches its line.
  window.addEventListener("pointermove", function (e) {
    if (!drag) return;
    var dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) { moved = true; svg.classList.add("dragging"); }
    vb = [drag.vb[0] - dx * drag.s, drag.vb[1] - dy * drag.s, vb[2], vb[3]]; apply();
  });
  window.addEventListener("pointerup", function () { drag = null; svg.classList.remove("dragging"); });
  svg.addEventListener("click", function (e) {
    var g = e.target.closest("g.interaction");
    if (moved) moved = false; else if (g) show(g.getAttribute("data-id"));
  });
  svg.addEventListener("mouseover", function (e) {
    var g = e.target.closest("g.interaction"), d = g && DATA.cards[g.getAttribute("data-id")];
    tip.hidden = !d;
    if (d) tip.textContent = g.getAttribute("data-id") + " · " + DATA.labels[d.st] + " · " + d.sig;
  });
  svg.addEventListener("mousemove", function (e) {
    tip.style.left = (e.clientX + 14) + "px"; tip.style.top = (e.clientY + 14) + "px";
  });
  svg.addEventListener("mouseleave", function () { tip.hidden = true; });
}
document.querySelectorAll(".viewer").forEach(function (box) { viewers.push(new Viewer(box)); });
function select(id) {
  var g = (byId[id] || [])[0];
  if (!show(id)) return;
  viewers.forEach(function (v) { if (g && g.firstChild && v.svg.contains(g)) v.focus(g); });
}
document.querySelectorAll("#legend input").forEach(function (box) {
  box.addEventListener("change", function () {
    var cls = "hide-" + box.getAttribute("data-status");
    viewers.forEach(function (v) { v.svg.classList.toggle(cls, !box.checked); });
  });
});
var list = el("datalist"); list.id = "ids"; document.body.appendChild(list);
Object.keys(DATA.cards).forEach(function (id) { var o = el("option"); o.value = id; list.appendChild(o); });
document.getElementById("find").addEventListener("submit", function (e) {
  e.preventDefault(); select(e.target.q.value.trim());
});
document.querySelectorAll("[data-select]").forEach(function (a) {
  a.addEventListener("click", function () { select(a.getAttribute("data-select")); });
});
document.querySelectorAll("table.sortable").forEach(function (table) {
  var heads = table.querySelectorAll("th"), body = table.tBodies[0];
  heads.forEach(function (th, col) {
    function key(tr) { var c = tr.cells[col]; return c.getAttribute("data-key") || c.textContent; }
    function sort() {
      var up = !th.classList.contains("asc");
      heads.forEach(function (h) { h.classList.remove("asc", "desc"); });
      th.classList.add(up ? "asc" : "desc");
      Array.prototype.slice.call(body.rows).sort(function (a, b) {
        var r = key(a).localeCompare(key(b), undefined, {numeric: true}); return up ? r : -r;
      }).forEach(function (tr) { body.appendChild(tr); });
    }
    th.addEventListener("click", sort);
    th.addEventListener("keydown", function (e) { if (e.key === "Enter") sort(); });
  });
});
var test = /^#selftest(?:=(.+))?$/.exec(location.hash);
if (test) {
  var all = document.querySelectorAll("g.interaction"), drawn = 0, colour = {};
  var target = test[1] ? (byId[decodeURIComponent(test[1])] || [])[0] : all[0];
  var first = document.querySelector("svg.map"), before = first && first.getAttribute("viewBox");
  document.querySelectorAll("#legend .swatch").forEach(function (s) {
    colour[s.className.split("s-")[1]] = getComputedStyle(s).backgroundColor;
  });
  all.forEach(function (g) {
    var b = g.getBBox(), p = g.querySelector("path");
    if (p && (b.width > 0 || b.height > 0) && getComputedStyle(p).stroke === colour[g.getAttribute("data-status")]) drawn++;
  });
  document.body.setAttribute("data-selftest-total", String(all.length));
  document.body.setAttribute("data-selftest-rendered", String(drawn));
  if (target) target.dispatchEvent(new MouseEvent("click", {bubbles: true}));
  document.body.setAttribute("data-selftest", card.textContent);
  if (first) {
    document.querySelector("button[data-zoom=in]").click();
    document.body.setAttribute("data-selftest-zoom", before + "|" + first.getAttribute("viewBox"));
  }
}
})();
