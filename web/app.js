// The minemap web application: a map of the store's vector tiles over an offline base,
// a dashboard of the approved figures, an accident report form and the review of
// submitted reports. Talks only to the server it came from; nothing is fetched from
// elsewhere. Globals from the vendor scripts: maplibregl, Chart, topojson.

const $ = (selector) => document.querySelector(selector);
const ROLES = ["viewer", "data_entry", "verifier", "admin"];
const rank = (role) => ROLES.indexOf(role);

let session = null; // {user, role, csrf_token} when signed in
const state = { charts: [], picking: false };
window.minemap = state; // for the end-to-end tests: state.map, state.charts

// ---- The API ----

async function api(method, path, body) {
  const headers = { Accept: "application/json" };
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
  if (!response.ok) throw new Error((data && (data.detail || data.title)) || response.statusText);
  return data;
}

function say(text, error = false) {
  const m = $("#message");
  m.textContent = text;
  m.className = error ? "error" : "";
  m.hidden = !text;
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
  show(location.hash.slice(1) || "map");
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
  showSession();
});

// ---- Views ----

const VIEW_ROLE = { report: "data_entry", review: "verifier" };

function show(view) {
  if (!document.getElementById(`view-${view}`)) view = "map";
  const needed = VIEW_ROLE[view];
  if (needed && (!session || rank(session.role) < rank(needed))) {
    say(session ? `Your role (${session.role}) may not open this page.` : "Sign in first.", true);
    view = "map";
  }
  for (const v of document.querySelectorAll(".view")) v.hidden = v.id !== `view-${view}`;
  for (const b of document.querySelectorAll("nav button"))
    b.classList.toggle("active", b.dataset.view === view);
  if (location.hash !== `#${view}`) history.replaceState(null, "", `#${view}`);
  if (view === "map" && state.map) state.map.resize();
  if (view === "dashboard") loadDashboard();
  if (view === "review") loadReview();
}

for (const b of document.querySelectorAll("nav button"))
  b.addEventListener("click", () => show(b.dataset.view));
window.addEventListener("hashchange", () => show(location.hash.slice(1)));

// ---- The map ----

const CLICKABLE = ["accidents", "items", "record-mines", "records", "releases", "hazards"];

function addLayers(map) {
  const src = { source: "minemap" };
  map.addLayer({ id: "admin-areas", type: "line", ...src, "source-layer": "admin-areas",
    paint: { "line-color": "#78909c", "line-width": 1, "line-dasharray": [3, 2] } });
  map.addLayer({ id: "roads", type: "line", ...src, "source-layer": "roads",
    paint: { "line-color": "#a1887f", "line-width": 1.2 } });
  map.addLayer({ id: "hazards", type: "fill", ...src, "source-layer": "hazards",
    paint: {
      "fill-color": ["case", ["==", ["get", "status"], "closed"], "#bdbdbd",
        ["match", ["get", "type"], "CHA", "#d7301f", "SHA", "#fc8d59", "#fdae61"]],
      "fill-opacity": 0.5, "fill-outline-color": "#7f0000" } });
  map.addLayer({ id: "releases", type: "fill", ...src, "source-layer": "releases",
    paint: {
      "fill-color": ["match", ["get", "outcome"], "cleared", "#1a9850", "reduced", "#91cf60",
        "cancelled", "#d9ef8b", "#cccccc"],
      "fill-opacity": 0.7 } });
  map.addLayer({ id: "records", type: "line", ...src, "source-layer": "records",
    paint: { "line-color": "#6a3d9a", "line-width": 1.5 } });
  map.addLayer({ id: "record-mines", type: "circle", ...src, "source-layer": "record-mines",
    minzoom: 13, paint: { "circle-radius": 2, "circle-color": "#6a3d9a" } });
  map.addLayer({ id: "items", type: "circle", ...src, "source-layer": "items",
    paint: { "circle-radius": 3.5, "circle-color": "#2b83ba", "circle-stroke-color": "#fff",
      "circle-stroke-width": 0.8 } });
  map.addLayer({ id: "accidents", type: "circle", ...src, "source-layer": "accidents",
    paint: { "circle-radius": 5, "circle-color": "#000", "circle-stroke-color": "#fff",
      "circle-stroke-width": 1.2 } });
}

