// The minemap web application: a map of the store's vector tiles over an offline base,
// a dashboard of the approved figures, the hazard pages, report forms (an accident, a
// land-release activity with its polygons drawn on a map, items found) and the review
// of submitted reports. Talks only to the server it came from; nothing is fetched from
// elsewhere. Globals from the vendor scripts: maplibregl, Chart, topojson.

const $ = (selector) => document.querySelector(selector);
const ROLES = ["viewer", "data_entry", "verifier", "admin"];
const rank = (role) => ROLES.indexOf(role);

let session = null; // {user, role, csrf_token} when signed in
const state = { charts: [], picking: false, formMaps: {}, review: 0, hazardPage: 0 };
window.minemap = state; // for the end-to-end tests: state.map, state.formMaps, state.hazardMap ...

// ---- The API ----

// The answer's JSON; with `extra` headers sent, and `extra.withEtag` set, {data, etag}.
async function api(method, path, body, extra = {}) {
  const { withEtag, ...sent } = extra;
  const headers = { Accept: "application/json", ...sent };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (session && method !== "GET") headers["X-CSRF-Token"] = session.csrf_token;
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const err = new Error((data && (data.detail || data.title)) || response.statusText);
    err.status = response.status;
    err.problem = data; // application/problem+json: {title, status, detail}
    throw err;
  }
  return withEtag ? { data, etag: response.headers.get("ETag") } : data;
}

function say(text, error = false) {
  const m = $("#message");
  m.textContent = text;
  m.className = error ? "error" : "";
  m.hidden = !text;
}

// ---- The data model: labels for fields and codes, names for references ----

// The entities, from the server (GET /api/schema): their fields with a label each, an
// enum's codes with theirs, which are reviewed field reports, which are children that
// go with their parent (victims, land released).
let schemaRequest;
function schema() {
  schemaRequest ||= api("GET", "/api/schema").catch((err) => { schemaRequest = undefined; throw err; });
  return schemaRequest;
}

// The same by name, once read: entity -> {singular, title, fields: name -> field}. Until
// then (or without it) field names are shown in words and codes as they are.
let model = null;
function loadModel() {
  return schema().then((entities) => (state.model = model ||= Object.fromEntries(entities.map((e) => [e.name,
    { ...e, singular: e.singular || e.title, fields: Object.fromEntries(e.fields.map((f) => [f.name, f])) }]))));
}

const fieldOf = (entity, name) => model?.[entity]?.fields[name];
const entityName = (entity) => model?.[entity]?.singular || humanise(entity);
const labelOf = (entity, name) => (name === "id" ? "ID" : fieldOf(entity, name) ? fieldLabel(fieldOf(entity, name))
  : humanise(name).replace(/^./, (c) => c.toUpperCase()));

// An enum's code in words: its label from the data model, else the code with spaces.
function codeLabel(entity, name, code) {
  const labels = fieldOf(entity, name)?.labels;
  return (labels && labels[code]) || humanise(code);
}

// An enum set's codes: kept as "a,b" or given as an array.
const codesOf = (v) => (Array.isArray(v) ? v : String(v).split(",").filter(Boolean));

// A field's value in words: an enum's label (a set's labels), yes or no, numbers as
// fieldValue gives them. A reference stays its id: valueHtml names it.
function valueText(entity, name, v) {
  if (v === null || v === undefined) return "";
  const f = fieldOf(entity, name);
  if (f && /^enum/.test(f.type)) return codesOf(v).map((c) => codeLabel(entity, name, c)).join(", ");
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (Array.isArray(v)) return v.some((x) => x && typeof x === "object") ? String(v.length) : v.join(", ");
  if (typeof v === "object") return JSON.stringify(v);
  return fieldValue(name, v);
}

// The same as HTML: an enum's code kept in the title, a reference by name (refHtml).
function valueHtml(entity, name, v) {
  if (v === null || v === undefined || v === "") return "";
  const f = fieldOf(entity, name);
  if (f && f.type === "reference") return refHtml(v, f.ref);
  if (!f && /_id$/.test(name) && /^[A-Z]{2,5}-\d+$/.test(String(v))) return refHtml(v);
  if (f && /^enum/.test(f.type))
    return `<span title="${escapeHtml(codesOf(v).join(", "))}">${escapeHtml(valueText(entity, name, v))}</span>`;
  return escapeHtml(valueText(entity, name, v));
}

// A reference to another record, shown by its name once known (fillNames), its id in
// the title: a hazard opens its page, a record the map has opens the map's search for
// it (#map/ID), anything else is the name alone.
function refHtml(id, target) {
  target ||= Object.values(model || {}).find((e) => String(id).startsWith(`${e.id_prefix}-`))?.name;
  const text = escapeHtml(names.get(id) || id);
  const attrs = `class="ref" data-ref="${escapeHtml(id)}" title="${escapeHtml(id)}"`;
  if (target === "hazards") return `<a ${attrs} href="#hazard/${encodeURIComponent(id)}">${text}</a>`;
  if (ID_COLLECTIONS.includes(target)) return `<a ${attrs} href="#map/${encodeURIComponent(id)}">${text}</a>`;
  return `<span ${attrs}>${text}</span>`;
}

// The names of the references shown under `root`, asked of the server for all of them
// at once (GET /api/names, 200 ids a request) and kept for the session: `names` holds
// those known (null for a record without one), `asked` the answers awaited.
const names = new Map();
const asked = new Map();
state.names = names;
async function fillNames(root) {
  if (!root) return;
  const refs = [...root.querySelectorAll("[data-ref]")];
  const wanted = [...new Set(refs.map((el) => el.dataset.ref))].filter((id) => !names.has(id) && !asked.has(id));
  for (let i = 0; i < wanted.length; i += 200) {
    const chunk = wanted.slice(i, i + 200);
    const got = api("GET", `/api/names?${chunk.map((id) => `id=${encodeURIComponent(id)}`).join("&")}`).then((r) => {
      for (const id of chunk) names.set(id, r.names[id] ?? null);
    }, () => {}).finally(() => { for (const id of chunk) asked.delete(id); });
    for (const id of chunk) asked.set(id, got);
  }
  await Promise.all(refs.map(async (el) => {
    await asked.get(el.dataset.ref);
    const name = names.get(el.dataset.ref);
    if (name) el.textContent = name;
  }));
}

// ---- Signing in ----

function showSession() {
  const signedIn = session !== null;
  $("#login").hidden = signedIn;
  $("#who").hidden = !signedIn;
  $("#logout").hidden = !signedIn;
  $("#who").textContent = signedIn ? `${session.user} (${session.role.replace("_", " ")})` : "";
  for (const b of document.querySelectorAll("nav button[data-role]"))
    b.hidden = !signedIn || rank(session.role) < rank(b.dataset.role);
  if (signedIn && state.wanted) {
    history.replaceState(null, "", `#${state.wanted}`);
    state.wanted = undefined;
  }
  if (state.toolsReady) refreshOrganisations();
  route();
}

$("#login").addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = new FormData(e.target);
  try {
    session = await api("POST", "/login", { name: form.get("name"), password: form.get("password") });
    e.target.reset();
    say("");
  } catch (err) {
    say(`Sign-in failed: ${err.message}`, true);
  }
  showSession();
});

$("#logout").addEventListener("click", async () => {
  try {
    await api("POST", "/logout", {});
  } catch (err) {
    say(err.message, true);
  }
  session = null;
  names.clear();
  showSession();
});

// ---- Views ----

// Pages and the least role that opens them; #hazard/HZ-000001 is a hazard's page.
const VIEW_ROLE = { report: "data_entry", review: "verifier", hazards: "viewer", hazard: "viewer",
  mine: "data_entry", edit: "data_entry", signals: "viewer" };
const NAV_OF = { hazard: "hazards", edit: "mine" };

function route() {
  const [view, ...rest] = location.hash.slice(1).split("/");
  show(view || "map", decodeURIComponent(rest.join("/")));
}

function show(view, arg = "") {
  if (!document.getElementById(`view-${view}`)) [view, arg] = ["map", ""];
  if ($("#message").className === "error") say("");  // an error belongs to the page it was on
  const needed = VIEW_ROLE[view];
  if (needed && (!session || rank(session.role) < rank(needed))) {
    // The page asked for opens once signed in (a link sent to a colleague).
    if (!session) state.wanted = arg ? `${view}/${encodeURIComponent(arg)}` : view;
    say(session ? `Your role (${session.role}) may not open this page.` : "Sign in first.", true);
    [view, arg] = ["map", ""];
  }
  for (const v of document.querySelectorAll(".view")) v.hidden = v.id !== `view-${view}`;
  for (const b of document.querySelectorAll("nav button"))
    b.classList.toggle("active", b.dataset.view === (NAV_OF[view] || view));
  const hash = arg ? `${view}/${encodeURIComponent(arg)}` : view;
  if (location.hash !== `#${hash}`) history.replaceState(null, "", `#${hash}`);
  if (view === "map" && state.map) state.map.resize();
  if (view === "map" && arg) searchLink(arg);
  if (view === "dashboard") loadDashboard();
  if (view === "review") loadReview();
  if (view === "report") openForms();
  if (view === "hazards") loadHazards();
  if (view === "signals") loadSignals();
  if (view === "hazard") loadHazard(arg);
  if (view === "mine") loadMine();
  if (view === "edit") openEditor(arg);
}

for (const b of document.querySelectorAll("nav button"))
  b.addEventListener("click", () => show(b.dataset.view));
window.addEventListener("hashchange", route);

// ---- The map ----

const CLICKABLE = ["accidents", "items", "record-mines", "records", "releases", "hazards"];

function addLayers(map) {
  const src = { source: "minemap" };
  map.addLayer({ id: "admin-areas", type: "line", ...src, "source-layer": "admin-areas",
    paint: { "line-color": "#78909c", "line-width": 1, "line-dasharray": [3, 2] } });
  map.addLayer({ id: "roads", type: "line", ...src, "source-layer": "roads",
    paint: { "line-color": "#a1887f", "line-width": 1.2 } });
  map.addLayer({ id: "hazards", type: "fill", ...src, "source-layer": "hazards",
    filter: ["!", ["has", "point_count"]],
    paint: {
      "fill-color": ["case", ["==", ["get", "status"], "closed"], "#bdbdbd",
        ["match", ["get", "type"], "CHA", "#d7301f", "SHA", "#fc8d59", "#fdae61"]],
      "fill-opacity": 0.5, "fill-outline-color": "#7f0000" } });
  map.addLayer({ id: "releases", type: "fill", ...src, "source-layer": "releases",
    filter: ["!", ["has", "point_count"]],
    paint: {
      "fill-color": ["match", ["get", "outcome"], "cleared", "#1a9850", "reduced", "#91cf60",
        "cancelled", "#d9ef8b", "#cccccc"],
      "fill-opacity": 0.7 } });
  map.addLayer({ id: "records", type: "line", ...src, "source-layer": "records",
    paint: { "line-color": "#6a3d9a", "line-width": 1.5 } });
  map.addLayer({ id: "record-mines", type: "circle", ...src, "source-layer": "record-mines",
    minzoom: 13, filter: ["!", ["has", "point_count"]], paint: { "circle-radius": 2, "circle-color": "#6a3d9a" } });
  map.addLayer({ id: "items", type: "circle", ...src, "source-layer": "items",
    filter: ["!", ["has", "point_count"]],
    paint: { "circle-radius": 3.5, "circle-color": "#2b83ba", "circle-stroke-color": "#fff",
      "circle-stroke-width": 0.8 } });
  map.addLayer({ id: "accidents", type: "circle", ...src, "source-layer": "accidents",
    filter: ["!", ["has", "point_count"]],
    paint: { "circle-radius": 5, "circle-color": "#000", "circle-stroke-color": "#fff",
      "circle-stroke-width": 1.2 } });
  // Where a tile holds too much, the server gathers features into clusters that carry
  // point_count (docs/tiles.md): a circle growing with the count, the count written on
  // it; a click zooms in on them.
  for (const [layer, color] of CLUSTERED) {
    map.addLayer({ id: `${layer}-clusters`, type: "circle", ...src, "source-layer": layer,
      filter: ["has", "point_count"],
      paint: {
        "circle-color": color, "circle-opacity": 0.75,
        "circle-stroke-color": "#fff", "circle-stroke-width": 1,
        "circle-radius": ["interpolate", ["linear"], ["sqrt", ["get", "point_count"]],
          1, 6, 10, 14, 100, 30] } });
    map.addLayer({ id: `${layer}-cluster-counts`, type: "symbol", ...src, "source-layer": layer,
      filter: ["has", "point_count"],
      // Labels that would overlap are left out (the circles stay): thousands of clusters
      // at a national view.
      layout: { "text-field": clusterLabel(), "text-font": FONT, "text-size": 11 },
      paint: { "text-color": "#fff" } });
  }
}

// The layers whose tiles may hold clusters, and their colour.
const CLUSTERED = [["hazards", "#d7301f"], ["items", "#2b83ba"], ["accidents", "#000"],
  ["record-mines", "#6a3d9a"], ["releases", "#1a9850"]];
const CLUSTER_LAYERS = CLUSTERED.map(([layer]) => `${layer}-clusters`);

// The count of a cluster, short: 1234 as "1.2k", 23456 as "23k".
function clusterLabel() {
  const n = ["get", "point_count"];
  return ["case",
    [">=", n, 10000], ["concat", ["to-string", ["round", ["/", n, 1000]]], "k"],
    [">=", n, 1000], ["concat", ["to-string", ["/", ["round", ["/", n, 100]], 10]], "k"],
    ["to-string", n]];
}

// A feature's details: its kind (the entity's name), id and name first, then its
// fields in the data model's order with their labels, codes in words, references by
// name, numbers rounded, areas in m² and hectares.
function popupHtml(feature) {
  const p = feature.properties, entity = feature.layer.id;
  if (entity === "risk") return riskPopupHtml(p);
  const order = Object.keys(model?.[entity]?.fields || {});
  const first = ["id", "name"].filter((k) => k in p);
  const rest = Object.keys(p).filter((k) => !first.includes(k))
    .sort((a, b) => (order.indexOf(a) + 1 || 1e6) - (order.indexOf(b) + 1 || 1e6));
  const rows = [...first, ...rest]
    .map((k) => `<tr><td>${escapeHtml(labelOf(entity, k))}</td><td>${valueHtml(entity, k, p[k])}</td></tr>`)
    .join("");
  const id = p.hazard_id || (entity === "hazards" && p.id);
  const link = id ? `<p><a class="hazard-link" href="#hazard/${encodeURIComponent(id)}">Open the hazard page of ${escapeHtml(id)}</a></p>` : "";
  return `<b>${escapeHtml(entityName(entity))}</b><table>${rows}</table>${link}`;
}

const humanise = (key) => String(key).replace(/_/g, " ");

// A field's value as shown: areas (fields in m2) as "12,345 m² (1.23 ha)", other
// numbers with at most two decimals.
function fieldValue(key, v) {
  const n = typeof v === "number" ? v : (typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v) && /_m2$/.test(key) ? Number(v) : NaN);
  if (Number.isFinite(n)) {
    if (/_m2$/.test(key))
      return `${Math.round(n).toLocaleString("en")} m² (${(n / 10000).toLocaleString("en", { maximumFractionDigits: 2 })} ha)`;
    const digits = /(^|_)(lon|lat|longitude|latitude|x|y)$/.test(key) ? 6 : 2;
    return Number.isInteger(n) ? String(n) : n.toLocaleString("en", { maximumFractionDigits: digits, useGrouping: false });
  }
  return String(v);
}

