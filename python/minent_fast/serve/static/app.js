// minent_fast explorer: plain DOM, no libraries. Text from the server goes in through
// textContent; only the SVG pictures the server drew (every text in them escaped) are
// set as markup.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { q: "", page: 0, tab: "kwic" };

function params(obj) {
  return new URLSearchParams(Object.entries(obj).map(([k, v]) => [k, String(v)])).toString();
}

async function api(path, obj) {
  const r = await fetch(path + "?" + params(obj));
  const body = await r.json();
  if (!r.ok) throw new Error(body.error || ("HTTP " + r.status));
  return body;
}

function showError(err) {
  const box = $("error");
  if (err) { box.textContent = String(err.message || err); box.hidden = false; } else { box.hidden = true; }
}

function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); }

function cell(row, text, cls) {
  const td = row.insertCell();
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

function setDownloads(prefix, path, obj) {
  $("dl-" + prefix + "-tsv").href = path + "?" + params({ ...obj, format: "tsv" });
  $("dl-" + prefix + "-parquet").href = path + "?" + params({ ...obj, format: "parquet" });
}

function kwicParams() {
  const per = Math.max(1, Math.min(1000, parseInt($("per-page").value, 10) || 25));
  return { q: state.q, width: Math.max(0, Math.min(200, parseInt($("width").value, 10) || 0)),
           limit: per, offset: state.page * per, order: $("order").value, seed: 0 };
}

async function loadKwic() {
  const p = kwicParams();
  const body = await api("/api/kwic", p);
  $("count").textContent = body.total.toLocaleString() + " occurrences";
  const tbody = $("kwic").tBodies[0];
  clear(tbody);
  for (const r of body.rows) {
    const row = tbody.insertRow();
    cell(row, r.source.split("/").pop());
    cell(row, String(r.line));
    cell(row, r.left, "left");
    const m = cell(row, r.match, "match");
    m.title = "open in the sentence view";
    m.addEventListener("click", () => openSentence(r.left + r.match + r.right));
    cell(row, r.right, "right");
  }
  const pages = Math.max(1, Math.ceil(Math.min(body.total, 10000 + p.limit) / p.limit));
  $("page").textContent = "page " + (state.page + 1) + " of " + pages;
  $("prev").disabled = state.page === 0;
  $("next").disabled = p.offset + p.limit >= body.total || p.offset + p.limit > 10000;
  const { offset, limit, ...rest } = p;
  setDownloads("kwic", "/api/kwic", { ...rest, offset: 0, limit: 1000 });
}

const SVG = "http://www.w3.org/2000/svg";
function svgEl(name, attrs) {
  const el = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

async function loadNext() {
  const body = await api("/api/next", { q: state.q, k: 20 });
  $("next-note").textContent = body.suffix_length
    ? "after \u201c" + state.q.slice(state.q.length - body.suffix_length) + "\u201d (the longest suffix that occurs; " +
      body.total.toLocaleString() + " continuations)"
    : "no suffix of the context occurs: every character's count";
  const chart = $("chart");
  clear(chart);
  const rows = body.rows, barH = 22, w = 640, left = 40;
  const max = Math.max(1, ...rows.map((r) => r.count));
  const svg = svgEl("svg", { width: w, height: rows.length * barH + 10, class: "next-chart" });
  rows.forEach((r, i) => {
    const y = i * barH + 4;
    const label = svgEl("text", { x: left - 8, y: y + 15, "text-anchor": "end" });
    label.textContent = r.char;
    const bar = svgEl("rect", { x: left, y: y, height: barH - 6, width: Math.max(1, (w - left - 120) * r.count / max),
                                fill: "#2f6fd0", class: "bar" });
    const title = svgEl("title", {});
    title.textContent = r.char + ": " + r.count;
    bar.appendChild(title);
    const value = svgEl("text", { x: left + 6 + (w - left - 120) * r.count / max, y: y + 14, "font-size": 12 });
    value.textContent = (100 * r.count / body.total).toFixed(1) + "%";
    svg.append(label, bar, value);
  });
  chart.appendChild(svg);
  setDownloads("next", "/api/next", { q: state.q, k: 1000 });
}

async function loadColloc() {
  const p = { q: state.q, window: parseInt($("window").value, 10) || 5, by: $("by").value,
              min_count: parseInt($("min-count").value, 10) || 1, limit: 50 };
  const body = await api("/api/collocates", p);
  const tbody = $("colloc").tBodies[0];
  clear(tbody);
  for (const r of body.rows) {
    const row = tbody.insertRow();
    cell(row, r.word);
    cell(row, String(r.count));
    cell(row, r.score === null ? "" : r.score.toFixed(3));
  }
  setDownloads("colloc", "/api/collocates", { ...p, limit: 1000 });
}

async function loadSentence() {
  const q = $("sentence").value.trim();
  if (!q) return;
  const body = await api("/api/sentence", { q });
  $("profile").innerHTML = body.profile_svg;
  const words = $("words");
  clear(words);
  for (const w of body.words) {
    const s = document.createElement("span");
    s.textContent = w;
    words.appendChild(s);
  }
  const tree = $("tree");
  if (body.tree_svg) tree.innerHTML = body.tree_svg;
  else tree.textContent = "start the server with --templates to parse sentences";
}

function openSentence(text) {
  $("sentence").value = text.slice(0, 200);
  switchTab("sentence");
}

const loaders = { kwic: loadKwic, next: loadNext, colloc: loadColloc, sentence: loadSentence };

async function refresh() {
  showError(null);
  try {
    if (state.tab === "sentence") await loadSentence();
    else if (state.q) await loaders[state.tab]();
  } catch (err) {
    showError(err);
  }
}

function switchTab(tab) {
  state.tab = tab;
  for (const b of document.querySelectorAll(".tab")) b.classList.toggle("active", b.dataset.tab === tab);
  for (const name of Object.keys(loaders)) $("panel-" + name).hidden = name !== tab;
  refresh();
}

$("search").addEventListener("submit", (e) => {
  e.preventDefault();
  state.q = $("q").value.trim();
  state.page = 0;
  if (state.tab === "sentence") switchTab("kwic"); else refresh();
});
$("sentence-form").addEventListener("submit", (e) => { e.preventDefault(); refresh(); });
for (const b of document.querySelectorAll(".tab")) b.addEventListener("click", () => switchTab(b.dataset.tab));
$("prev").addEventListener("click", () => { if (state.page > 0) { state.page -= 1; refresh(); } });
$("next").addEventListener("click", () => { state.page += 1; refresh(); });
for (const id of ["order", "width", "per-page"]) $(id).addEventListener("change", () => { state.page = 0; refresh(); });
for (const id of ["by", "window", "min-count"]) $(id).addEventListener("change", refresh);

api("/api/info", {}).then((info) => {
  $("info").textContent = info.num_chars.toLocaleString() + " characters, " + info.num_segments.toLocaleString() +
    " segments, symbols \u201c" + info.segmenter + "\u201d \u2014 " + info.sources.join(", ");
}).catch(showError);
