// End-to-end test of the map's tools in headless Chromium (as tests/e2e/web.mjs): the
// search finds a demo hazard by name and a place by coordinates (decimal both ways round,
// and degrees-minutes-seconds) and the map moves there; a status filter leaves only
// hazards of that status rendered; the time slider hides the accidents outside its
// years; the layer switcher hides a layer; the measure tool gives the haversine
// distance; the export gives the filtered features (GeoJSON, CSV, and the server's
// GeoPackage); a feature's details use the data model's labels; the print layout shows its title,
// legend, scale and north arrow and calls window.print(). Every check of the map reads
// the map's rendered features (map.queryRenderedFeatures). Screenshots go to
// $MINEMAP_ARTIFACTS (default: a folder e2e-artifacts beside the minemap binary).
//
//   MINEMAP_BIN=build/release/minemap node tests/e2e/map.mjs
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, mkdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import assert from "node:assert/strict";
import { startServe, launchChromium, watchPage } from "./common.mjs";

const bin = resolve(process.env.MINEMAP_BIN || "minemap");
const artifacts = resolve(process.env.MINEMAP_ARTIFACTS || join(dirname(bin), "e2e-artifacts"));
mkdirSync(artifacts, { recursive: true });
const work = mkdtempSync(join(tmpdir(), "minemap-map-e2e-"));
const PASSWORD = "a long password";

let server, browser;
const steps = [];
function step(name) {
  steps.push(name);
  console.log(`- ${name}`);
}