function escapeHtml(s) {
  return String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

// The base every map draws: world boundaries (Natural Earth via world-atlas), the
// server's base map when it has one (serve --basemap, docs/basemap.md; null otherwise),
// then the store's tiles; and the risk model's tiles when the server has them (serve
// --risk, docs/risk.md; null otherwise), which the main map draws. Fetched once for every
// map of the page.
let baseData = null;
function loadBaseData() {
  const optional = (url) => fetch(url).then((r) => (r.ok ? r.json() : null)).catch(() => null);
  baseData ||= Promise.all([fetch("vendor/countries-110m.json").then((r) => r.json()),
    fetch("/tiles.json").then((r) => r.json()), optional("/basemap.json"), optional("/risk.json")]);
  return baseData;
}

// The risk model's scores (risk predict --tiles): cells coloured from pale yellow (0) to
// dark red (1), under the data. Below the cells' zoom a square stands for the cells in it,
// coloured by the highest of them.
const RISK_COLOURS = [0, "#ffffcc", 0.25, "#fed976", 0.5, "#fd8d3c", 0.75, "#e31a1c", 1, "#800026"];
function addRiskLayer(map, tilejson) {
  map.addSource("risk", { type: "vector", tiles: tilejson.tiles, minzoom: tilejson.minzoom,
    maxzoom: tilejson.maxzoom, bounds: tilejson.bounds });
  map.addLayer({ id: "risk", type: "fill", source: "risk", "source-layer": "risk",
    // (no antialiasing: its outlines would draw the grid's lines over the colours)
    paint: { "fill-color": ["interpolate", ["linear"], ["get", "risk"], ...RISK_COLOURS],
      "fill-opacity": 0.55, "fill-antialias": false } }, "admin-areas");
  const stops = RISK_COLOURS.filter((_, i) => i % 2 === 1).join(", ");
  $("#legend ul").insertAdjacentHTML("beforeend",
    `<li id="legend-risk"><i class="sw" style="background:linear-gradient(to right, ${stops})"></i>` +
    "Contamination risk (model): 0 to 100%</li>");
}

// The details of a risk cell (its risk, what raised it, what is known of it), or of a
// square of cells drawn at a lower zoom.
const RISK_LABEL = { 1: "contamination found (an item or accident in the cell)",
  0: "cleared or surveyed, nothing found" };
// The features of risk grid in words; why is "items_1km +0.42; dist_road_m +0.10" (the
// log-odds each added: docs/risk.md). A raster's column keeps its own name.
const RISK_FEATURES = { dist_accident_m: "distance to the nearest accident",
  dist_item_m: "distance to the nearest item found", dist_hazard_m: "distance to the nearest hazard",
  dist_cleared_m: "distance to cleared land", dist_record_mine_m: "distance to a recorded mine",
  dist_road_m: "distance to the nearest road", dist_settlement_m: "distance to the nearest settlement",
  accidents_1km: "accidents within 1 km", accidents_5km: "accidents within 5 km",
  items_1km: "items within 1 km", items_5km: "items within 5 km" };
function riskWhy(why) {
  return String(why || "").split("; ").filter(Boolean).map((part) => {
    const m = part.match(/^(.*) \+([\d.]+)$/);
    return m ? `${escapeHtml(RISK_FEATURES[m[1]] || m[1])} (+${escapeHtml(m[2])})` : escapeHtml(part);
  }).join("<br>");
}
function riskPopupHtml(p) {
  const pct = (v) => `${(100 * Number(v)).toLocaleString("en", { maximumFractionDigits: 1 })}%`;
  const row = (k, v) => `<tr><td>${escapeHtml(k)}</td><td>${v}</td></tr>`;
  if (p.cells !== undefined)
    return "<b>Contamination risk (model)</b><table>" + row("Highest risk", pct(p.risk)) +
      row("Mean risk", pct(p.risk_mean)) + row("Cells", escapeHtml(p.cells)) +
      "</table><p class=\"hint\">Zoom in to see each cell and why.</p>";
  const why = riskWhy(p.why);
  return "<b>Contamination risk (model)</b><table>" + row("Risk", pct(p.risk)) +
    row("Cell", escapeHtml(p.cell)) +
    (p.admin_area_id ? row("Admin area", refHtml(p.admin_area_id, "admin-areas")) : "") +
    row("Known", escapeHtml(RISK_LABEL[p.label] || "nothing")) +
    row("Raised most by", why || "nothing") + "</table>" +
    "<p class=\"hint\">A model's estimate (docs/risk.md), not a survey.</p>";
}

// The map's text: glyphs the build made from Open Sans (docs/basemap.md, "Fonts"), served
// with the application. Stacks: "Open Sans Regular", "Open Sans Bold", "Open Sans Italic".
const GLYPHS = new URL("glyphs/", location.href).href + "{fontstack}/{range}.pbf";
const FONT = ["Open Sans Regular"];
const FONT_BOLD = ["Open Sans Bold"];
const FONT_ITALIC = ["Open Sans Italic"];

// The base map's layers, for the OpenMapTiles schema that tilemaker writes (layers water,
// landcover, landuse, park, waterway, building, transportation, transportation_name,
// boundary, place). Names: the Latin one tilemaker writes, else the plain one.
const BASEMAP_NAME = ["coalesce", ["get", "name:latin"], ["get", "name"], ["get", "name_en"]];
function addBasemapLayers(map, tilejson) {
  map.addSource("basemap", { type: "vector", tiles: tilejson.tiles, minzoom: tilejson.minzoom,
    maxzoom: tilejson.maxzoom, attribution: tilejson.attribution });
  const bm = (layer, spec) => map.addLayer({ source: "basemap", "source-layer": layer, ...spec });
  bm("landcover", { id: "bm-landcover", type: "fill", paint: {
    "fill-color": ["match", ["get", "class"], ["wood", "forest"], "#d3e3c4", "grass", "#e3edd3",
      "farmland", "#eef0d6", "sand", "#f3ecd2", ["ice", "glacier"], "#f4f8fa", "wetland", "#d9e8e0",
      "rock", "#e5e2dc", "#e6ebd8"], "fill-opacity": 0.8 } });
  bm("landuse", { id: "bm-landuse", type: "fill", paint: {
    "fill-color": ["match", ["get", "class"], "residential", "#ebe5dd",
      ["industrial", "commercial", "retail"], "#eddfe0", "military", "#f1d5cf",
      "cemetery", "#dde5d6", ["farmland", "farmyard", "orchard", "vineyard"], "#eef0d6", "#ebe7df"],
    "fill-opacity": 0.8 } });
  bm("park", { id: "bm-park", type: "fill", paint: { "fill-color": "#d8eacb", "fill-opacity": 0.7 } });
  bm("water", { id: "bm-water", type: "fill", paint: { "fill-color": "#aad3df" } });
  bm("waterway", { id: "bm-waterway", type: "line", paint: { "line-color": "#aad3df",
    "line-width": ["interpolate", ["linear"], ["zoom"], 8, 0.5, 14, ["match", ["get", "class"], "river", 3, 1.2]] } });
  bm("building", { id: "bm-building", type: "fill", minzoom: 13, paint: {
    "fill-color": "#ddd5ca", "fill-outline-color": "#c9bfb2" } });
  bm("boundary", { id: "bm-boundary", type: "line",
    filter: ["all", ["<=", ["coalesce", ["get", "admin_level"], 99], 4], ["!=", ["get", "maritime"], 1]],
    paint: { "line-color": "#9e8fa8", "line-dasharray": [3, 2],
      "line-width": ["match", ["get", "admin_level"], 2, 1.4, 0.8] } });
  const major = ["motorway", "trunk", "primary", "secondary", "tertiary"];
  bm("transportation", { id: "bm-road-casing", type: "line", minzoom: 10,
    filter: ["match", ["get", "class"], [...major, "minor"], true, false],
    layout: { "line-cap": "round", "line-join": "round" },
    paint: { "line-color": "#c8bca9", "line-gap-width": ["interpolate", ["linear"], ["zoom"],
      10, ["match", ["get", "class"], ["motorway", "trunk", "primary"], 1.5, 0.8],
      16, ["match", ["get", "class"], ["motorway", "trunk", "primary"], 9, "minor", 5, 7]],
      "line-width": 1 } });
  bm("transportation", { id: "bm-road", type: "line",
    filter: ["match", ["get", "class"], [...major, "minor", "service"], true, false],
    layout: { "line-cap": "round", "line-join": "round" },
    paint: {
      "line-color": ["match", ["get", "class"], "motorway", "#e892a2", "trunk", "#f9b29c",
        "primary", "#fcd6a4", "secondary", "#f7fabf", "#ffffff"],
      "line-width": ["interpolate", ["linear"], ["zoom"],
        5, ["match", ["get", "class"], ["motorway", "trunk"], 1, "primary", 0.7, 0.3],
        10, ["match", ["get", "class"], ["motorway", "trunk", "primary"], 1.5, ["secondary", "tertiary"], 1, 0.5],
        16, ["match", ["get", "class"], ["motorway", "trunk", "primary"], 9, ["secondary", "tertiary"], 7, 4]] } });
  bm("transportation", { id: "bm-track", type: "line", minzoom: 11,
    filter: ["match", ["get", "class"], ["track", "path"], true, false],
    paint: { "line-color": "#a0785a", "line-dasharray": [2, 1.5],
      "line-width": ["interpolate", ["linear"], ["zoom"], 11, 0.6, 16, 1.5] } });
  bm("transportation", { id: "bm-rail", type: "line", minzoom: 8,
    filter: ["==", ["get", "class"], "rail"],
    paint: { "line-color": "#9a9a9a", "line-dasharray": [3, 3], "line-width": 1 } });
  bm("transportation_name", { id: "bm-road-name", type: "symbol", minzoom: 12,
    layout: { "symbol-placement": "line", "text-field": BASEMAP_NAME, "text-font": FONT,
      "text-size": 11 },
    paint: { "text-color": "#555", "text-halo-color": "#fff", "text-halo-width": 1.2 } });
  bm("place", { id: "bm-place", type: "symbol",
    filter: ["match", ["get", "class"], ["city", "town", "village", "hamlet", "suburb", "country", "state"], true, false],
    layout: { "text-field": BASEMAP_NAME,
      "text-font": ["match", ["get", "class"], ["city", "town", "country"], ["literal", FONT_BOLD], ["literal", FONT]],
      "text-size": ["match", ["get", "class"], "country", 14, "city", 14, "town", 12, "village", 11, 10],
      "symbol-sort-key": ["coalesce", ["get", "rank"], 99] },
    paint: { "text-color": "#333", "text-halo-color": "#fff", "text-halo-width": 1.5 } });
}

function newMap(container, { withRisk = false, ...options } = {}) {
  const map = new maplibregl.Map({
    container,
    style: { version: 8, sources: {}, glyphs: GLYPHS,
      layers: [{ id: "sea", type: "background", paint: { "background-color": "#dfe8ee" } }] },
    center: [0, 20],
    zoom: 1.5,
    attributionControl: false,
    // The drawn map stays in the canvas, so that the browser prints it.
    canvasContextAttributes: { preserveDrawingBuffer: true },
    ...options,
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-left");
  map.addControl(new maplibregl.ScaleControl(), "bottom-left");
  map.ready = new Promise((ok) => map.on("load", async () => {
    const [topo, tilejson, basemap, risk] = await loadBaseData();
    map.addSource("world", { type: "geojson", data: topojson.feature(topo, topo.objects.countries) });
    map.addLayer({ id: "land", type: "fill", source: "world", paint: { "fill-color": "#f4f1ea" } });
    map.addLayer({ id: "borders", type: "line", source: "world",
      paint: { "line-color": "#b0a999", "line-width": 0.6 } });
    if (basemap) {
      addBasemapLayers(map, basemap);
      // OpenStreetMap's licence asks for its credit wherever its data is shown.
      map.addControl(new maplibregl.AttributionControl({ compact: true }));
    }
    map.addSource("minemap", { type: "vector", tiles: tilejson.tiles,
      minzoom: tilejson.minzoom, maxzoom: 16 });
    addLayers(map);
    if (risk && withRisk) addRiskLayer(map, risk);
    const fit = tilejson.bounds || (basemap && basemap.bounds);
    if (tilejson.bounds) state.dataBounds = tilejson.bounds;
    if (fit) {
      const [w, s, e, n] = fit;
      map.fitBounds([[w, s], [e, n]], { padding: 40, duration: 0 });
    }
    ok(map);
  }));
  return map;
}

// Approved records appear in the tiles: every map reloads them.
function reloadTiles() {
  for (const m of [state.map, state.hazardMap, ...Object.values(state.formMaps)]) {
    const src = m && m.getSource("minemap");
    if (src) src.setTiles(src.tiles);
  }
}

async function startMap() {
  loadModel().catch(() => {}); // the labels, for the details of a feature
  const map = newMap("map", { withRisk: true });
  state.map = map;
  map.on("click", (e) => {
    if (state.picking) {
      state.picking = false;
      const f = $("#accident-form");
      f.lon.value = e.lngLat.lng.toFixed(6);
      f.lat.value = e.lngLat.lat.toFixed(6);
      $("#picked").textContent = `${f.lon.value}, ${f.lat.value}`;
      show("report");
      return;
    }
    if (state.measuring) {
      addMeasurePoint(e.lngLat);
      return;
    }
    const clusters = map.queryRenderedFeatures(e.point, { layers: CLUSTER_LAYERS });
    if (clusters.length) {
      // A cluster opens by zooming in on it: its points part at the next zooms.
      map.easeTo({ center: e.lngLat, zoom: Math.min(map.getZoom() + 2, 16) });
      return;
    }
    const hits = map.queryRenderedFeatures(e.point, { layers: CLICKABLE });
    if (hits.length) return openPopup(map, e.lngLat, hits[0]);
    const cells = map.getLayer("risk") ? map.queryRenderedFeatures(e.point, { layers: ["risk"] }) : [];
    if (cells.length) openPopup(map, e.lngLat, cells[0]);
  });
  for (const id of [...CLICKABLE, ...CLUSTER_LAYERS]) {
    map.on("mouseenter", id, () => (map.getCanvas().style.cursor = "pointer"));
    map.on("mouseleave", id, () => (map.getCanvas().style.cursor = ""));
  }
  await map.ready;
  startMapTools(map);
}

// A popup of a feature's details, opened scrolled to its top (layer, id and name).
function openPopup(map, lngLat, feature) {
  state.popup?.remove();
  state.popupFeature = feature;
  state.popup = new maplibregl.Popup({ maxWidth: "320px" }).setLngLat(lngLat)
    .setHTML(popupHtml(feature)).addTo(map);
  const content = state.popup.getElement().querySelector(".maplibregl-popup-content");
  if (content) content.scrollTop = 0;
  fillNames(content);
  return state.popup;
}

// ---- Map tools: search, filters, time slider, layers, measure, export, print ----

// The data layers a user may switch on and off, with the layers drawn for each.
const DATA_LAYERS = [
  ["hazards", "Hazardous areas", ["hazards", "hazards-clusters", "hazards-cluster-counts"]],
  ["releases", "Land released", ["releases", "releases-clusters", "releases-cluster-counts"]],
  ["records", "Minefield records", ["records", "record-mines", "record-mines-clusters", "record-mines-cluster-counts"]],
  ["items", "Items found", ["items", "items-clusters", "items-cluster-counts"]],
  ["accidents", "Accidents", ["accidents", "accidents-clusters", "accidents-cluster-counts"]],
  ["admin-areas", "Administrative areas", ["admin-areas"]],
  ["roads", "Roads", ["roads"]],
];
// The date a feature of a layer is "of" (as the OGC API's datetime takes it).
const DATE_FIELD = { accidents: "date", items: "found" };

const filters = { status: [], type: [], org: "", from: "", to: "", yearFrom: null, yearTo: null,
  yearMin: null, yearMax: null };
state.filters = filters;
const hiddenLayers = new Set();
const baseFilters = {}; // each layer's own filter (clusters out), kept before ours is added

async function startMapTools(map) {
  for (const id of ["hazards", "accidents", "items"]) baseFilters[id] = map.getFilter(id);
  // Hazard status and type: the enums of the queryables of the OGC API.
  const [q] = await Promise.all([api("GET", "/collections/hazards/queryables").catch(() => ({ properties: {} })),
    loadModel().catch(() => null)]);
  const checkboxes = (box, name, values) => {
    $(box).innerHTML = (values || []).map((v) =>
      `<label class="check" title="${escapeHtml(v)}"><input type="checkbox" name="${name}" value="${escapeHtml(v)}"> ` +
      `${escapeHtml(codeLabel("hazards", name, v))}</label>`).join("");
  };
  checkboxes("#f-status", "status", q.properties.status?.enum);
  checkboxes("#f-type", "type", q.properties.type?.enum);
  // Organisations: signed in, from the API; else the field stays "any".
  refreshOrganisations();
  // The years of the time slider: those of the accidents and items.
  const years = await dataYears();
  filters.yearMin = filters.yearFrom = years[0];
  filters.yearMax = filters.yearTo = years[1];
  for (const [id, v] of [["#year-from", years[0]], ["#year-to", years[1]]]) {
    Object.assign($(id), { min: years[0], max: years[1], step: 1, value: v });
  }
  showYears();
  if (map.getLayer("risk") && !DATA_LAYERS.some(([id]) => id === "risk"))
    DATA_LAYERS.push(["risk", "Contamination risk (model)", ["risk"]]);
  $("#layer-list").innerHTML = DATA_LAYERS.map(([id, label]) =>
    `<label class="check"><input type="checkbox" data-layer="${id}" checked> ${escapeHtml(label)}</label>`).join("");
  $("#filters").addEventListener("change", readFilters);
  $("#filters").addEventListener("input", (e) => { if (e.target.type === "range") readFilters(); });
  $("#filters-clear").addEventListener("click", clearFilters);
  $("#layer-list").addEventListener("change", (e) => {
    const id = e.target.dataset.layer;
    if (e.target.checked) hiddenLayers.delete(id); else hiddenLayers.add(id);
    applyFilters();
  });
  $("#map-search").addEventListener("submit", (e) => { e.preventDefault(); search($("#search-q").value); });
  $("#measure").addEventListener("click", () => toggleMeasure());
  $("#measure-clear").addEventListener("click", () => { state.measure = []; drawMeasure(); });
  $("#export-geojson").addEventListener("click", () => exportLayer($("#export-layer").value, "geojson"));
  $("#export-csv").addEventListener("click", () => exportLayer($("#export-layer").value, "csv"));
  $("#export-layer").addEventListener("change", gpkgLink);
  gpkgLink();
  $("#print").addEventListener("click", printLayout);
  map.addSource("search-hit", { type: "geojson", data: EMPTY });
  map.addLayer({ id: "search-hit", type: "line", source: "search-hit",
    paint: { "line-color": "#00e5ff", "line-width": 3 } });
  map.addLayer({ id: "search-point", type: "circle", source: "search-hit", filter: ["==", ["geometry-type"], "Point"],
    paint: { "circle-radius": 7, "circle-color": "rgba(0,0,0,0)", "circle-stroke-color": "#00e5ff", "circle-stroke-width": 3 } });
  map.addSource("measure", { type: "geojson", data: EMPTY });
  map.addLayer({ id: "measure-line", type: "line", source: "measure",
    paint: { "line-color": "#ff6f00", "line-width": 2, "line-dasharray": [2, 1] } });
  map.addLayer({ id: "measure-points", type: "circle", source: "measure", filter: ["==", ["geometry-type"], "Point"],
    paint: { "circle-radius": 4, "circle-color": "#ff6f00", "circle-stroke-color": "#fff", "circle-stroke-width": 1 } });
  state.toolsReady = true;
  toolsReady();
}

// The map's tools, once ready: a link to the map's search (#map/ADM-000002) waits for them.
let toolsReady;
const mapTools = new Promise((ok) => (toolsReady = ok));

async function searchLink(text) {
  await mapTools;
  $("#search-q").value = text;
  search(text);
}

async function refreshOrganisations() {
  if (!session) return;
  const orgs = await api("GET", "/api/organisations?workflow=approved").then((r) => r.records, () => []);
  const chosen = $("#f-org").value;
  $("#f-org").innerHTML = `<option value="">any</option>` + orgs.map((o) =>
    `<option value="${escapeHtml(o.id)}">${escapeHtml(o.name || o.id)}</option>`).join("");
  $("#f-org").value = orgs.some((o) => o.id === chosen) ? chosen : "";
}

// The first and last year of the approved accidents and items: the years the figures
// count them by (GET /api/stats, "by_year"); else read from the features themselves.
async function dataYears() {
  let lo = Infinity, hi = -Infinity;
  const take = (y) => { y = parseInt(String(y ?? ""), 10); if (y) { lo = Math.min(lo, y); hi = Math.max(hi, y); } };
  const stats = await api("GET", "/api/stats").catch(() => null);
  for (const part of ["accidents", "items"]) Object.keys(stats?.[part]?.by_year || {}).forEach(take);
  if (!(lo <= hi))
    for (const [layer, field] of Object.entries(DATE_FIELD))
      for (const f of await allItems(layer, new URLSearchParams(), 20000)) take(f.properties[field]);
  const now = new Date().getUTCFullYear();
  return lo <= hi ? [lo, hi] : [now - 10, now];
}

// Every feature of a collection the parameters keep, page after page (up to `most`).
async function allItems(collection, params, most = 100000) {
  const features = [];
  params.set("limit", "10000");
  let url = `/collections/${collection}/items?${params}`;
  while (url && features.length < most) {
    const page = await api("GET", url);
    features.push(...page.features);
    const next = (page.links || []).find((l) => l.rel === "next");
    url = next && page.features.length ? next.href : null;
  }
  return features;
}

function showYears() {
  $("#years-shown").textContent = `${filters.yearFrom} to ${filters.yearTo}`;
}

function readFilters() {
  const checked = (name) => [...document.querySelectorAll(`#filters input[name=${name}]:checked`)].map((i) => i.value);
  filters.status = checked("status");
  filters.type = checked("type");
  filters.org = $("#f-org").value;
  filters.from = $("#f-from").value;
  filters.to = $("#f-to").value;
  let a = Number($("#year-from").value), b = Number($("#year-to").value);
  if (a > b) [a, b] = [b, a];
  filters.yearFrom = a;
  filters.yearTo = b;
  showYears();
  applyFilters();
}

function clearFilters() {
  for (const i of document.querySelectorAll("#filters input[type=checkbox]")) i.checked = false;
  $("#f-org").value = "";
  $("#f-from").value = $("#f-to").value = "";
  $("#year-from").value = filters.yearMin;
  $("#year-to").value = filters.yearMax;
  readFilters();
}

// The conditions of the filters on a layer's tile features, as MapLibre expressions.
// A date is compared as text: "2012-05-14", "2012-05" and "2012" all sort after "2012".
function layerConditions(layer) {
  const c = [];
  if (layer === "hazards") {
    if (filters.status.length) c.push(["in", ["get", "status"], ["literal", filters.status]]);
    if (filters.type.length) c.push(["in", ["get", "type"], ["literal", filters.type]]);
    if (filters.org) c.push(["==", ["get", "organisation_id"], filters.org]);
  }
  const field = DATE_FIELD[layer];
  if (field) {
    const date = ["to-string", ["get", field]];
    const { from, to } = period();
    // A date kept as a year or a month overlaps a period starting within it.
    if (from) c.push(["any", [">=", date, from], ["in", date, ["literal", [from.slice(0, 4), from.slice(0, 7)]]]]);
    if (to) c.push(["<", date, to]);
  }
  return c;
}

// The period the filters keep for dated layers: from (inclusive) and to (exclusive),
// as text, joining the dates from/to and the years of the slider.
function period() {
  let from = filters.from, to = filters.to ? nextDay(filters.to) : "";
  if (filters.yearFrom !== null && filters.yearFrom > filters.yearMin) {
    const y = String(filters.yearFrom);
    if (!from || y > from) from = y;
  }
  if (filters.yearTo !== null && filters.yearTo < filters.yearMax) {
    const y = String(filters.yearTo + 1);
    if (!to || y < to) to = y;
  }
  return { from, to };
}

function nextDay(date) {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

const filtersOn = () => ["hazards", "accidents", "items"].some((l) => layerConditions(l).length);

// The filters and the layer switcher, on the map's layers: a filtered layer's clusters
// are hidden (a cluster's count cannot be filtered).
function applyFilters() {
  const map = state.map;
  for (const layer of ["hazards", "accidents", "items"]) {
    const c = layerConditions(layer);
    map.setFilter(layer, c.length ? ["all", baseFilters[layer], ...c] : baseFilters[layer]);
  }
  for (const [id, , drawn] of DATA_LAYERS) {
    for (const layer of drawn) {
      if (!map.getLayer(layer)) continue;
      const cluster = /-cluster/.test(layer);
      const filtered = cluster && layerConditions(id).length > 0;
      map.setLayoutProperty(layer, "visibility", hiddenLayers.has(id) || filtered ? "none" : "visible");
    }
  }
  gpkgLink();
  const on = filtersOn();
  $("#filter-badge").hidden = !on;
  $("#filter-note").hidden = !on;
  if (state.results) showResults(state.results);
}

// Whether a hazard's properties pass the filters (for the lists shown).
function hazardPasses(p) {
  return (!filters.status.length || filters.status.includes(p.status)) &&
    (!filters.type.length || filters.type.includes(p.type)) &&
    (!filters.org || p.organisation_id === filters.org);
}

// The OGC API parameters of the filters, for a collection.
function filterParams(layer) {
  const params = new URLSearchParams();
  if (layer === "hazards") {
    if (filters.status.length) params.set("status", filters.status.join(","));
    if (filters.type.length) params.set("type", filters.type.join(","));
    if (filters.org) params.set("organisation_id", filters.org);
  }
  if (DATE_FIELD[layer]) {
    const { from, to } = period();
    if (from || to) {
      const end = to ? (to.length === 4 ? `${Number(to) - 1}-12-31` : lastDayBefore(to)) : "..";
      params.set("datetime", `${from ? (from.length === 4 ? `${from}-01-01` : from) : ".."}/${end}`);
    }
  }
  return params;
}

function lastDayBefore(date) {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

// ---- Search ----

// Coordinates typed as decimal degrees ("-23.5, 134.2", "134.2 -23.5") or degrees,
// minutes and seconds ("23°30'S 134°12'E"): {lon, lat}, or null. Two plain numbers are
// latitude then longitude, unless one cannot be a latitude (beyond ±90) or only the
// other order falls within the data's bounds.
function parseCoordinates(text) {
  const t = text.trim().replace(/[′’]/g, "'").replace(/[″”]|''/g, '"');
  const dms = /(\d+(?:[.,]\d+)?)\s*[°d]\s*(?:(\d+(?:[.,]\d+)?)\s*'\s*)?(?:(\d+(?:[.,]\d+)?)\s*"\s*)?([NSEWnsew])/g;
  const parts = [...t.matchAll(dms)];
  if (parts.length === 2) {
    const out = {};
    for (const [, d, m, s, h] of parts) {
      const num = (x) => Number(String(x || 0).replace(",", "."));
      let v = num(d) + num(m) / 60 + num(s) / 3600;
      if (/[SWsw]/.test(h)) v = -v;
      out[/[NSns]/.test(h) ? "lat" : "lon"] = v;
    }
    if ("lat" in out && "lon" in out && Math.abs(out.lat) <= 90 && Math.abs(out.lon) <= 180) return out;
    return null;
  }
  const m = t.match(/^([-+]?\d+(?:\.\d+)?)\s*[,;\s]\s*([-+]?\d+(?:\.\d+)?)$/);
  if (!m) return null;
  const a = Number(m[1]), b = Number(m[2]);
  const ok = (lat, lon) => Math.abs(lat) <= 90 && Math.abs(lon) <= 180;
  const latLon = ok(a, b), lonLat = ok(b, a);
  if (latLon && lonLat) {
    const inData = ([lat, lon]) => {
      const bb = state.dataBounds;
      return bb && lon >= bb[0] && lon <= bb[2] && lat >= bb[1] && lat <= bb[3];
    };
    if (!inData([a, b]) && inData([b, a])) return { lon: a, lat: b };
    return { lat: a, lon: b };
  }
  if (latLon) return { lat: a, lon: b };
  if (lonLat) return { lon: a, lat: b };
  return null;
}

// The hazards and administrative areas searched by name: read once (approved records,
// from the OGC API), then matched in the browser.
let searchIndex = null;
function loadSearchIndex() {
  searchIndex ||= Promise.all([
    allItems("hazards", new URLSearchParams(), 20000),
    allItems("admin-areas", new URLSearchParams(), 20000),
  ]).catch((err) => { searchIndex = null; throw err; });
  return searchIndex;
}

const ID_COLLECTIONS = ["hazards", "accidents", "items", "releases", "records", "record-mines", "admin-areas", "settlements"];

async function search(text) {
  const q = text.trim();
  const results = [];
  if (!q) {
    state.results = null;
    $("#search-results").hidden = true;
    return [];
  }
  const c = parseCoordinates(q);
  if (c) results.push({ kind: "place", label: `${c.lat.toFixed(5)}, ${c.lon.toFixed(5)} (latitude, longitude)`,
    geometry: { type: "Point", coordinates: [c.lon, c.lat] } });
  else {
    // An id: asked of every collection that could hold it.
    if (/^[A-Za-z]{1,5}-[\w.-]+$/.test(q)) {
      const found = await Promise.all(ID_COLLECTIONS.map((col) =>
        api("GET", `/collections/${col}/items/${encodeURIComponent(q.toUpperCase())}`)
          .then((f) => ({ col, f }), () => null)));
      for (const hit of found.filter(Boolean))
        results.push({ kind: hit.col, feature: hit.f, label: `${hit.f.id ?? hit.f.properties.id} ${hit.f.properties.name || ""}`.trim(),
          geometry: hit.f.geometry });
    }
    const [hazards, areas] = await loadSearchIndex();
    const needle = q.toLowerCase();
    const has = (f) => String(f.properties.name || "").toLowerCase().includes(needle) ||
      String(f.id ?? f.properties.id ?? "").toLowerCase() === needle;
    // Those the id already found are not listed twice.
    const listed = (f) => results.some((r) => r.feature && (r.feature.id ?? r.feature.properties.id) === (f.id ?? f.properties.id));
    for (const f of hazards.filter(has))
      if (!listed(f))
        results.push({ kind: "hazards", feature: f, label: `${f.id ?? f.properties.id} ${f.properties.name || ""}`.trim(), geometry: f.geometry });
    for (const f of areas.filter(has))
      if (!listed(f)) results.push({ kind: "admin-areas", feature: f, label: f.properties.name, geometry: f.geometry });
  }
  showResults(results);
  const shown = visibleResults(results);
  if (shown.length === 1) goTo(shown[0]);
  return shown;
}

// The results the filters keep: a hazard must pass them.
const visibleResults = (results) =>
  results.filter((r) => r.kind !== "hazards" || hazardPasses(r.feature.properties));

const KIND_LABEL = { place: "coordinates", hazards: "hazard", "admin-areas": "administrative area",
  accidents: "accident", items: "item", releases: "land released", records: "minefield record",
  "record-mines": "recorded mine", settlements: "settlement" };

function showResults(results) {
  state.results = results;
  const shown = visibleResults(results);
  const list = $("#search-results");
  const hiddenCount = results.length - shown.length;
  list.innerHTML = shown.slice(0, 50).map((r, i) =>
    `<li><button type="button" data-i="${i}"><span class="kind">${escapeHtml(KIND_LABEL[r.kind] || r.kind)}</span> ${escapeHtml(r.label)}</button></li>`).join("") +
    (shown.length ? "" : `<li class="hint">Nothing found.</li>`) +
    (hiddenCount ? `<li class="hint">${hiddenCount} more left out by the filters.</li>` : "");
  list.hidden = false;
  for (const b of list.querySelectorAll("button")) b.addEventListener("click", () => goTo(shown[Number(b.dataset.i)]));
}

// Flies to a result: outlines it and, for a feature, opens its details.
function goTo(result) {
  const map = state.map;
  state.found = result;
  map.getSource("search-hit").setData(result.geometry ? { type: "Feature", geometry: result.geometry, properties: {} } : EMPTY);
  if (!result.geometry) return;
  const b = bounds(result.geometry);
  const [[w, s], [e, n]] = b;
  const target = w === e && s === n ? { center: [w, s], zoom: Math.max(map.getZoom(), 14) }
    : map.cameraForBounds(b, { padding: 60, maxZoom: 17 });
  map.flyTo({ ...target, duration: 800 });
  state.popup?.remove();
  if (result.feature) {
    map.once("moveend", () => openPopup(map, [(w + e) / 2, (s + n) / 2],
      { layer: { id: result.kind }, properties: { id: result.feature.id ?? result.feature.properties.id, ...result.feature.properties } }));
  }
}

// ---- Measure ----

function toggleMeasure(on = !state.measuring) {
  state.measuring = on;
  state.measure ||= [];
  $("#measure").classList.toggle("active", on);
  $("#measure").textContent = on ? "Stop measuring" : "Measure";
  state.map.getCanvas().style.cursor = on ? "crosshair" : "";
  drawMeasure();
}

function addMeasurePoint(lngLat) {
  state.measure.push([lngLat.lng, lngLat.lat]);
  drawMeasure();
}

// Great-circle distance in metres (haversine on a sphere of the mean radius).
function haversine([lon1, lat1], [lon2, lat2]) {
  const R = 6371008.8, rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad, dLon = (lon2 - lon1) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(h)));
}

const formatDistance = (m) => (m < 1000 ? `${m.toFixed(m < 10 ? 1 : 0)} m` : `${(m / 1000).toFixed(m < 10000 ? 2 : 1)} km`);

function drawMeasure() {
  const pts = state.measure || [];
  let total = 0;
  for (let i = 1; i < pts.length; i++) total += haversine(pts[i - 1], pts[i]);
  state.measured = total;
  const features = pts.map((c) => ({ type: "Feature", geometry: { type: "Point", coordinates: c }, properties: {} }));
  if (pts.length > 1) features.push({ type: "Feature", geometry: { type: "LineString", coordinates: pts }, properties: {} });
  state.map.getSource("measure")?.setData({ type: "FeatureCollection", features });
  $("#measure-out").textContent = pts.length > 1 ? formatDistance(total)
    : state.measuring ? "click points on the map" : "";
}

// ---- Export ----

// The features of a layer the filters keep, from the OGC API, as a file downloaded.
async function exportLayer(layer, format) {
  try {
    const features = await allItems(layer, filterParams(layer));
    const name = `minemap-${layer}-${new Date().toISOString().slice(0, 10)}`;
    const [text, type] = format === "csv"
      ? [toCsv(features), "text/csv"]
      : [JSON.stringify({ type: "FeatureCollection", features }), "application/geo+json"];
    const a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([text], { type }));
    a.download = `${name}.${format}`;
    state.exported = { layer, format, count: features.length, text, file: a.download };
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
    say(`${features.length} ${layer} exported.`);
  } catch (err) {
    say(`Export failed: ${err.message}`, true);
  }
}

// The GeoPackage of a layer's features that the filters keep, made by the server (the
// OGC API's f=gpkg): a plain link, kept up to date with the layer and the filters.
function gpkgLink() {
  const layer = $("#export-layer").value, params = filterParams(layer);
  params.set("f", "gpkg");
  const a = $("#export-gpkg");
  a.href = `/collections/${encodeURIComponent(layer)}/items?${params}`;
  a.download = `minemap-${layer}.gpkg`;
}

// CSV: id, every property (objects as JSON), and the geometry as WKT.
function toCsv(features) {
  const keys = [];
  for (const f of features) for (const k of Object.keys(f.properties || {})) if (!keys.includes(k) && k !== "id") keys.push(k);
  const rows = [["id", ...keys, "wkt"].join(",")];
  for (const f of features)
    rows.push([f.id ?? f.properties.id, ...keys.map((k) => f.properties[k]), wkt(f.geometry)].map(csvCell).join(","));
  return rows.join("\r\n") + "\r\n";
}

function csvCell(v) {
  const s = v === null || v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function wkt(g) {
  if (!g) return "";
  const pt = (c) => `${c[0]} ${c[1]}`;
  const ring = (r) => `(${r.map(pt).join(", ")})`;
  const poly = (p) => `(${p.map(ring).join(", ")})`;
  switch (g.type) {
    case "Point": return `POINT (${pt(g.coordinates)})`;
    case "LineString": return `LINESTRING ${ring(g.coordinates)}`;
    case "Polygon": return `POLYGON ${poly(g.coordinates)}`;
    case "MultiPoint": return `MULTIPOINT (${g.coordinates.map((c) => `(${pt(c)})`).join(", ")})`;
    case "MultiLineString": return `MULTILINESTRING (${g.coordinates.map(ring).join(", ")})`;
    case "MultiPolygon": return `MULTIPOLYGON (${g.coordinates.map(poly).join(", ")})`;
    default: return "";
  }
}

// ---- Print ----

// The print layout: a title, the date, the filters, the legend, the scale and a north
// arrow over the map; then the browser's print dialogue ("Save as PDF").
async function printLayout() {
  const map = state.map;
  const shown = DATA_LAYERS.filter(([id]) => !hiddenLayers.has(id)).map(([, label]) => label);
  const notes = [];
  const words = (name, codes) => codes.map((c) => codeLabel("hazards", name, c)).join(", ");
  if (filters.status.length) notes.push(`status ${words("status", filters.status)}`);
  if (filters.type.length) notes.push(`type ${words("type", filters.type)}`);
  if (filters.org) notes.push(`organisation ${$("#f-org").selectedOptions[0]?.textContent || filters.org}`);
  const { from, to } = period();
  if (from || to) notes.push(`accidents and items ${from || "…"} to ${to ? lastDayBefore(to.length === 4 ? `${to}-01-01` : to) : "…"}`);
  $("#print-meta").textContent = `Printed ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC. ` +
    `Layers: ${shown.join(", ")}.` + (notes.length ? ` Filters: ${notes.join("; ")}.` : " No filters.");
  document.body.classList.add("printing");
  $("#print-head").hidden = false;
  map.resize();
  await new Promise((ok) => { map.once("idle", ok); map.triggerRepaint(); });
  const done = () => {
    state.printing = false;
    document.body.classList.remove("printing");
    $("#print-head").hidden = true;
    map.resize();
  };
  window.addEventListener("afterprint", done, { once: true });
  state.printing = true;
  window.print();
}

// ---- Geometry helpers ----

const EMPTY = { type: "FeatureCollection", features: [] };

function bounds(geometry) {
  let w = Infinity, s = Infinity, e = -Infinity, n = -Infinity;
  const walk = (c) => {
    if (typeof c[0] === "number") {
      w = Math.min(w, c[0]); e = Math.max(e, c[0]); s = Math.min(s, c[1]); n = Math.max(n, c[1]);
    } else c.forEach(walk);
  };
  walk(geometry.coordinates);
  return w <= e ? [[w, s], [e, n]] : null;
}

function fitTo(map, geometry) {
  const b = geometry && bounds(geometry);
  if (b) map.fitBounds(b, { padding: 30, duration: 0, maxZoom: 17 });
}

// Area in square metres of a polygon ring on the sphere (for display only: the
// server computes the geodesic area it keeps).
function ringArea(ring) {
  const R = 6378137, rad = Math.PI / 180;
  let a = 0;
  for (let i = 0; i + 1 < ring.length; i++) {
    const [x1, y1] = ring[i], [x2, y2] = ring[i + 1];
    a += (x2 - x1) * rad * (2 + Math.sin(y1 * rad) + Math.sin(y2 * rad));
  }
  return Math.abs((a * R * R) / 2);
}

function areaM2(geometry) {
  const polys = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
  return polys.reduce((sum, rings) =>
    sum + ringArea(rings[0]) - rings.slice(1).reduce((h, r) => h + ringArea(r), 0), 0);
}

const hectares = (m2) => (m2 == null ? "" : (m2 / 10000).toFixed(2));

// A polygon pasted as GeoJSON (a geometry, a Feature or the first feature of a
// collection) or as WKT (POLYGON, MULTIPOLYGON), as a GeoJSON MultiPolygon.
function parsePolygon(text) {
  text = text.trim();
  let g;
  if (text.startsWith("{")) {
    g = JSON.parse(text);
    if (g.type === "FeatureCollection") g = g.features[0] && g.features[0].geometry;
    if (g && g.type === "Feature") g = g.geometry;
  } else {
    const m = /^(MULTI)?POLYGON\s*(?:Z\s*)?\((.*)\)$/is.exec(text);
    if (!m) throw new Error("GeoJSON, POLYGON((...)) or MULTIPOLYGON(((...))) expected");
    const parts = m[1] ? m[2].split(/\)\s*\)\s*,\s*\(\s*\(/) : [m[2]];
    const coordinates = parts.map((p) => p.replace(/^[\s(]+|[\s)]+$/g, "").split(/\)\s*,\s*\(/)
      .map((ring) => ring.split(",").map((xy) => xy.trim().split(/\s+/).slice(0, 2).map(Number))));
    g = { type: "MultiPolygon", coordinates };
  }
  if (!g || !["Polygon", "MultiPolygon"].includes(g.type)) throw new Error("a polygon expected");
  if (g.type === "Polygon") g = { type: "MultiPolygon", coordinates: [g.coordinates] };
  const ok = g.coordinates.every((p) => p.every((r) => r.length >= 4 &&
    r.every((c) => Number.isFinite(c[0]) && Number.isFinite(c[1]))));
  if (!ok) throw new Error("each ring needs 4 positions or more (closed), of two numbers each");
  return g;
}

// ---- The dashboard ----

const GROUP_COLOURS = { civilian: "#e41a1c", deminer: "#377eb8", military: "#4daf4a", police: "#984ea3", unknown: "#999" };
const TYPE_COLOURS = { CHA: "#d7301f", SHA: "#fc8d59" };
const OUTCOME_COLOURS = { cleared: "#1a9850", reduced: "#91cf60", cancelled: "#d9ef8b" };

// Charts drawn on white, so that their PNG is too.
const WHITE = { id: "white", beforeDraw: (c) => {
  const ctx = c.ctx;
  ctx.save();
  ctx.globalCompositeOperation = "destination-over";
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, c.width, c.height);
  ctx.restore();
} };

// A chart on the canvas #chart-{name}; `axis` names its labels in its CSV.
function chart(name, axis, config) {
  const c = new Chart(document.getElementById(`chart-${name}`), { ...config, plugins: [WHITE],
    options: { animation: false, responsive: true, aspectRatio: 2, ...config.options } });
  c.axis = axis;
  state.charts.push(c);
  state.chartsByName[name] = c;
  return c;
}
state.chartsByName = {};

// The dashboard's filters as the parameters of /api/dashboard (those given).
function dashboardParams() {
  const f = $("#dash-filters"), params = new URLSearchParams();
  for (const name of ["from", "to", "admin_area", "organisation"]) {
    const v = f.elements[name].value.trim();
    if (v) params.set(name, v);
  }
  return params;
}

// The administrative areas and organisations to choose from (signed in: the API asks
// it), names sorted; read once a session.
async function dashboardChoices() {
  const f = $("#dash-filters");
  const signedIn = !!session;
  f.admin_area.disabled = f.organisation.disabled = !signedIn;
  f.admin_area.title = f.organisation.title = signedIn ? "" : "Sign in to choose";
  if (!signedIn || state.dashChoicesOf === session.user) return;
  state.dashChoicesOf = session.user;
  const every = async (entity) => {
    const out = [];
    for (let offset = 0; ; offset += 1000) {
      const page = (await api("GET", `/api/${entity}?workflow=approved&limit=1000&offset=${offset}`)).records;
      out.push(...page);
      if (page.length < 1000) return out;
    }
  };
  try {
    const [areas, orgs] = await Promise.all([every("admin-areas"), every("organisations")]);
    for (const [sel, list] of [[f.admin_area, areas], [f.organisation, orgs]]) {
      const chosen = sel.value;
      sel.length = 1;
      for (const r of list.sort((a, b) => String(a.name || a.id).localeCompare(String(b.name || b.id))))
        sel.append(option(r.id, r.name || r.id));
      sel.value = list.some((r) => r.id === chosen) ? chosen : "";
    }
  } catch (err) {
    state.dashChoicesOf = undefined;
    say(err.message, true);
  }
}

async function loadDashboard() {
  const ticket = state.dashboardTicket = (state.dashboardTicket || 0) + 1;
  dashboardChoices();
  const params = dashboardParams();
  let d;
  try {
    [d] = await Promise.all([api("GET", `/api/dashboard${String(params) ? `?${params}` : ""}`), loadModel().catch(() => null)]);
  } catch (err) {
    if (ticket !== state.dashboardTicket) return;
    state.dashboardError = err.message;
    say(`The dashboard: ${err.message}`, true);
    return;
  }
  if (ticket !== state.dashboardTicket) return;
  state.dashboardError = null;
  if ($("#message").className === "error") say("");
  state.dashboard = d;
  const ha = (m2) => (m2 / 10000).toFixed(1);
  const fig = d.figures || {};
  $("#figures").innerHTML = [
    ["hazards_open", "hazardous areas open", fig.hazards_open],
    ["remaining_m2", "hectares left", ha(fig.remaining_m2 || 0)],
    ["accidents", "accidents", fig.accidents],
    ["killed", "killed", fig.killed],
    ["injured", "injured", fig.injured],
    ["items_found", "items found", fig.items_found],
    ["items_destroyed", "items destroyed", fig.items_destroyed],
  ].map(([key, label, v]) => `<div data-figure="${key}"><b>${escapeHtml(v ?? 0)}</b>${escapeHtml(label)}</div>`).join("");
  const shown = [...params].map(([k, v]) => k === "admin_area" || k === "organisation"
    ? $(`#dash-filters [name=${k}]`).selectedOptions[0]?.textContent || v : `${k} ${v}`);
  $("#dash-shown").textContent = shown.length ? `Shown: ${shown.join(", ")}.` : "Shown: everything.";

  for (const c of state.charts) c.destroy();
  state.charts = [];
  const byYear = (a, b) => (a === "unknown") - (b === "unknown") || a.localeCompare(b);
  const years = Object.keys(d.casualties || {}).sort(byYear);
  const datasets = [];
  for (const outcome of ["killed", "injured"])
    for (const group of Object.keys(GROUP_COLOURS)) {
      const data = years.map((y) => ((d.casualties[y] || {})[group] || {})[outcome] || 0);
      if (data.some((v) => v > 0))
        datasets.push({ label: `${codeLabel("victims", "group", group)}, ${codeLabel("victims", "outcome", outcome).toLowerCase()}`,
          data, stack: outcome, backgroundColor: GROUP_COLOURS[group] + (outcome === "killed" ? "" : "88") });
    }
  chart("casualties", "year", { type: "bar", data: { labels: years, datasets },
    options: { scales: { x: { stacked: true }, y: { stacked: true, ticks: { precision: 0 }, title: { display: true, text: "victims" } } } } });
  const apart = d.not_by_organisation || [];
  $("#casualties-note").hidden = !apart.length;
  $("#casualties-note").textContent = apart.length
    ? `The ${apart.join(" and ")} are counted for every organisation: an accident names none.` : "";

  // Quarters ("2021-Q1"), then releases dated by their year only ("2021") and undated ones.
  const quarters = Object.keys(d.released_m2 || {}).sort();
  chart("released", "quarter", { type: "bar",
    data: { labels: quarters,
      datasets: Object.keys(OUTCOME_COLOURS).map((o) => ({ label: codeLabel("releases", "outcome", o),
        backgroundColor: OUTCOME_COLOURS[o], data: quarters.map((q) => +ha((d.released_m2[q] || {})[o] || 0)) })) },
    options: { scales: { x: { stacked: true }, y: { stacked: true, title: { display: true, text: "ha" } } } } });

  const items = d.items_by_category || {};
  const cats = Object.keys(items).filter((c) => items[c].found > 0 || items[c].destroyed > 0);
  chart("items", "category", { type: "bar",
    data: { labels: cats.map((c) => codeLabel("items", "category", c)), datasets: [
      { label: "found", backgroundColor: "#2b83ba", data: cats.map((c) => items[c].found || 0) },
      { label: "destroyed", backgroundColor: "#d7301f", data: cats.map((c) => items[c].destroyed || 0) }] },
    options: { scales: { y: { ticks: { precision: 0 } } } } });

  const left = d.remaining_by_type_m2 || {};
  const types = Object.keys(left);
  chart("remaining", "type", { type: "doughnut",
    data: { labels: types.map((t) => codeLabel("hazards", "type", t)), datasets: [{ label: "hectares left",
      data: types.map((t) => +ha(left[t])), backgroundColor: types.map((t) => TYPE_COLOURS[t] || "#999") }] } });
  const statuses = Object.entries(d.hazards_by_status || {});
  $("#status-counts").textContent = statuses.length ? `Hazardous areas by status: ${statuses
    .map(([k, n]) => `${codeLabel("hazards", "status", k)} ${n}`).join(", ")}.` : "";
}

$("#dash-filters").addEventListener("submit", (e) => {
  e.preventDefault();
  loadDashboard();
});
$("#dash-clear").addEventListener("click", () => {
  $("#dash-filters").reset();
  loadDashboard();
});

// A chart's figures as CSV (its labels down, its datasets across) or its picture as
// PNG, downloaded; the last download is kept in state.lastDownload for the tests.
function download(name, type, href, extra) {
  const a = document.createElement("a");
  a.href = href;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  state.lastDownload = { name, type, ...extra };
}

function chartCsv(c) {
  const ds = c.data.datasets;
  const rows = [[c.axis, ...ds.map((d) => d.label)], ...c.data.labels.map((label, i) => [label, ...ds.map((d) => d.data[i])])];
  return rows.map((r) => r.map(csvCell).join(",")).join("\r\n") + "\r\n";
}

for (const b of document.querySelectorAll(".charts [data-export]"))
  b.addEventListener("click", () => {
    const name = b.closest("figure").dataset.chart, c = state.chartsByName[name];
    if (!c) return;
    const file = `minemap-${name}-${new Date().toISOString().slice(0, 10)}`;
    if (b.dataset.export === "csv") {
      const text = chartCsv(c);
      const url = URL.createObjectURL(new Blob([text], { type: "text/csv" }));
      download(`${file}.csv`, "text/csv", url, { text });
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } else {
      const png = c.toBase64Image("image/png");
      download(`${file}.png`, "image/png", png, { size: png.length, head: png.slice(0, 22) });
    }
  });

// ---- Reporting an accident ----

function addVictimRow() {
  const row = $("#victim-row").content.firstElementChild.cloneNode(true);
  row.querySelector(".remove").addEventListener("click", () => row.remove());
  $("#victims").append(row);
}
$("#add-victim").addEventListener("click", addVictimRow);
$("#picked").addEventListener("click", () => {
  state.picking = true;
  say("Click the place of the accident on the map.");
  show("map");
});
$("#picked").style.cursor = "pointer";
$("#picked").title = "pick on the map";

$("#accident-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const f = e.target;
  const body = {
    date: f.date.value,
    type: f.type.value,
    geometry: { type: "Point", coordinates: [Number(f.lon.value), Number(f.lat.value)] },
    victims: [...document.querySelectorAll("#victims .victim")].map((row) => {
      const v = { outcome: row.querySelector("[name=outcome]").value,
        group: row.querySelector("[name=group]").value,
        sex: row.querySelector("[name=sex]").value };
      const age = row.querySelector("[name=age]").value;
      if (age !== "") v.age = Number(age);
      return v;
    }),
  };
  if (f.device_category.value) body.device_category = f.device_category.value;
  if (f.description.value.trim()) body.description = f.description.value.trim();
  try {
    const made = await api("POST", "/api/accidents", body);
    await api("POST", `/api/accidents/${made.id}/submit`, {});
    say(`${made.id} filed with ${body.victims.length} victim(s) and submitted for approval.`);
    f.reset();
    clearProblem(f);
    $("#victims").innerHTML = "";
    $("#picked").textContent = "none picked";
  } catch (err) {
    formProblem(f, err);
  }
});

// ---- Errors in forms ----

// Where the server's problem names a field ("releases[1]: outcome: ..."), that field
// is marked; the detail is shown above the form's button.
const LISTS = { victims: "#victims .victim", releases: "#releases .release", items: "#items .item" };

function clearProblem(form) {
  for (const el of form.querySelectorAll(".invalid")) el.classList.remove("invalid");
  const p = form.querySelector(".form-error");
  if (p) p.hidden = true;
}

function formProblem(form, err) {
  clearProblem(form);
  say(`Not filed: ${err.message}`, true);
  const p = form.querySelector(".form-error");
  if (p) {
    p.textContent = `Not filed: ${err.message}`;
    p.hidden = false;
  }
  let scope = form;
  for (const token of err.message.split(/:\s+/)) {
    const list = /^(\w+)\[(\d+)\]$/.exec(token);
    if (list && LISTS[list[1]]) {
      scope = form.querySelectorAll(LISTS[list[1]])[Number(list[2])] || form;
      if (scope !== form) scope.classList.add("invalid");
      continue;
    }
    if (!/^\w+$/.test(token)) continue;
    const field = scope.querySelector(`[name="${token}"]`);
    if (field) {
      field.classList.add("invalid");
      break;
    }
  }
}

// ---- The report forms: which one, and their maps ----

let formsLoaded = null;

function selectForm(name) {
  for (const b of document.querySelectorAll(".tabs button"))
    b.classList.toggle("active", b.dataset.form === name);
  for (const panel of document.querySelectorAll(".form-panel"))
    panel.hidden = panel.id !== `form-${name}`;
  state.form = name;
  if (name === "activity") formMap("activity", "activity-map", drawClick);
  if (name === "items") formMap("items", "items-map", itemsClick);
  const m = state.formMaps[name];
  if (m) m.resize();
}
for (const b of document.querySelectorAll(".tabs button"))
  b.addEventListener("click", () => {
    say("");
    selectForm(b.dataset.form);
  });

// A form's map: the store's tiles, the chosen hazard outlined, and what is being drawn.
function formMap(name, container, onClick) {
  if (state.formMaps[name]) return state.formMaps[name];
  const map = newMap(container);
  map.doubleClickZoom.disable();
  state.formMaps[name] = map;
  map.ready.then(() => {
    addOverlay(map);
    map.on("click", (e) => onClick(map, e, name));
    map.getCanvas().style.cursor = "crosshair";
    const form = { activity: "#activity-form", items: "#items-form" }[name];
    const hz = form && $(form).hazard_id.value;
    if (hz) focusHazard(map, hz);
    if (drawings[name]) renderDrawing(name);
    if (name === "items") renderItems();
  });
  return map;
}

// Layers of GeoJSON over the tiles: the hazard in focus, land released (by outcome),
// items, accidents, and the polygon being drawn with its corners.
function addOverlay(map) {
  map.addSource("focus", { type: "geojson", data: EMPTY });
  map.addSource("draw", { type: "geojson", data: EMPTY });
  map.addLayer({ id: "focus-hazard", type: "line", source: "focus",
    filter: ["==", ["get", "kind"], "hazard"], paint: { "line-color": "#7f0000", "line-width": 2.5 } });
  map.addLayer({ id: "focus-releases", type: "fill", source: "focus",
    filter: ["==", ["get", "kind"], "release"],
    paint: { "fill-color": ["match", ["get", "outcome"], "cleared", "#1a9850", "reduced", "#91cf60",
      "cancelled", "#d9ef8b", "#cccccc"], "fill-opacity": 0.6, "fill-outline-color": "#1b5e20" } });
  map.addLayer({ id: "focus-items", type: "circle", source: "focus",
    filter: ["==", ["get", "kind"], "item"],
    paint: { "circle-radius": 4, "circle-color": "#2b83ba", "circle-stroke-color": "#fff", "circle-stroke-width": 1 } });
  map.addLayer({ id: "focus-accidents", type: "circle", source: "focus",
    filter: ["==", ["get", "kind"], "accident"],
    paint: { "circle-radius": 6, "circle-color": ACCIDENT_COLOUR, "circle-stroke-color": "#fff", "circle-stroke-width": 1.5 } });
  map.addLayer({ id: "draw-fill", type: "fill", source: "draw", filter: ["match", ["get", "kind"], ["release", "shape"], true, false],
    paint: { "fill-color": ["match", ["get", "outcome"], "cleared", "#1a9850", "reduced", "#91cf60",
      "cancelled", "#d9ef8b", "#ffb300"], "fill-opacity": 0.55 } });
  map.addLayer({ id: "draw-line", type: "line", source: "draw",
    filter: ["match", ["get", "kind"], ["release", "shape", "line"], true, false],
    paint: { "line-color": "#e65100", "line-width": 2, "line-dasharray": [2, 1] } });
  map.addLayer({ id: "draw-points", type: "circle", source: "draw",
    filter: ["match", ["get", "kind"], ["vertex", "item"], true, false],
    paint: { "circle-radius": ["case", ["==", ["get", "kind"], "item"], 6, 4],
      "circle-color": ["case", ["==", ["get", "kind"], "item"], "#0d47a1", "#e65100"],
      "circle-stroke-color": "#fff", "circle-stroke-width": 1.5 } });
}

const ACCIDENT_COLOUR = "#c51b7d"; // an accident on a hazard's map, apart from the tiles' black

function hazardById(id) {
  return (state.hazards || []).find((h) => h.id === id);
}

function focusHazard(map, id) {
  const h = hazardById(id);
  if (!map || !map.getSource("focus")) return;
  map.getSource("focus").setData(h && h.geometry
    ? { type: "FeatureCollection", features: [{ type: "Feature", properties: { kind: "hazard" }, geometry: h.geometry }] }
    : EMPTY);
  if (h) fitTo(map, h.geometry);
}

const option = (value, text) => {
  const o = document.createElement("option");
  o.value = value;
  o.textContent = text;
  return o;
};

// The hazards and organisations the forms choose from (every workflow but rejected).
async function openForms() {
  formsLoaded ||= Promise.all([api("GET", "/api/hazards"), api("GET", "/api/organisations")])
    .then(([hz, orgs]) => {
      state.hazards = hz.records.filter((h) => h.workflow !== "rejected");
      for (const sel of [$("#activity-form").hazard_id, $("#items-form").hazard_id])
        for (const h of state.hazards)
          sel.append(option(h.id, `${h.id} ${h.name}${h.workflow === "approved" ? "" : ` (${h.workflow})`}`));
      for (const o of orgs.records) $("#activity-form").organisation_id.append(option(o.id, o.name));
    })
    .catch((err) => {
      formsLoaded = null;
      say(err.message, true);
    });
  await formsLoaded;
  if (state.pendingHazard) {
    const id = state.pendingHazard;
    state.pendingHazard = null;
    selectForm(state.pendingForm || "activity");
    const f = state.form === "items" ? $("#items-form") : $("#activity-form");
    f.hazard_id.value = id;
    f.hazard_id.dispatchEvent(new Event("change"));
  } else {
    selectForm(state.form || "accident");
  }
}

// ---- Reporting an activity with the land it released ----

const DEFAULT_OUTCOME = { NTS: "cancelled", TS: "reduced" };

// Polygons drawn on a form's map by clicking their corners (the land released of an
// activity, the polygon of a report being edited): the corners of the one being drawn,
// where their count is written, the shapes already made (drawn with it) and what a
// finished polygon becomes.
const drawings = {
  activity: { points: [], status: "#draw-status", shapes: releaseShapes, finish: addReleaseRow },
  edit: { points: [], status: "#edit-draw-status", shapes: editShapes, finish: setEditGeometry },
};

function drawClick(map, e, name) {
  drawings[name].points.push([+e.lngLat.lng.toFixed(7), +e.lngLat.lat.toFixed(7)]);
  renderDrawing(name);
}

function releaseRows() {
  return [...document.querySelectorAll("#releases .release")];
}

function renderDrawing(name = "activity") {
  const d = drawings[name], n = d.points.length;
  $(d.status).textContent = `${n} point${n === 1 ? "" : "s"}${n >= 3 ? ": Finish polygon closes it" : ""}`;
  const map = state.formMaps[name];
  if (!map || !map.getSource("draw")) return;
  const features = d.shapes();
  if (n >= 2)
    features.push({ type: "Feature", properties: { kind: "line" }, geometry: { type: "LineString",
      coordinates: n >= 3 ? [...d.points, d.points[0]] : d.points } });
  for (const c of d.points)
    features.push({ type: "Feature", properties: { kind: "vertex" }, geometry: { type: "Point", coordinates: c } });
  map.getSource("draw").setData({ type: "FeatureCollection", features });
}

// The buttons of a drawing: Finish polygon, Undo last point, Clear drawing.
function drawButtons(name, prefix) {
  const d = drawings[name];
  $(`#${prefix}-finish`).addEventListener("click", () => {
    if (d.points.length < 3) {
      say("A polygon needs three corners or more: click them on the map.", true);
      return;
    }
    const ring = [...d.points, d.points[0]];
    d.points = [];
    d.finish({ type: "MultiPolygon", coordinates: [[ring]] });
    renderDrawing(name);
    say("");
  });
  $(`#${prefix}-undo`).addEventListener("click", () => {
    d.points.pop();
    renderDrawing(name);
  });
  $(`#${prefix}-clear`).addEventListener("click", () => {
    d.points = [];
    renderDrawing(name);
  });
}

function releaseShapes() {
  return releaseRows().map((row) => ({ type: "Feature",
    properties: { kind: "release", outcome: row.querySelector("[name=outcome]").value }, geometry: row.geometry }));
}

function addReleaseRow(geometry) {
  const row = $("#release-row").content.firstElementChild.cloneNode(true);
  row.geometry = geometry;
  const type = $("#activity-form").type.value;
  row.querySelector("[name=outcome]").value = DEFAULT_OUTCOME[type] || "cleared";
  row.querySelector("[name=date]").value = $("#activity-form").end.value;
  row.querySelector("[name=outcome]").addEventListener("change", () => renderDrawing());
  row.querySelector(".remove").addEventListener("click", () => {
    row.remove();
    labelReleases();
    renderDrawing();
  });
  $("#releases").append(row);
  labelReleases();
  renderDrawing();
}

function labelReleases() {
  releaseRows().forEach((row, i) => {
    const g = row.geometry;
    const polys = g.type === "MultiPolygon" ? g.coordinates.length : 1;
    row.querySelector(".label").textContent =
      `Land ${i + 1}: ${hectares(areaM2(g))} ha${polys > 1 ? `, ${polys} parts` : ""}`;
  });
}

drawButtons("activity", "draw");
$("#paste-add").addEventListener("click", () => {
  try {
    const g = parsePolygon($("#paste-polygon").value);
    addReleaseRow(g);
    $("#paste-polygon").value = "";
    const map = state.formMaps.activity;
    if (map) fitTo(map, g);
    say("");
  } catch (err) {
    say(`The pasted polygon: ${err.message}`, true);
  }
});
$("#activity-form").hazard_id.addEventListener("change", (e) =>
  focusHazard(state.formMaps.activity, e.target.value));

function fieldsOf(form, names) {
  const out = {};
  for (const name of names) {
    const el = form.elements[name];
    const v = el.value.trim();
    if (v === "") continue;
    out[name] = el.type === "number" ? Number(v) : v;
  }
  return out;
}

$("#activity-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const f = e.target;
  clearProblem(f);
  const drawn = drawings.activity.points.length;
  if (drawn >= 3 && !confirm("Finish the polygon being drawn and file it too?")) return;
  if (drawn >= 3) $("#draw-finish").click();
  const body = fieldsOf(f, ["hazard_id", "type", "status", "organisation_id", "method", "asset",
    "start", "end", "depth_cm", "deminer_days"]);
  body.releases = releaseRows().map((row) => {
    const r = { outcome: row.querySelector("[name=outcome]").value, geometry: row.geometry };
    const date = row.querySelector("[name=date]").value;
    if (date) r.date = date;
    return r;
  });
  try {
    if (!body.hazard_id) throw Object.assign(new Error("hazard_id: choose the hazardous area"), { status: 400 });
    const made = await api("POST", "/api/activities", body);
    await api("POST", `/api/activities/${made.id}/submit`, {});
    const lr = made.releases || [];
    say(`${made.id} filed with ${lr.length} piece(s) of land released${lr.length ? ` (${lr.join(", ")})` : ""} and submitted for approval.`);
    const hazard = f.hazard_id.value;
    f.reset();
    f.hazard_id.value = hazard; // the next report is likely for the same hazard
    $("#releases").innerHTML = "";
    drawings.activity.points = [];
    renderDrawing();
  } catch (err) {
    formProblem(f, err);
  }
});

// ---- Reporting items found ----

function itemRows() {
  return [...document.querySelectorAll("#items .item")];
}

function addItemRow(at) {
  const row = $("#item-row").content.firstElementChild.cloneNode(true);
  if (at) {
    row.querySelector("[name=lon]").value = at[0].toFixed(7);
    row.querySelector("[name=lat]").value = at[1].toFixed(7);
  }
  row.querySelector(".remove").addEventListener("click", () => {
    if (state.itemPick === row) state.itemPick = null;
    row.remove();
    renderItems();
  });
  row.querySelector(".pick").addEventListener("click", () => {
    for (const r of itemRows()) r.classList.remove("picking");
    state.itemPick = row;
    row.classList.add("picking");
    say("Click where the item was found on the map.");
  });
  for (const name of ["lon", "lat"]) row.querySelector(`[name=${name}]`).addEventListener("change", renderItems);
  $("#items").append(row);
  renderItems();
  return row;
}
$("#add-item").addEventListener("click", () => addItemRow().querySelector(".pick").click());

function itemsClick(map, e) {
  const at = [e.lngLat.lng, e.lngLat.lat];
  const row = state.itemPick;
  if (row && row.isConnected) {
    row.querySelector("[name=lon]").value = at[0].toFixed(7);
    row.querySelector("[name=lat]").value = at[1].toFixed(7);
    row.classList.remove("picking");
    state.itemPick = null;
    say("");
    renderItems();
  } else {
    addItemRow(at);
  }
}

function renderItems() {
  const rows = itemRows();
  rows.forEach((row, i) => (row.querySelector(".label").textContent = `Item ${i + 1}`));
  const map = state.formMaps.items;
  if (!map || !map.getSource("draw")) return;
  const features = rows.map((row) => [row.querySelector("[name=lon]").value, row.querySelector("[name=lat]").value])
    .filter(([x, y]) => x !== "" && y !== "")
    .map(([x, y]) => ({ type: "Feature", properties: { kind: "item" },
      geometry: { type: "Point", coordinates: [Number(x), Number(y)] } }));
  map.getSource("draw").setData({ type: "FeatureCollection", features });
}

$("#items-form").hazard_id.addEventListener("change", async (e) => {
  const id = e.target.value;
  focusHazard(state.formMaps.items, id);
  const sel = $("#items-form").activity_id;
  sel.length = 1;
  if (!id) return;
  try {
    const acts = await api("GET", `/api/activities?hazard_id=${encodeURIComponent(id)}`);
    for (const a of acts.records.filter((r) => r.workflow !== "rejected"))
      sel.append(option(a.id, `${a.id} ${a.type} ${a.start || ""}`.trim()));
  } catch (err) {
    say(err.message, true);
  }
});

$("#items-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const f = e.target;
  clearProblem(f);
  const common = fieldsOf(f, ["hazard_id", "activity_id", "found", "disposal"]);
  const rows = itemRows();
  try {
    if (!rows.length) throw new Error("items: click the map where each item was found");
    if (!common.found) throw new Error("found: the date the items were found");
    const body = rows.map((row, i) => {
      const v = (name) => row.querySelector(`[name=${name}]`).value.trim();
      if (v("lon") === "" || v("lat") === "")
        throw new Error(`items[${i}]: lon: click the map or type the longitude and latitude`);
      const item = { ...common, category: v("category"), quantity: Number(v("quantity") || 1),
        geometry: { type: "Point", coordinates: [Number(v("lon")), Number(v("lat"))] } };
      if (v("model")) item.model = v("model");
      if (v("depth_cm") !== "") item.depth_cm = Number(v("depth_cm"));
      return item;
    });
    const made = await api("POST", "/api/items", body);
    for (const id of made.ids) await api("POST", `/api/items/${id}/submit`, {});
    say(`${made.ids.join(", ")} filed and submitted for approval.`);
    $("#items").innerHTML = "";
    state.itemPick = null;
    renderItems();
  } catch (err) {
    formProblem(f, err);
  }
});