function popupHtml(feature) {
  const rows = Object.entries(feature.properties)
    .map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${escapeHtml(String(v))}</td></tr>`)
    .join("");
  return `<b>${escapeHtml(feature.layer.id)}</b><table>${rows}</table>`;
}

function escapeHtml(s) {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

async function startMap() {
  const map = new maplibregl.Map({
    container: "map",
    style: { version: 8, sources: {},
      layers: [{ id: "sea", type: "background", paint: { "background-color": "#dfe8ee" } }] },
    center: [0, 20],
    zoom: 1.5,
    attributionControl: false,
  });
  state.map = map;
  map.addControl(new maplibregl.NavigationControl(), "top-left");
  map.addControl(new maplibregl.ScaleControl(), "bottom-left");
  map.on("load", async () => {
    // The offline base: world boundaries (Natural Earth via world-atlas).
    const topo = await (await fetch("vendor/countries-110m.json")).json();
    map.addSource("world", { type: "geojson", data: topojson.feature(topo, topo.objects.countries) });
    map.addLayer({ id: "land", type: "fill", source: "world", paint: { "fill-color": "#f4f1ea" } });
    map.addLayer({ id: "borders", type: "line", source: "world",
      paint: { "line-color": "#b0a999", "line-width": 0.6 } });
    const tilejson = await (await fetch("/tiles.json")).json();
    map.addSource("minemap", { type: "vector", tiles: tilejson.tiles,
      minzoom: tilejson.minzoom, maxzoom: 16 });
    addLayers(map);
    if (tilejson.bounds) {
      const [w, s, e, n] = tilejson.bounds;
      map.fitBounds([[w, s], [e, n]], { padding: 40, duration: 0 });
    }
  });
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
    const hits = map.queryRenderedFeatures(e.point, { layers: CLICKABLE });
    if (hits.length)
      new maplibregl.Popup({ maxWidth: "320px" }).setLngLat(e.lngLat).setHTML(popupHtml(hits[0])).addTo(map);
  });
  for (const id of CLICKABLE) {
    map.on("mouseenter", id, () => (map.getCanvas().style.cursor = "pointer"));
    map.on("mouseleave", id, () => (map.getCanvas().style.cursor = ""));
  }
}

// ---- The dashboard ----

const GROUP_COLOURS = { civilian: "#e41a1c", deminer: "#377eb8", military: "#4daf4a", police: "#984ea3", unknown: "#999" };
const STATUS_COLOURS = { open: "#d7301f", handed_over: "#fdae61", closed: "#bdbdbd" };
const OUTCOME_COLOURS = { cleared: "#1a9850", reduced: "#91cf60", cancelled: "#d9ef8b" };

function chart(id, config) {
  const c = new Chart(document.getElementById(id), { ...config,
    options: { animation: false, responsive: true, aspectRatio: 2, ...config.options } });
  state.charts.push(c);
  return c;
}

async function loadDashboard() {
  let d, s;
  try {
    [d, s] = await Promise.all([api("GET", "/api/dashboard"), api("GET", "/api/stats")]);
  } catch (err) {
    say(err.message, true);
    return;
  }
  state.dashboard = d;
  const ha = (m2) => (m2 / 10000).toFixed(1);
  $("#figures").innerHTML = [
    ["hazardous areas", s.hazards.count],
    ["hectares left", ha(d.remaining_m2)],
    ["accidents", s.accidents.count],
    ["killed", s.victims.killed],
    ["injured", s.victims.injured],
    ["items found", s.items.count],
  ].map(([label, v]) => `<div><b>${v}</b>${label}</div>`).join("");

  for (const c of state.charts) c.destroy();
  state.charts = [];
  const years = Object.keys(d.casualties).sort();
  const datasets = [];
  for (const outcome of ["killed", "injured"])
    for (const group of Object.keys(GROUP_COLOURS)) {
      const data = years.map((y) => (d.casualties[y][group] || {})[outcome] || 0);
      if (data.some((v) => v > 0))
        datasets.push({ label: `${group}, ${outcome}`, data, stack: outcome,
          backgroundColor: GROUP_COLOURS[group] + (outcome === "killed" ? "" : "88") });
    }
  chart("chart-casualties", { type: "bar", data: { labels: years, datasets },
    options: { scales: { x: { stacked: true }, y: { stacked: true, title: { display: true, text: "victims" } } } } });

  const quarters = Object.keys(d.released_m2).sort();
  chart("chart-released", { type: "bar",
    data: { labels: quarters,
      datasets: Object.keys(OUTCOME_COLOURS).map((o) => ({ label: o, backgroundColor: OUTCOME_COLOURS[o],
        data: quarters.map((q) => +ha(d.released_m2[q][o] || 0)) })) },
    options: { scales: { x: { stacked: true }, y: { stacked: true, title: { display: true, text: "ha" } } } } });

  const cats = Object.keys(d.items_by_category).filter((c) => d.items_by_category[c] > 0);
  chart("chart-items", { type: "bar",
    data: { labels: cats, datasets: [{ label: "items", backgroundColor: "#2b83ba",
      data: cats.map((c) => d.items_by_category[c]) }] },
    options: { plugins: { legend: { display: false } } } });

  const statuses = Object.keys(d.remaining_by_status_m2);
  chart("chart-remaining", { type: "doughnut",
    data: { labels: statuses, datasets: [{ data: statuses.map((k) => +ha(d.remaining_by_status_m2[k])),
      backgroundColor: statuses.map((k) => STATUS_COLOURS[k] || "#999") }] } });
}

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
    $("#victims").innerHTML = "";
    $("#picked").textContent = "none picked";
  } catch (err) {
    say(`Not filed: ${err.message}`, true);
  }
});

// ---- Reviewing ----

const REVIEWED = ["accidents", "items", "releases", "hazards", "activities"];

async function loadReview() {
  const body = $("#review-table tbody");
  body.innerHTML = "";
  for (const entity of REVIEWED) {
    let list;
    try {
      list = await api("GET", `/api/${entity}?workflow=submitted`);
    } catch (err) {
      say(err.message, true);
      return;
    }
    for (const r of list.records) {
      const tr = document.createElement("tr");
      const details = Object.entries(r).filter(([k]) => !["id", "workflow", "geometry"].includes(k))
        .slice(0, 6).map(([k, v]) => `${k}: ${v}`).join("; ");
      tr.innerHTML = `<td>${escapeHtml(r.id)}</td><td>${escapeHtml(r.date || r.found || r.reported || "")}</td>` +
        `<td>${escapeHtml(details)}</td><td><button class="approve">Approve</button> <button class="reject">Reject</button></td>`;
      tr.querySelector(".approve").addEventListener("click", () => decide(entity, r.id, "approve"));
      tr.querySelector(".reject").addEventListener("click", () => {
        const reason = prompt(`Why is ${r.id} rejected?`);
        if (reason) decide(entity, r.id, "reject", reason);
      });
      body.append(tr);
    }
  }
  if (!body.children.length) body.innerHTML = "<tr><td colspan=4>Nothing waits for approval.</td></tr>";
}

async function decide(entity, id, action, reason) {
  try {
    await api("POST", `/api/${entity}/${id}/${action}`, reason ? { reason } : {});
    say(`${id} ${action === "approve" ? "approved" : "rejected"}.`);
    if (action === "approve" && state.map && state.map.getSource("minemap")) {
      // Approved records appear in the tiles: reload them.
      const src = state.map.getSource("minemap");
      src.setTiles(src.tiles);
    }
  } catch (err) {
    say(err.message, true);
  }
  loadReview();
}

// ---- Start ----

startMap();
api("GET", "/session").then((s) => (session = s), () => (session = null)).finally(showSession);