try {
  execFileSync(bin, ["demo", "--dir", join(work, "demo"), "--no-serve"], { encoding: "utf8" });
  const store = join(work, "demo", "demo.gpkg");
  execFileSync(bin, ["user", "add", store, "guest", "--role", "viewer"], { input: PASSWORD + "\n", encoding: "utf8" });
  // The risk model's tiles of the demo (risk predict --tiles), served with --risk.
  const riskTiles = join(work, "risk.mbtiles");
  execFileSync(bin, ["risk", "grid", store, "--cell", "200", "-o", join(work, "grid.gpkg")], { encoding: "utf8" });
  execFileSync(bin, ["risk", "train", "--grid", join(work, "grid.gpkg"), "--no-search", "-q",
    "-o", join(work, "model.json")], { encoding: "utf8" });
  execFileSync(bin, ["risk", "predict", "--model", join(work, "model.json"), "--grid", join(work, "grid.gpkg"),
    "-o", join(work, "risk.gpkg"), "--tiles", riskTiles, "-q"], { encoding: "utf8" });
  let base;
  ({ server, base } = await startServe(bin, store, ["--risk", riskTiles]));
  browser = await launchChromium();
  const foreign = [];
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  const page = await context.newPage();
  watchPage(page, [base], foreign);

  const idle = () => page.waitForFunction(() => {
    const m = window.minemap.map;
    return m && window.minemap.toolsReady && m.loaded() && m.areTilesLoaded() && !m.isMoving();
  }, null, { timeout: 60000 });
  const rendered = (layer) => page.evaluate((l) =>
    window.minemap.map.queryRenderedFeatures({ layers: [l] }).map((f) => f.properties), layer);
  const center = () => page.evaluate(() => window.minemap.map.getCenter().toArray());
  const near = ([lon, lat], [x, y], tol) => Math.abs(lon - x) < tol && Math.abs(lat - y) < tol;

  await page.goto(`${base}app/#map`);
  await idle();
  const data = await page.evaluate(async () => {
    const get = async (c) => (await (await fetch(`/collections/${c}/items?limit=10000`)).json()).features;
    return { hazards: await get("hazards"), accidents: await get("accidents") };
  });
  const schema = await page.evaluate(async () => (await fetch("/api/schema")).json());
  const H = schema.find((e) => e.name === "hazards");
  const field = (name) => H.fields.find((f) => f.name === name);
  assert.ok(data.hazards.length > 1 && data.accidents.length > 1, "the demo has hazards and accidents");

  // 1. Search by name: a hazard's name, typed in part; the map flies to it, outlines
  // it, opens its details, and draws it there.
  const named = data.hazards.find((f) => f.properties.name &&
    data.hazards.filter((g) => String(g.properties.name || "").toLowerCase().includes(f.properties.name.toLowerCase())).length === 1);
  assert.ok(named, "a demo hazard with a name of its own");
  const hzId = named.id ?? named.properties.id;
  const xs = named.geometry.coordinates.flat(3).filter((_, i) => i % 2 === 0);
  const ys = named.geometry.coordinates.flat(3).filter((_, i) => i % 2 === 1);
  const bbox = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
  // Away first, so that the move is the search's.
  await page.evaluate(() => window.minemap.map.jumpTo({ center: [0, 0], zoom: 3 }));
  await page.fill("#search-q", named.properties.name.slice(1).toUpperCase());
  await page.click("#map-search button");
  await page.locator(`#search-results button:has-text("${hzId}")`).click({ timeout: 20000 });
  await page.waitForFunction(() => document.querySelector(".maplibregl-popup"), null, { timeout: 20000 });
  await idle();
  const [cx, cy] = await center();
  assert.ok(cx >= bbox[0] && cx <= bbox[2] && cy >= bbox[1] && cy <= bbox[3],
    `the map is not on ${hzId}: centre ${cx}, ${cy}, hazard ${bbox}`);
  const here1 = await rendered("hazards");
  assert.ok(here1.some((p) => p.id === hzId), `${hzId} is not drawn where the search went`);
  const popup = await page.textContent(".maplibregl-popup-content");
  const esc = (t) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  // Its kind, id and name first; the fields by their labels, codes in words.
  assert.match(popup, new RegExp(`^${esc(H.singular)}\\s*ID\\s*${esc(hzId)}\\s*${esc(field("name").label)}\\s*${esc(named.properties.name)}`),
    `popup: ${popup}`);
  const cells = await page.evaluate(() => [...document.querySelectorAll(".maplibregl-popup-content tr")]
    .map((tr) => [tr.cells[0].textContent, tr.cells[1].textContent]));
  const keys = cells.map(([k]) => k);
  assert.ok(keys.length > 2 && keys.every((k) => !k.includes("_")), `field names keep underscores: ${keys}`);
  for (const name of ["type", "status"]) {
    const f = field(name);
    assert.ok(cells.some(([k, v]) => k === f.label && v === f.labels[named.properties[name]]),
      `${name} not as "${f.label}: ${f.labels[named.properties[name]]}": ${JSON.stringify(cells)}`);
  }
  const codes = H.fields.filter((f) => f.type === "enum" && f.values.some((v) => /_/.test(v))).flatMap((f) => f.values);
  assert.ok(cells.every(([, v]) => !codes.includes(v) && !/\b[A-Z]+_[A-Z_]+\b/.test(v)), `raw codes in the details: ${JSON.stringify(cells)}`);
  if ("area_m2" in named.properties)
    assert.match(popup, new RegExp(`${esc(field("area_m2").label)}\\s*[\\d,]+ m² \\([\\d.,]+ ha\\)`), `area not in m² and ha: ${popup}`);
  assert.equal(await page.evaluate(() => document.querySelector(".maplibregl-popup-content").scrollTop), 0);
  const outlined = await page.evaluate(() => window.minemap.map.queryRenderedFeatures({ layers: ["search-hit"] }).length);
  assert.ok(outlined > 0, "the hazard found is not outlined");
  await page.screenshot({ path: join(artifacts, "map-1-search-name.png") });
  step(`search "${named.properties.name.slice(1).toUpperCase()}" flew to ${hzId}, outlined it and opened its details`);

  // By id too.
  await page.evaluate(() => { window.minemap.popup.remove(); window.minemap.map.jumpTo({ center: [0, 0], zoom: 3 }); });
  await page.fill("#search-q", hzId.toLowerCase());
  await page.click("#map-search button");
  await page.waitForFunction(() => document.querySelector(".maplibregl-popup"), null, { timeout: 20000 });
  await idle();
  assert.ok((await rendered("hazards")).some((p) => p.id === hzId), `search by id did not go to ${hzId}`);
  step(`search "${hzId.toLowerCase()}" went to ${hzId}`);

  // 2. Search by coordinates: an accident's place, typed three ways; the map centres
  // on it and draws the accident there.
  const acc = data.accidents[0];
  const [alon, alat] = acc.geometry.coordinates;
  const dms = (v, pos, neg) => {
    const a = Math.abs(v), d = Math.floor(a), m = Math.floor((a - d) * 60), s = ((a - d) * 60 - m) * 60;
    return `${d}°${m}'${s.toFixed(2)}"${v < 0 ? neg : pos}`;
  };
  for (const typed of [`${alat.toFixed(6)}, ${alon.toFixed(6)}`, `${alon.toFixed(6)} ${alat.toFixed(6)}`,
    `${dms(alat, "N", "S")} ${dms(alon, "E", "W")}`]) {
    await page.evaluate(() => window.minemap.map.jumpTo({ center: [0, 0], zoom: 3 }));
    await page.fill("#search-q", typed);
    await page.click("#map-search button");
    await page.waitForFunction(() => window.minemap.map.getZoom() > 10 && !window.minemap.map.isMoving(), null, { timeout: 20000 });
    await idle();
    const c = await center();
    assert.ok(near(c, [alon, alat], 1e-4), `"${typed}": the map is at ${c}, not ${alon}, ${alat}`);
    const there = await page.evaluate(([lon, lat]) => {
      const m = window.minemap.map, p = m.project([lon, lat]);
      return m.queryRenderedFeatures([[p.x - 6, p.y - 6], [p.x + 6, p.y + 6]], { layers: ["accidents"] }).map((f) => f.properties.id);
    }, [alon, alat]);
    assert.ok(there.includes(acc.id ?? acc.properties.id), `"${typed}": accident ${acc.id} not drawn at the place`);
    step(`search "${typed}" centred the map on accident ${acc.id ?? acc.properties.id}`);
  }
  await page.screenshot({ path: join(artifacts, "map-2-search-coordinates.png") });

  // 3. Filters: hazards to one status. All hazards in view, unclustered.
  const all = data.hazards.map((f) => f.geometry.coordinates.flat(3));
  const hx = all.flat().filter((_, i) => i % 2 === 0), hy = all.flat().filter((_, i) => i % 2 === 1);
  await page.evaluate((b) => window.minemap.map.fitBounds(b, { padding: 40, duration: 0 }),
    [[Math.min(...hx), Math.min(...hy)], [Math.max(...hx), Math.max(...hy)]]);
  await page.evaluate(() => document.querySelector("#filters").open = true);
  await idle();
  const before = await rendered("hazards");
  const statuses = [...new Set(before.map((p) => p.status))];
  assert.ok(before.length > 1 && statuses.length > 1, `hazards of one status only drawn: ${statuses}`);
  const wanted = statuses.includes("closed") ? "closed" : statuses[0];
  await page.check(`#f-status input[value=${wanted}]`);
  await idle();
  const after = await rendered("hazards");
  assert.ok(after.length > 0, `no ${wanted} hazard drawn with the filter`);
  assert.ok(after.every((p) => p.status === wanted), `other statuses drawn: ${[...new Set(after.map((p) => p.status))]}`);
  assert.ok(after.length < before.length, "the filter hid nothing");
  assert.ok(await page.isVisible("#filter-note"), "the note on clusters is not shown");
  assert.equal(await page.evaluate(() => window.minemap.map.getLayoutProperty("hazards-clusters", "visibility")), "none");
  await page.screenshot({ path: join(artifacts, "map-3a-status-filter.png") });
  step(`status filter "${wanted}": ${before.length} hazards drawn before, ${after.length} after, all ${wanted}`);

  // The export takes the same filter.
  await page.evaluate(() => document.querySelector("#tools").open = true);
  await page.selectOption("#export-layer", "hazards");
  await page.click("#export-geojson");
  await page.waitForFunction(() => window.minemap.exported || document.querySelector("#message.error"), null, { timeout: 20000 });
  assert.ok(await page.evaluate(() => window.minemap.exported), `export failed: ${await page.textContent("#message")}`);
  assert.match(await page.evaluate(() => window.minemap.exported.file), /^minemap-hazards-.*\.geojson$/);
  const exported = await page.evaluate(() => JSON.parse(window.minemap.exported.text));
  const expected = data.hazards.filter((f) => f.properties.status === wanted).length;
  assert.equal(exported.features.length, expected);
  assert.ok(exported.features.every((f) => f.properties.status === wanted));
  await page.click("#export-csv");
  await page.waitForFunction(() => window.minemap.exported.format === "csv");
  const csv = await page.evaluate(() => window.minemap.exported.text);
  const lines = csv.trim().split(/\r\n/);
  assert.equal(lines.length, expected + 1, "one CSV line a hazard and a header");
  assert.match(lines[0], /^id,.*status.*,wkt$/);
  step(`export of the filtered hazards: ${expected} features as GeoJSON and CSV`);

  // The GeoPackage: a link to the server's export with the same filter.
  const gpkgHref = await page.getAttribute("#export-gpkg", "href");
  assert.match(gpkgHref, new RegExp(`^/collections/hazards/items\\?(.*&)?status=${wanted}(&|$)`));
  assert.match(gpkgHref, /[?&]f=gpkg(&|$)/);
  const gpkg = await page.evaluate(async (href) => {
    const r = await fetch(href);
    const head = new Uint8Array(await r.arrayBuffer()).subarray(0, 16);
    return { status: r.status, type: r.headers.get("content-type"), disposition: r.headers.get("content-disposition"),
      head: String.fromCharCode(...head) };
  }, gpkgHref);
  assert.equal(gpkg.status, 200);
  assert.equal(gpkg.type, "application/geopackage+sqlite3");
  assert.equal(gpkg.head, "SQLite format 3\0");
  assert.match(gpkg.disposition, /attachment; filename="minemap-hazards\.gpkg"/);
  const [gpkgFile] = await Promise.all([page.waitForEvent("download"), page.click("#export-gpkg")]);
  assert.equal(gpkgFile.suggestedFilename(), "minemap-hazards.gpkg");
  const saved = await gpkgFile.path();
  assert.equal(readFileSync(saved).subarray(0, 16).toString("latin1"), "SQLite format 3\0");
  const inGpkg = Number(execFileSync("/usr/bin/python3", ["-c", "import sqlite3, sys\n" +
    "c = sqlite3.connect(sys.argv[1])\n" +
    "t = c.execute(\"select table_name from gpkg_contents where data_type = 'features'\").fetchone()[0]\n" +
    "print(c.execute(f'select count(*) from \"{t}\"').fetchone()[0])", saved], { encoding: "utf8" }));
  assert.equal(inGpkg, expected, "the GeoPackage holds other hazards than the filter keeps");
  step(`GeoPackage export: ${gpkgHref} answers ${gpkg.type}, a SQLite file of the ${inGpkg} filtered hazards`);
  await page.uncheck(`#f-status input[value=${wanted}]`);

  // 4. The time slider over the accidents' years.
  const accIds = new Set(data.accidents.map((f) => f.id ?? f.properties.id));
  const ax = data.accidents.map((f) => f.geometry.coordinates[0]), ay = data.accidents.map((f) => f.geometry.coordinates[1]);
  await page.evaluate((b) => window.minemap.map.fitBounds(b, { padding: 60, duration: 0, maxZoom: 15 }),
    [[Math.min(...ax), Math.min(...ay)], [Math.max(...ax), Math.max(...ay)]]);
  await idle();
  const accBefore = await rendered("accidents");
  const years = [...new Set(accBefore.map((p) => parseInt(String(p.date), 10)))].sort();
  assert.ok(accBefore.length > 1 && years.length > 1 && accBefore.every((p) => accIds.has(p.id)),
    `accidents of one year only drawn: ${JSON.stringify(accBefore)}`);
  const [y0, y1] = [years[0], years[Math.floor((years.length - 1) / 2)]];
  await page.evaluate(([a, b]) => {
    for (const [id, v] of [["#year-from", a], ["#year-to", b]]) {
      const input = document.querySelector(id);
      input.value = v;
      input.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }, [y0, y1]);
  await idle();
  assert.equal(await page.textContent("#years-shown"), `${y0} to ${y1}`);
  const accAfter = await rendered("accidents");
  const outside = accBefore.filter((p) => parseInt(String(p.date), 10) > y1);
  assert.ok(outside.length > 0, "the period leaves nothing out");
  assert.ok(accAfter.length > 0, "no accident drawn in the period");
  assert.ok(accAfter.every((p) => { const y = parseInt(String(p.date), 10); return y >= y0 && y <= y1; }),
    `accidents outside ${y0}-${y1} drawn: ${accAfter.map((p) => p.date)}`);
  assert.ok(!accAfter.some((p) => outside.some((o) => o.id === p.id)));
  await page.screenshot({ path: join(artifacts, "map-3b-time-slider.png") });
  step(`time slider ${y0}-${y1}: ${accBefore.length} accidents drawn before, ${accAfter.length} after (${outside.length} later hidden)`);

  // 5. The layer switcher.
  await page.evaluate(() => document.querySelector("#layers").open = true);
  await page.uncheck("#layer-list input[data-layer=accidents]");
  await idle();
  assert.equal((await rendered("accidents")).length, 0, "accidents still drawn when switched off");
  await page.check("#layer-list input[data-layer=accidents]");
  await idle();
  assert.ok((await rendered("accidents")).length > 0, "accidents not drawn when switched on again");
  step("layer switcher hides and shows the accidents");

  // 5b. The risk model's layer: listed, drawn under the data, switched off and on, and a
  // click where only a cell is drawn gives its risk and what raised it.
  assert.ok(await page.locator("#layer-list input[data-layer=risk]").isChecked(), "the risk layer is listed and on");
  await page.evaluate(async () => {
    const [w, s, e, n] = (await (await fetch("/risk.json")).json()).bounds;
    // The cells' own zoom (the tiles' maxzoom), where each cell is drawn with why.
    const { maxzoom } = await (await fetch("/risk.json")).json();
    window.minemap.map.jumpTo({ center: [(w + e) / 2, (s + n) / 2], zoom: maxzoom + 0.5 });
  });
  await idle();
  const cellsDrawn = (await rendered("risk")).length;
  assert.ok(cellsDrawn > 0, "no risk cell drawn");
  const layers = await page.evaluate(() => window.minemap.map.getStyle().layers.map((l) => l.id));
  assert.ok(layers.indexOf("risk") < layers.indexOf("hazards"), "the risk layer is drawn over the hazards");
  await page.uncheck("#layer-list input[data-layer=risk]");
  await idle();
  assert.equal((await rendered("risk")).length, 0, "risk cells drawn when switched off");
  await page.check("#layer-list input[data-layer=risk]");
  await idle();
  const spot = await page.evaluate(() => {
    const m = window.minemap.map, c = m.getCanvas(), r = c.getBoundingClientRect();
    const data = ["accidents", "items", "record-mines", "records", "releases", "hazards"];
    for (let y = c.clientHeight / 2; y < c.clientHeight - 40; y += 23)
      for (let x = c.clientWidth / 2; x < c.clientWidth - 40; x += 23) {
        // (not under the panels that lie over the map)
        if (document.elementFromPoint(r.left + x, r.top + y) !== c) continue;
        const cells = m.queryRenderedFeatures([x, y], { layers: ["risk"] });
        if (cells.length && !m.queryRenderedFeatures([x, y], { layers: data }).length)
          return { x, y, cells: cells.length, props: cells[0].properties };
      }
    return null;
  });
  assert.ok(spot, "a place where only a risk cell is drawn");
  const canvasBox = await page.locator("#map canvas").boundingBox();
  await page.mouse.click(canvasBox.x + spot.x, canvasBox.y + spot.y);
  await page.waitForFunction(() => document.querySelector(".maplibregl-popup"), null, { timeout: 20000 });
  const riskPopup = await page.locator(".maplibregl-popup").innerText();
  assert.match(riskPopup, /Contamination risk \(model\)/);
  assert.match(riskPopup, new RegExp(`${(100 * spot.props.risk).toFixed(1).replace(/\.0$/, "")}%`));
  assert.equal(spot.props.cells, undefined, "a cell, not a square of cells, at the cells' zoom");
  assert.match(riskPopup, /Raised most by/);
  assert.match(riskPopup, new RegExp(`Cell\\s+${spot.props.cell}\\b`));
  assert.ok(await page.locator("#legend-risk").isVisible(), "the legend shows the risk colours");
  await page.screenshot({ path: join(artifacts, "map-3b-risk.png") });
  await page.evaluate(() => window.minemap.popup?.remove());
  step(`risk layer: ${cellsDrawn} cells or squares drawn, switched off and on, details "${riskPopup.split("\n").slice(0, 2).join(" ")}"`);

  // 6. Measure: two clicks on the map, the haversine distance between them.
  await page.click("#measure");
  const box = await page.locator("#map").boundingBox();
  const [p1, p2] = [{ x: 700, y: 300 }, { x: 1000, y: 600 }];
  await page.mouse.click(box.x + p1.x, box.y + p1.y);
  await page.mouse.click(box.x + p2.x, box.y + p2.y);
  const measured = await page.evaluate(([a, b]) => {
    const m = window.minemap.map;
    return { at: [m.unproject([a.x, a.y]).toArray(), m.unproject([b.x, b.y]).toArray()],
      got: window.minemap.measured, text: document.querySelector("#measure-out").textContent };
  }, [p1, p2]);
  const rad = Math.PI / 180, [[l1, f1], [l2, f2]] = measured.at;
  const h = Math.sin((f2 - f1) * rad / 2) ** 2 + Math.cos(f1 * rad) * Math.cos(f2 * rad) * Math.sin((l2 - l1) * rad / 2) ** 2;
  const metres = 2 * 6371008.8 * Math.asin(Math.sqrt(h));
  assert.ok(Math.abs(measured.got - metres) < metres * 1e-3, `measured ${measured.got}, expected ${metres}`);
  assert.match(measured.text, /^\d+(\.\d+)? (m|km)$/);
  assert.equal(await page.evaluate(() => document.querySelectorAll(".maplibregl-popup").length), 0, "a click while measuring opened details");
  await page.screenshot({ path: join(artifacts, "map-4-measure.png") });
  await page.click("#measure");
  step(`measure: ${measured.text} between two clicks (haversine ${metres.toFixed(1)} m)`);

  // 7. The print layout: window.print() is called with the layout shown.
  await page.evaluate(() => { window.print = () => { window.printedWith = {
    title: !document.querySelector("#print-head").hidden && document.querySelector("#print-title").textContent,
    meta: document.querySelector("#print-meta").textContent,
    header: getComputedStyle(document.querySelector("header")).display,
    tools: getComputedStyle(document.querySelector("#map-tools")).display,
    legend: getComputedStyle(document.querySelector("#legend")).display,
    north: getComputedStyle(document.querySelector("#north-arrow")).display,
    scale: !!document.querySelector(".maplibregl-ctrl-scale") }; }; });
  await page.click("#print");
  await page.waitForFunction(() => window.printedWith, null, { timeout: 20000 });
  const printed = await page.evaluate(() => window.printedWith);
  assert.equal(printed.title, "minemap");
  assert.match(printed.meta, /Printed \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
  assert.match(printed.meta, /Filters: accidents and items/);
  assert.equal(printed.header, "none");
  assert.equal(printed.tools, "none");
  assert.notEqual(printed.legend, "none");
  assert.notEqual(printed.north, "none");
  assert.ok(printed.scale);
  await page.screenshot({ path: join(artifacts, "map-5-print-layout.png") });
  await page.emulateMedia({ media: "print" });
  await page.pdf({ path: join(artifacts, "map-5-print.pdf"), landscape: true, format: "A4", printBackground: true });
  await page.emulateMedia({ media: "screen" });
  step(`print layout: "${printed.meta}"`);

  // 8. Signed in, the organisations are listed; one keeps only its hazards drawn.
  await page.reload();
  await idle();
  await page.fill("#login [name=name]", "guest");
  await page.fill("#login [name=password]", PASSWORD);
  await page.click("#login button");
  await page.waitForFunction(() => document.querySelector("#who").textContent.startsWith("guest"));
  const orgs = await page.evaluate(async () => (await (await fetch("/api/organisations?workflow=approved")).json()).records.map((o) => o.id));
  await page.waitForFunction((n) => document.querySelectorAll("#f-org option").length === n + 1, orgs.length, { timeout: 20000 });
  const withOrg = data.hazards.filter((f) => f.properties.organisation_id);
  if (withOrg.length) {
    const org = withOrg[0].properties.organisation_id;
    await page.evaluate((b) => window.minemap.map.fitBounds(b, { padding: 40, duration: 0 }),
      [[Math.min(...hx), Math.min(...hy)], [Math.max(...hx), Math.max(...hy)]]);
    await page.evaluate(() => document.querySelector("#filters").open = true);
    await page.selectOption("#f-org", org);
    await idle();
    const ofOrg = await rendered("hazards");
    assert.ok(ofOrg.length > 0 && ofOrg.every((p) => p.organisation_id === org), `organisation filter: ${JSON.stringify(ofOrg.map((p) => p.organisation_id))}`);
    step(`organisation filter ${org}: ${ofOrg.length} hazards drawn, all of it`);
  } else step(`signed in, the ${orgs.length} organisations are listed (no demo hazard names one)`);

  assert.deepEqual(foreign, [], "requests left the server");
  console.log(`map end-to-end: ${steps.length} steps passed; screenshots in ${artifacts}`);
} finally {
  if (browser) await browser.close();
  if (server) server.kill("SIGTERM");
  rmSync(work, { recursive: true, force: true });
}