// ---- The hazards ----

const badge = (text, cls = "") => `<span class="badge ${escapeHtml(cls)}">${escapeHtml(text)}</span>`;
const hazardLink = (id) => id ? `<a href="#hazard/${encodeURIComponent(id)}">${escapeHtml(id)}</a>` : "";
const rowsOrNone = (body, html, cols, none) =>
  (body.innerHTML = html || `<tr><td colspan=${cols} class="hint">${escapeHtml(none)}</td></tr>`);

// ---- Signals of unknown contamination (GET /api/signals, docs/signals.md) ----

const SIGNALS_SHOWN = 500; // rows of the list; the map shows every area

function signalParams() {
  const f = $("#signals-form").elements;
  return { eps: Number(f.eps.value), min_points: Number(f.min_points.value), buffer: Number(f.buffer.value) };
}

function signalsMap() {
  if (state.signalsMap) return state.signalsMap.ready;
  const map = (state.signalsMap = newMap("signals-map"));
  return map.ready.then(() => {
    const empty = { type: "FeatureCollection", features: [] };
    map.addSource("signals", { type: "geojson", data: empty });
    map.addSource("signal-evidence", { type: "geojson", data: empty });
    map.addLayer({ id: "signals", type: "fill", source: "signals",
      paint: { "fill-color": ["interpolate", ["linear"], ["get", "score"], 0, "#c2a5cf", 1, "#40004b"],
        "fill-opacity": 0.45, "fill-outline-color": "#40004b" } });
    map.addLayer({ id: "signals-chosen", type: "line", source: "signals", filter: ["==", ["get", "rank"], -1],
      paint: { "line-color": "#e7298a", "line-width": 3 } });
    map.addLayer({ id: "signal-evidence", type: "circle", source: "signal-evidence",
      paint: { "circle-radius": 5, "circle-color": "#e7298a", "circle-stroke-color": "#fff", "circle-stroke-width": 1 } });
    map.on("click", "signals", (e) => chooseSignal(e.features[0].properties.rank));
    return map;
  });
}

async function loadSignals() {
  const params = signalParams();
  let out;
  try {
    out = await api("GET", `/api/signals?${new URLSearchParams(params)}`);
  } catch (err) {
    say(err.message, true);
    return;
  }
  state.signals = { params, features: out.features };
  const ev = out.evidence, areas = out.features;
  const singles = areas.filter((f) => f.properties.count === 1).length;
  $("#signals-summary").textContent = `${ev.accidents} accidents and ${ev.items} items approved: ` +
    `${ev.in_open_hazards} lie in open hazardous areas and ${ev.in_land_released_since} in land released since; ` +
    `the other ${ev.left} give ${areas.length} suggested areas (${areas.length - singles} clusters, ${singles} single events).`;
  const mayDraft = session && rank(session.role) >= rank("data_entry");
  const when = (p) => (p.first === p.last || !p.last ? p.first || "undated" : `${p.first || "?"} to ${p.last}`);
  rowsOrNone($("#signals-table tbody"), areas.slice(0, SIGNALS_SHOWN).map(({ properties: p }) => {
    const ids = p.evidence.slice(0, 3).map((e) => escapeHtml(e.id)).join(", ") +
      (p.evidence.length > 3 ? ` and ${p.evidence.length - 3} more` : "");
    const near = p.nearest_hazard_m == null ? "none known" : p.nearest_hazard_m === 0 ? "in a closed one" : formatDistance(p.nearest_hazard_m);
    return `<tr data-rank="${p.rank}"><td>${p.rank}</td><td title="events ${p.score_parts.events}, casualties ` +
      `${p.score_parts.casualties}, recency ${p.score_parts.recency}, distance ${p.score_parts.distance}">${p.score.toFixed(3)}</td>` +
      `<td>${p.count}</td><td>${p.casualties}</td><td>${escapeHtml(when(p))}</td><td>${hectares(p.area_m2)}</td>` +
      `<td>${near}</td><td>${ids}</td><td><button type="button" class="show-signal">Show</button>` +
      (mayDraft ? ` <button type="button" class="draft-signal">Make a draft SHA</button>` : "") + "</td></tr>";
  }).join("") + (areas.length > SIGNALS_SHOWN ?
    `<tr><td colspan="9" class="hint">The ${SIGNALS_SHOWN} first of ${areas.length}; every one is on the map.</td></tr>` : ""),
  9, "No signals: every approved accident and item lies in an open hazardous area or in land released since.");
  const map = await signalsMap();
  map.getSource("signals").setData({ type: "FeatureCollection",
    features: areas.map((f) => ({ type: "Feature", geometry: f.geometry,
      properties: { rank: f.properties.rank, score: f.properties.score } })) });
  map.getSource("signal-evidence").setData({ type: "FeatureCollection", features: [] });
  map.setFilter("signals-chosen", ["==", ["get", "rank"], -1]);
  const all = bounds({ coordinates: areas.map((f) => f.geometry.coordinates) });
  if (all) map.fitBounds(all, { padding: 30, duration: 0, maxZoom: 15 });
}

// A signal's area outlined and its evidence drawn, the map brought to it.
async function chooseSignal(rankOf) {
  const f = state.signals?.features.find((x) => x.properties.rank === Number(rankOf));
  if (!f) return;
  const map = await signalsMap();
  map.setFilter("signals-chosen", ["==", ["get", "rank"], f.properties.rank]);
  map.getSource("signal-evidence").setData({ type: "FeatureCollection",
    features: f.properties.evidence.map((e) => ({ type: "Feature",
      geometry: { type: "Point", coordinates: [e.lon, e.lat] }, properties: { id: e.id } })) });
  fitTo(map, f.geometry);
  for (const tr of document.querySelectorAll("#signals-table tr"))
    tr.classList.toggle("chosen", tr.dataset.rank === String(f.properties.rank));
}

// One click: the signal written as a draft SHA (the server finds it again from its
// evidence), which then goes through the review as any report.
async function draftSignal(rankOf, button) {
  const f = state.signals?.features.find((x) => x.properties.rank === Number(rankOf));
  if (!f) return;
  button.disabled = true;
  try {
    const made = await api("POST", "/api/signals/drafts",
      { ...state.signals.params, evidence: f.properties.evidence.map((e) => e.id) });
    button.replaceWith(Object.assign(document.createElement("a"),
      { href: `#edit/hazards/${encodeURIComponent(made.id)}`, textContent: `Draft ${made.id}`, className: "drafted" }));
    say(`Draft ${made.id} written: check it and submit it for review (My reports).`);
  } catch (err) {
    button.disabled = false;
    say(err.message, true);
  }
}

$("#signals-form").addEventListener("submit", (e) => {
  e.preventDefault();
  loadSignals();
});
$("#signals-table").addEventListener("click", (e) => {
  const tr = e.target.closest("tr[data-rank]");
  if (!tr) return;
  if (e.target.classList.contains("show-signal")) chooseSignal(tr.dataset.rank);
  if (e.target.classList.contains("draft-signal")) draftSignal(tr.dataset.rank, e.target);
});

async function loadHazards() {
  let list;
  try {
    list = await api("GET", "/api/hazards");
  } catch (err) {
    say(err.message, true);
    return;
  }
  await loadModel().catch(() => null);
  rowsOrNone($("#hazards-table tbody"), list.records.map((h) => `<tr><td>${hazardLink(h.id)}</td>` +
    `<td>${escapeHtml(h.name)}</td><td>${valueHtml("hazards", "type", h.type)}</td><td>${valueHtml("hazards", "status", h.status)}</td>` +
    `<td>${hectares(h.area_m2)}</td><td>${hectares(h.remaining_m2)}</td><td>${badge(h.workflow, h.workflow)}</td></tr>`)
    .join(""), 7, "No hazardous areas.");
  $("#new-hazard").hidden = !session || rank(session.role) < rank("data_entry");
}

const HIDDEN_FIELDS = ["id", "workflow", "geometry", "history", "status_history"];

function historyList(entries) {
  return `<details class="history"><summary>${entries.length} change(s)</summary><ul>` +
    entries.map((e) => `<li>${escapeHtml(e.ts.replace("T", " ").slice(0, 19))} ${escapeHtml(e.actor)}: ` +
      `${escapeHtml(e.action)}${e.reason ? ` (${escapeHtml(e.reason)})` : ""}</li>`).join("") + "</ul></details>";
}

// The mines left as `minemap reliability` says them: a record graded U is not judged
// (no count: 0 would read "none left"); without a correction nothing is predicted
// (predicted_remaining null, docs/reliability.md).
function minesLeft(r) {
  if (r.grade === "U") return "not judged: no figure of the mines left";
  if (!Array.isArray(r.predicted_remaining)) return "no prediction of the mines left";
  return `${r.predicted_remaining.length} mine(s) predicted left`;
}

function reliabilityText(results) {
  if (!results.length) return "not judged: the record has no text to digitise";
  const r = results[0];
  const pct = (v) => `${Math.round(v * 100)}%`;
  return `<span class="grade">grade ${escapeHtml(r.grade)}</span> ${escapeHtml(r.grade_reason || "")}` +
    `<br><span class="hint">as recorded: recall ${pct(r.as_recorded.recall)}, precision ${pct(r.as_recorded.precision)}; ` +
    `corrected: ${pct(r.corrected.recall)}, ${pct(r.corrected.precision)}; ${minesLeft(r)}</span>`;
}

// A hazard's page: its fields and figures, its activities with the land they
// released, the minefield records of it with their reliability, the items found
// in it, the accidents inside it, its status history and its audit trail, and a map
// of them.
async function loadHazard(id) {
  const ticket = ++state.hazardPage;
  if (state.hazardShown !== id) $("#view-hazard").scrollTop = 0; // another hazard opens at its top
  state.hazardShown = id;
  const q = `hazard_id=${encodeURIComponent(id)}`;
  let h, acts, rels, recs, items, accs;
  try {
    [h, acts, rels, recs, items, accs] = await Promise.all([api("GET", `/api/hazards/${encodeURIComponent(id)}`),
      ...["activities", "releases", "records", "items"].map((e) => api("GET", `/api/${e}?${q}`)),
      api("GET", `/api/hazards/${encodeURIComponent(id)}/accidents`), loadModel().catch(() => null)]);
  } catch (err) {
    if (ticket !== state.hazardPage) return;
    $("#hazard-title").textContent = `${id}: ${err.message}`;
    for (const t of document.querySelectorAll("#view-hazard tbody")) t.innerHTML = "";
    $("#hazard-fields").innerHTML = "";
    $("#hazard-figures").innerHTML = "";
    say(err.message, true);
    return;
  }
  if (ticket !== state.hazardPage) return;
  state.hazard = { hazard: h, activities: acts.records, releases: rels.records, records: recs.records, items: items.records,
    accidents: accs.records };
  const canReport = session && rank(session.role) >= rank("data_entry");
  const label = (entity, name, code) => `<span title="${escapeHtml(code)}">${escapeHtml(codeLabel(entity, name, code))}</span>`;
  $("#hazard-title").innerHTML = `${escapeHtml(h.id)} ${escapeHtml(h.name)} ${badge(codeLabel("hazards", "type", h.type))}` +
    badge(codeLabel("hazards", "status", h.status)) + badge(h.workflow, h.workflow) +
    (canReport ? ` <button type="button" id="hazard-report">Report an activity</button>` +
    ` <button type="button" id="hazard-items-report">Report items found</button>` : "");
  if (canReport) {
    const go = (form) => () => {
      state.pendingHazard = h.id;
      state.pendingForm = form;
      show("report");
    };
    $("#hazard-report").addEventListener("click", go("activity"));
    $("#hazard-items-report").addEventListener("click", go("items"));
  }
  const released = h.area_m2 ? 100 * (1 - h.remaining_m2 / h.area_m2) : 0;
  $("#hazard-figures").innerHTML = [["hectares", hectares(h.area_m2)], ["hectares left", hectares(h.remaining_m2)],
    ["released (approved)", `${released.toFixed(0)}%`], ["activities", acts.records.length],
    ["minefield records", recs.records.length], ["items found", items.records.length], ["accidents", accs.records.length]]
    .map(([text, v]) => `<div><b>${escapeHtml(v)}</b>${escapeHtml(text)}</div>`).join("");
  // Its fields in the data model's order, then any other the record has.
  const order = Object.keys(model?.hazards?.fields || {});
  $("#hazard-fields").innerHTML = [...order.filter((k) => k in h), ...Object.keys(h).filter((k) => !order.includes(k))]
    .filter((k) => !HIDDEN_FIELDS.includes(k) && h[k] !== null && h[k] !== "")
    .map((k) => `<tr data-field="${escapeHtml(k)}"><td>${escapeHtml(labelOf("hazards", k))}</td><td>${valueHtml("hazards", k, h[k])}</td></tr>`)
    .join("");

  // Activities, each followed by the land it released.
  let html = "";
  for (const a of acts.records) {
    html += `<tr data-id="${escapeHtml(a.id)}"><td>${escapeHtml(a.id)}</td>` +
      `<td>${[label("activities", "type", a.type), a.method && label("activities", "method", a.method), a.asset && escapeHtml(a.asset),
        a.organisation_id && refHtml(a.organisation_id, "organisations")].filter(Boolean).join(", ")}</td>` +
      `<td>${escapeHtml([a.start, a.end].filter(Boolean).join(" to "))}</td><td>${a.status ? label("activities", "status", a.status) : ""}</td>` +
      `<td></td><td>${badge(a.workflow, a.workflow)}</td><td class="history-cell"></td></tr>`;
    for (const r of rels.records.filter((x) => x.activity_id === a.id))
      html += `<tr class="child" data-id="${escapeHtml(r.id)}"><td>${escapeHtml(r.id)}</td><td>land released</td>` +
        `<td>${escapeHtml(r.date || "")}</td><td>${label("releases", "outcome", r.outcome)}</td><td>${hectares(r.area_m2)}</td>` +
        `<td>${badge(r.workflow, r.workflow)}</td><td></td></tr>`;
  }
  rowsOrNone($("#hazard-activities tbody"), html, 7, "No activities reported.");
  for (const a of acts.records)
    api("GET", `/api/activities/${encodeURIComponent(a.id)}`).then((full) => {
      const cell = document.querySelector(`#hazard-activities tr[data-id="${a.id}"] .history-cell`);
      if (cell && ticket === state.hazardPage) cell.innerHTML = historyList(full.history);
    }, () => {});

  rowsOrNone($("#hazard-records tbody"), recs.records.map((r) => `<tr data-id="${escapeHtml(r.id)}">` +
    `<td>${escapeHtml(r.id)}${r.label ? ` (${escapeHtml(r.label)})` : ""}</td><td>${escapeHtml(r.source_name)}</td>` +
    `<td>${escapeHtml(r.laid || "")}</td><td>${escapeHtml(r.mine_count ?? "")}</td>` +
    `<td class="reliability hint">judging ...</td><td>${badge(r.workflow, r.workflow)}</td></tr>`).join(""),
  6, "No minefield records of this hazard.");
  for (const r of recs.records)
    api("GET", `/api/records/${encodeURIComponent(r.id)}/reliability`).then(
      (res) => ({ html: reliabilityText(res), results: res }),
      (err) => ({ html: `not judged: ${escapeHtml(err.message)}`, results: null }),
    ).then(({ html: text, results }) => {
      if (ticket !== state.hazardPage) return;
      (state.hazard.reliability ||= {})[r.id] = results;
      const cell = document.querySelector(`#hazard-records tr[data-id="${r.id}"] .reliability`);
      if (cell) {
        cell.innerHTML = text;
        cell.classList.remove("hint");
      }
    });

  rowsOrNone($("#hazard-items tbody"), items.records.map((it) => `<tr><td>${escapeHtml(it.id)}</td>` +
    `<td>${label("items", "category", it.category)}</td><td>${escapeHtml(it.model || "")}</td><td>${escapeHtml(it.quantity ?? "")}</td>` +
    `<td>${escapeHtml(it.found || "")}</td><td>${escapeHtml(it.depth_cm ?? "")}</td><td>${badge(it.workflow, it.workflow)}</td></tr>`)
    .join(""), 7, "No items reported found here.");

  // The accidents inside it (every workflow), their victims counted from one request.
  rowsOrNone($("#hazard-accidents tbody"), accs.records.map((a) => `<tr data-id="${escapeHtml(a.id)}">` +
    `<td>${a.workflow === "approved" ? `<a href="#map/${encodeURIComponent(a.id)}" title="Show it on the map">${escapeHtml(a.id)}</a>` : escapeHtml(a.id)}</td>` +
    `<td>${escapeHtml(a.date || "")}</td><td>${a.type ? label("accidents", "type", a.type) : ""}</td>` +
    `<td>${[a.device_category && label("accidents", "device_category", a.device_category), a.device_model && escapeHtml(a.device_model)]
      .filter(Boolean).join(", ")}</td><td class="victims"></td><td>${badge(a.workflow, a.workflow)}</td></tr>`).join(""),
  6, "No accident recorded inside this hazardous area.");
  if (accs.records.length)
    api("GET", `/api/victims?${accs.records.map((a) => `accident_id=${encodeURIComponent(a.id)}`).join("&")}`).then((v) => {
      if (ticket !== state.hazardPage) return;
      for (const a of accs.records) {
        const of = v.records.filter((x) => x.accident_id === a.id && x.workflow !== "rejected");
        const n = (o) => of.filter((x) => x.outcome === o).length;
        const cell = document.querySelector(`#hazard-accidents tr[data-id="${a.id}"] .victims`);
        if (cell) cell.textContent = of.length ? [[n("killed"), "killed"], [n("injured"), "injured"]]
          .filter(([k]) => k).map(([k, o]) => `${k} ${codeLabel("victims", "outcome", o).toLowerCase()}`).join(", ") : "none recorded";
      }
    }, () => {});

  rowsOrNone($("#hazard-statuses tbody"), (h.status_history || []).map((c) => `<tr><td>${escapeHtml(c.date)}</td>` +
    `<td>${label("hazards", "status", c.status)}</td><td>${escapeHtml(c.reason)}</td></tr>`).join(""), 3, "No status recorded.");
  rowsOrNone($("#hazard-history tbody"), h.history.map((e) => `<tr><td>${escapeHtml(e.ts.replace("T", " ").slice(0, 19))}</td>` +
    `<td>${escapeHtml(e.actor)}</td><td>${escapeHtml(e.action)}</td><td>${escapeHtml(e.reason)}</td></tr>`).join(""), 4, "No history.");
  fillNames($("#view-hazard"));

  // The map: the hazard outlined, its releases, items and accidents of every workflow.
  state.hazardMap ||= newMap("hazard-map");
  const map = state.hazardMap;
  map.resize();
  await map.ready;
  if (ticket !== state.hazardPage) return;
  if (!map.getSource("focus")) addOverlay(map);
  map.resize();
  const features = [{ type: "Feature", properties: { kind: "hazard" }, geometry: h.geometry },
    ...rels.records.map((r) => ({ type: "Feature", properties: { kind: "release", outcome: r.outcome }, geometry: r.geometry })),
    ...items.records.map((it) => ({ type: "Feature", properties: { kind: "item" }, geometry: it.geometry })),
    ...accs.records.map((a) => ({ type: "Feature", properties: { kind: "accident", id: a.id }, geometry: a.geometry }))]
    .filter((f) => f.geometry);
  map.getSource("focus").setData({ type: "FeatureCollection", features });
  fitTo(map, h.geometry);
  state.hazard.mapped = features.length;
}

// ---- Reviewing ----

const LONG_FIELDS = ["geometry", "raw", "description", "id", "workflow"];
const REVIEW_FIELDS = {
  accidents: ["type", "device_category", "device_model", "time"],
  activities: ["type", "method", "status", "start", "end", "asset", "organisation_id"],
  items: ["category", "model", "quantity", "depth_cm", "disposal", "activity_id"],
  releases: ["outcome", "activity_id"],
  hazards: ["name", "type", "status", "reported"],
};

async function loadReview() {
  const ticket = ++state.review;
  let entities, lists;
  try {
    await loadModel();
    entities = (await schema()).filter((e) => e.field_report);
    lists = await Promise.all(entities.map((e) => api("GET", `/api/${e.name}?workflow=submitted`)));
  } catch (err) {
    say(err.message, true);
    return;
  }
  if (ticket !== state.review) return;
  const REVIEWED = entities.map((e) => e.name);
  const submitted = Object.fromEntries(REVIEWED.map((e, i) => [e, lists[i].records]));
  // A child (land released, a victim) goes with its submitted parent: shown and decided
  // with it. One whose parent is not waiting for review has a row of its own.
  const byName = Object.fromEntries(entities.map((e) => [e.name, e]));
  const parentEntity = (e) => e.parent_ref && e.fields.find((f) => f.name === e.parent_ref).ref;
  const waiting = (entity, id) => (submitted[entity] || []).some((r) => r.id === id);
  const childrenOf = (entity, id) => entities.filter((e) => parentEntity(e) === entity)
    .flatMap((e) => submitted[e.name].filter((c) => c[e.parent_ref] === id).map((c) => ({ entity: e.name, record: c })));
  const body = $("#review-table tbody");
  body.innerHTML = "";
  for (const entity of REVIEWED)
    for (const r of submitted[entity]) {
      const e = byName[entity];
      if (e.parent_ref && waiting(parentEntity(e), r[e.parent_ref])) continue;
      const fields = REVIEW_FIELDS[entity] || Object.keys(r).filter((k) => !LONG_FIELDS.includes(k)).slice(0, 6);
      // The row's details as HTML: labels, codes in words, references by name.
      let details = `${escapeHtml(entityName(entity))}: ` + fields.filter((k) => r[k] !== undefined && r[k] !== null)
        .map((k) => `${escapeHtml(labelOf(entity, k).toLowerCase())} ${valueHtml(entity, k, r[k])}`).join("; ");
      const kids = childrenOf(entity, r.id);
      if (entity === "activities") {
        const lr = kids.map((k) => k.record);
        details += `; land released: ${lr.length ? lr.map((x) => `${escapeHtml(x.id)} ${valueHtml("releases", "outcome", x.outcome)} ` +
          `${hectares(x.area_m2)} ha`).join(", ") : "none"}`;
      } else if (kids.length) {
        details += `; with ${kids.map((k) => `${escapeHtml(entityName(k.entity).toLowerCase())} ${escapeHtml(k.record.id)}`).join(", ")}`;
      }
      if (entity === "releases") details += `; ${hectares(r.area_m2)} ha`;
      const hazard = entity === "hazards" ? r.id : r.hazard_id;
      const tr = document.createElement("tr");
      tr.innerHTML = `<td>${escapeHtml(r.id)}</td><td>${escapeHtml(r.date || r.found || r.reported || r.end || r.start || "")}</td>` +
        `<td>${details}</td><td>${hazardLink(hazard)}</td>` +
        `<td><button class="approve">Approve</button> <button class="reject">Reject</button></td>`;
      tr.dataset.id = r.id;
      tr.querySelector("td:last-child").insertAdjacentHTML("afterbegin", '<button class="details">Details</button> ');
      tr.querySelector(".details").addEventListener("click", () => toggleDetails(tr, entity, r.id, kids));
      tr.querySelector(".approve").addEventListener("click", () => decide(entity, r.id, "approve"));
      tr.querySelector(".reject").addEventListener("click", () => {
        const reason = prompt(`Why is ${r.id} rejected?`);
        if (reason) decide(entity, r.id, "reject", reason);
      });
      body.append(tr);
    }
  if (!body.children.length) body.innerHTML = "<tr><td colspan=5>Nothing waits for approval.</td></tr>";
  fillNames(body);
}

// What the verifier needs to decide, under the report's row: where it is (a map with
// the report and its hazard), every field it has, its children (victims, land
// released), who filed and submitted it and when, and what changed since it was last
// rejected.
async function toggleDetails(tr, entity, id, kids) {
  const next = tr.nextElementSibling;
  if (next && next.classList.contains("review-details")) {
    next.remove();
    return;
  }
  const row = document.createElement("tr");
  row.className = "review-details";
  row.innerHTML = `<td colspan="5"><p class="hint">Loading…</p></td>`;
  tr.after(row);
  let rec, spec, hazard;
  try {
    await loadModel();
    spec = (await schema()).find((e) => e.name === entity);
    rec = await api("GET", `/api/${entity}/${encodeURIComponent(id)}`);
    const hz = entity === "hazards" ? null : rec.hazard_id;
    if (hz) hazard = await api("GET", `/api/hazards/${encodeURIComponent(hz)}`).catch(() => null);
  } catch (err) {
    row.firstElementChild.innerHTML = `<p class="error">${escapeHtml(err.message)}</p>`;
    return;
  }
  const when = (ts) => escapeHtml(ts.replace("T", " ").slice(0, 16));
  const filed = rec.history.find((e) => e.action === "create");
  const submitted = [...rec.history].reverse().find((e) => e.action === "submit");
  const who = [filed && `filed by <b class="submitter">${escapeHtml(filed.actor)}</b> on ${when(filed.ts)}`,
    submitted && `submitted by <b>${escapeHtml(submitted.actor)}</b> on ${when(submitted.ts)}`].filter(Boolean).join("; ");
  const fields = spec.fields.filter((f) => rec[f.name] !== undefined && rec[f.name] !== null && f.name !== "geometry")
    .map((f) => `<tr><th>${escapeHtml(fieldLabel(f))}</th><td>${valueHtml(entity, f.name, rec[f.name])}</td></tr>`).join("");
  let since = "";
  if (rec.since_rejection) {
    const sr = rec.since_rejection;
    const changes = sr.changes.map((c) => c.field === "geometry" ? "<li>the geometry</li>"
      : `<li><b>${escapeHtml(labelOf(entity, c.field))}</b>: ${c.before == null ? "(none)" : valueHtml(entity, c.field, c.before)} → ` +
        `${c.after == null ? "(none)" : valueHtml(entity, c.field, c.after)}</li>`).join("");
    since = `<div class="since-rejection"><p>Rejected by ${escapeHtml(sr.by)} on ${when(sr.rejected)}: “${escapeHtml(sr.reason)}”.</p>` +
      (changes ? `<p>Changed since:</p><ul>${changes}</ul>` : "<p>Nothing changed since.</p>") + "</div>";
  }
  const children = kids.length ? `<h4>${escapeHtml(model[kids[0].entity]?.title || humanise(kids[0].entity))}</h4><table class="review-children">` +
    kids.map((k) => `<tr><td>${escapeHtml(k.record.id)}</td><td>` + Object.entries(k.record)
      .filter(([n, v]) => !LONG_FIELDS.includes(n) && v !== null && !n.endsWith("_id"))
      .map(([n, v]) => `${escapeHtml(labelOf(k.entity, n).toLowerCase())} ${valueHtml(k.entity, n, v)}`).join("; ") + "</td></tr>").join("") +
    "</table>" : "";
  row.firstElementChild.innerHTML = `<div class="review-body"><div class="review-text"><p class="who">${who}</p>${since}` +
    `<table class="fields">${fields}</table>${children}</div><div class="form-map review-map"></div></div>`;
  fillNames(row);
  if (!rec.geometry && !(hazard && hazard.geometry)) {
    row.querySelector(".review-map").innerHTML = '<p class="hint">No place given.</p>';
    return;
  }
  const map = newMap(row.querySelector(".review-map"));
  state.reviewMap = map;
  map.ready.then(() => {
    addOverlay(map);
    const features = [];
    if (hazard && hazard.geometry) features.push({ type: "Feature", properties: { kind: "hazard" }, geometry: hazard.geometry });
    if (rec.geometry && rec.geometry.type !== "Point")
      features.push({ type: "Feature", properties: { kind: entity === "releases" ? "release" : "hazard",
        outcome: rec.outcome || "" }, geometry: rec.geometry });
    map.getSource("focus").setData({ type: "FeatureCollection", features });
    // The place of the report itself, apart from the tiles' points around it.
    map.addSource("reviewed", { type: "geojson", data: rec.geometry && rec.geometry.type === "Point"
      ? { type: "Feature", properties: {}, geometry: rec.geometry } : EMPTY });
    map.addLayer({ id: "review-point", type: "circle", source: "reviewed",
      paint: { "circle-radius": 8, "circle-color": "#e65100", "circle-stroke-color": "#fff", "circle-stroke-width": 2 } });
    fitTo(map, rec.geometry && rec.geometry.type !== "Point" ? rec.geometry : (hazard && hazard.geometry) || rec.geometry);
    if (rec.geometry && rec.geometry.type === "Point" && !(hazard && hazard.geometry))
      map.jumpTo({ center: rec.geometry.coordinates, zoom: 13 });
  });
}

// A field's name for people: its label from the data model when it has one.
const fieldLabel = (f) => f.label || f.name.replaceAll("_", " ");

async function decide(entity, id, action, reason) {
  try {
    await api("POST", `/api/${entity}/${id}/${action}`, reason ? { reason } : {});
    say(`${id} ${action === "approve" ? "approved" : "rejected"}.`);
    if (action === "approve") reloadTiles();
  } catch (err) {
    say(err.message, true);
  }
  loadReview();
}

// ---- My reports: drafts, submitted, rejected with the reasons; editing them ----

async function loadMine() {
  let mine;
  try {
    [mine] = await Promise.all([api("GET", "/api/my-reports"), loadModel().catch(() => null)]);
  } catch (err) {
    say(err.message, true);
    return;
  }
  const body = $("#mine-table tbody");
  rowsOrNone(body, mine.reports.map((r) => {
    const editable = r.workflow === "draft" || r.workflow === "rejected";
    const link = `edit/${r.entity}/${encodeURIComponent(r.id)}`;
    return `<tr data-id="${escapeHtml(r.id)}"><td>${escapeHtml(r.id)}</td><td>${escapeHtml(entityName(r.entity))}</td>` +
      `<td>${badge(r.workflow, r.workflow)}</td><td class="reason">${escapeHtml(r.reason || "")}</td>` +
      `<td>${escapeHtml(r.changed.replace("T", " ").slice(0, 16))}</td>` +
      `<td>${editable ? `<a class="edit" href="#${link}">Edit</a>` : ""}</td></tr>`;
  }).join(""), 6, "You have no report in draft, waiting or rejected.");
}

// A report opened for editing: a form of every field of its entity (from the data
// model), the rejection's reason above it; saving sends only what changed, from the
// version read (If-Match), and may submit it again.
async function openEditor(arg) {
  const slash = arg.indexOf("/");
  const entity = arg.slice(0, slash), id = arg.slice(slash + 1);
  const form = $("#edit-form");
  const drawBox = $("#edit-draw");
  $("#view-edit").append(drawBox); // kept while the form is made again
  drawBox.hidden = true;
  drawings.edit.points = [];
  form.innerHTML = "";
  $("#edit-title").textContent = `Editing ${id}`;
  const creating = id === "new";
  let spec, got;
  try {
    await loadModel();
    spec = (await schema()).find((e) => e.name === entity);
    if (!spec || !spec.field_report) throw new Error(`no such kind of report: ${entity}`);
    got = creating ? { data: { history: [], workflow: "draft" }, etag: null }
      : await api("GET", `/api/${entity}/${encodeURIComponent(id)}`, undefined, { withEtag: true });
  } catch (err) {
    say(err.message, true);
    return;
  }
  if (creating) $("#edit-title").textContent = `New report: ${entityName(entity).toLowerCase()}`;
  const rec = got.data;
  state.editing = { entity, id: creating ? null : id, etag: got.etag, record: rec, spec };
  const rejection = [...rec.history].reverse().find((e) => e.action === "reject");
  $("#edit-reason").hidden = !(rec.workflow === "rejected" && rejection);
  if (rejection) $("#edit-reason").textContent = `Rejected by ${rejection.actor}: “${rejection.reason}”`;
  for (const f of spec.fields) {
    if (f.computed || f.name === spec.parent_ref) continue;
    const label = document.createElement("label");
    label.textContent = `${fieldLabel(f)} `;
    let input;
    if (f.type === "enum") {
      input = document.createElement("select");
      input.append(option("", "not given"));
      for (const v of f.values) input.append(option(v, codeLabel(entity, f.name, v)));
    } else if (f.type === "boolean") {
      input = document.createElement("select");
      for (const [v, t] of [["", "not given"], ["true", "yes"], ["false", "no"]]) input.append(option(v, t));
    } else {
      input = document.createElement(f.name === "description" || f.name === "raw" ? "textarea" : "input");
      if (f.type === "integer" || f.type === "real") {
        input.type = "number";
        input.step = "any";
      }
    }
    input.name = f.name;
    const v = rec[f.name];
    input.value = v === undefined || v === null ? "" : Array.isArray(v) ? v.join(",") : String(v);
    input.dataset.was = input.value;
    label.append(input);
    form.append(label);
  }
  if (spec.geometry && spec.geometry !== "none") {
    const label = document.createElement("label");
    label.className = "wide";
    const polygon = spec.geometry.endsWith("Polygon");
    label.textContent = polygon
      ? "Geometry (a polygon drawn on the map below, or pasted as GeoJSON or WKT) " : "Geometry (GeoJSON) ";
    const t = document.createElement("textarea");
    t.name = "geometry";
    t.rows = 3;
    t.placeholder = polygon ? "POLYGON((lon lat, lon lat, ...))" : '{"type": "Point", "coordinates": [lon, lat]}';
    t.value = rec.geometry ? JSON.stringify(rec.geometry) : "";
    t.dataset.was = t.value;
    label.append(t);
    form.append(label);
    if (polygon) {
      // The polygon drawn by clicking its corners, as the activity's land released is.
      form.append(drawBox);
      drawBox.hidden = false;
      t.addEventListener("input", () => renderDrawing("edit"));
      t.addEventListener("change", () => { const g = editShapes()[0]; if (g) fitTo(state.formMaps.edit, g.geometry); });
      const map = formMap("edit", "edit-map", drawClick);
      map.resize();
      map.ready.then(() => {
        map.resize();
        renderDrawing("edit");
        if (rec.geometry) fitTo(map, rec.geometry);
      });
    }
  }
  form.insertAdjacentHTML("beforeend", '<p class="form-error wide" role="alert" hidden></p><div class="wide">' +
    '<button type="submit" name="save">Save</button> ' +
    '<button type="submit" name="resubmit">Save and submit for approval</button></div>');
}

// The polygon of the report being edited, as the geometry field holds it (drawn or
// pasted); a drawn polygon takes its place.
function editShapes() {
  const t = $("#edit-form [name=geometry]");
  try {
    return t && t.value.trim() ? [{ type: "Feature", properties: { kind: "shape" }, geometry: parsePolygon(t.value) }] : [];
  } catch {
    return [];
  }
}

function setEditGeometry(g) {
  $("#edit-form [name=geometry]").value = JSON.stringify(g);
}
drawButtons("edit", "edit-draw");

// What the form changed, as the PATCH body: a cleared field is null.
function editedFields(form, spec) {
  const patch = {};
  for (const el of form.querySelectorAll("[name]")) {
    if (el.tagName === "BUTTON" || el.value === el.dataset.was) continue;
    const f = spec.fields.find((x) => x.name === el.name);
    if (el.name === "geometry") {
      const text = el.value.trim();
      patch.geometry = !text ? null : spec.geometry.endsWith("Polygon") ? parsePolygon(text) : JSON.parse(text);
    } else if (el.value === "") {
      patch[el.name] = null;
    } else if (f && (f.type === "integer" || f.type === "real")) {
      patch[el.name] = Number(el.value);
    } else if (f && f.type === "boolean") {
      patch[el.name] = el.value === "true";
    } else {
      patch[el.name] = el.value;
    }
  }
  return patch;
}

$("#edit-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = e.target, ed = state.editing;
  if (!ed) return;
  const resubmit = e.submitter && e.submitter.name === "resubmit";
  try {
    const patch = editedFields(form, ed.spec);
    if (!ed.id) {
      // A new report: filed as a draft, then edited like any other.
      for (const k of Object.keys(patch)) if (patch[k] === null) delete patch[k];
      const made = await api("POST", `/api/${ed.entity}`, patch);
      ed.id = made.id;
    } else if (Object.keys(patch).length) {
      const headers = ed.etag ? { "If-Match": ed.etag, withEtag: true } : { withEtag: true };
      const done = await api("PATCH", `/api/${ed.entity}/${encodeURIComponent(ed.id)}`, patch, headers);
      ed.etag = done.etag;
    }
    if (resubmit) await api("POST", `/api/${ed.entity}/${encodeURIComponent(ed.id)}/submit`, {});
    say(resubmit ? `${ed.id} saved and submitted for approval.` : `${ed.id} saved.`);
    clearProblem(form);
    show("mine");
  } catch (err) {
    if (err.status === 412) err.message = `${err.message} (reopen the report to see the change)`;
    formProblem(form, err);
  }
});

// ---- Start ----

startMap();
api("GET", "/session").then((s) => (session = s), () => (session = null)).finally(showSession);
