// End-to-end test of the web application in headless Chromium (Debian's chromium,
// driven by playwright-core): a data entry user signs in, sees the hazards drawn on
// the map (through the map's rendered features, not the DOM), files an accident
// through the form and a new hazard drawn on the map; a verifier approves the accident
// (its fields shown with the data model's labels) and the dashboard counts it; the
// dashboard's filters give the API's figures for a period, an organisation and an
// administrative area, refuse a reversed period in the message banner, and its charts
// export as CSV (rows matching the chart) and PNG; a viewer cannot reach the forms.
// Then the data entry user draws land released on the map by clicking its corners and
// files the activity report, files two items found by clicking where they lay; the
// verifier approves them and opens the hazard's page: its fields with labels and
// references by name, its activity with the land released, the items, the history and
// the reliability of its minefield record; a hazard with accidents inside it lists and
// maps them as the API does; the signals of unknown contamination are listed as the API
// gives them, one drawn, and one written as a draft SHA in one click, then approved.
// Screenshots go to $MINEMAP_ARTIFACTS (default: a folder
// e2e-artifacts beside the minemap binary).
//
//   MINEMAP_BIN=build/dev/minemap node tests/e2e/web.mjs
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, mkdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import assert from "node:assert/strict";
import { startServe, launchChromium, watchPage } from "./common.mjs";

const here = dirname(new URL(import.meta.url).pathname);

const bin = resolve(process.env.MINEMAP_BIN || "minemap");
const artifacts = resolve(process.env.MINEMAP_ARTIFACTS || join(dirname(bin), "e2e-artifacts"));
mkdirSync(artifacts, { recursive: true });
const work = mkdtempSync(join(tmpdir(), "minemap-e2e-"));
const PASSWORD = "a long password";

function minemap(args, input) {
  return execFileSync(bin, args, { input, encoding: "utf8" });
}

let server, bmServer, browser;
const steps = [];

// A CSV's rows (RFC 4180: quoted cells may hold commas and doubled quotes).
function parseCsv(text) {
  const rows = [];
  let row = [], cell = "", quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') quoted = false; else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") { row.push(cell); cell = ""; }
    else if (c === "\n") { row.push(cell.replace(/\r$/, "")); rows.push(row); row = []; cell = ""; }
    else cell += c;
  }
  if (cell || row.length) rows.push([...row, cell]);
  return rows;
}

function step(name) {
  steps.push(name);
  console.log(`- ${name}`);
}

try {
  minemap(["demo", "--dir", join(work, "demo"), "--no-serve"]);
  const store = join(work, "demo", "demo.gpkg");
  for (const [name, role] of [["ops1", "data_entry"], ["amina", "verifier"], ["guest", "viewer"]])
    minemap(["user", "add", store, name, "--role", role], PASSWORD + "\n");
  // The hazard whose page is checked: a demo minefield record is made one of its records.
  const HAZARD = "HZ-000002";
  minemap(["update", store, "records", "MR-SYN-1", "-", "--reason", "the record of this field"],
    JSON.stringify({ hazard_id: HAZARD }));

  let base;
  ({ server, base } = await startServe(bin, store));
  browser = await launchChromium();
  // The data model's labels: entity -> field -> {label, labels}, and each entity's singular.
  const model = Object.fromEntries((await (await fetch(`${base}api/schema`)).json()).map((e) =>
    [e.name, { singular: e.singular, ...Object.fromEntries(e.fields.map((f) => [f.name, f])) }]));
  const esc = (t) => String(t).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

  // Every request must go to our servers: nothing from the internet.
  const foreign = [];
  const servers = [base];
  async function newPage() {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    watchPage(page, servers, foreign);
    return page;
  }
  async function signIn(page, name) {
    await page.goto(`${base}app/#map`);
    await page.fill("#login [name=name]", name);
    await page.fill("#login [name=password]", PASSWORD);
    await page.click("#login button");
    await page.waitForFunction((n) => document.querySelector("#who").textContent.startsWith(n), name);
  }
  async function mapIdle(page) {
    await page.waitForFunction(() => window.minemap.map && window.minemap.map.getLayer("hazards") &&
      window.minemap.map.loaded() && window.minemap.map.areTilesLoaded(), null, { timeout: 60000 });
  }
  async function formMapReady(page, name) {
    await page.waitForFunction((n) => {
      const m = window.minemap.formMaps[n];
      return m && m.getSource("focus") && m.loaded() && m.areTilesLoaded() && !m.isMoving();
    }, name, { timeout: 60000 });
  }
  // Corners about the middle of a hazard, as pixels of a form's map.
  async function hazardCorners(page, name, id) {
    return page.evaluate(async ([n, hz]) => {
      const h = await (await fetch(`/api/hazards/${hz}`)).json();
      const cs = h.geometry.coordinates.flat(2);
      const xs = cs.map((c) => c[0]), ys = cs.map((c) => c[1]);
      const [cx, cy] = [(Math.min(...xs) + Math.max(...xs)) / 2, (Math.min(...ys) + Math.max(...ys)) / 2];
      const m = window.minemap.formMaps[n];
      return [[-0.0003, -0.00022], [0.0003, -0.00022], [0.0003, 0.00022], [-0.0003, 0.00022]]
        .map(([dx, dy]) => m.project([cx + dx, cy + dy])).map((p) => ({ x: p.x, y: p.y }));
    }, [name, id]);
  }
  async function dashboardCounts(page) {
    await page.click("nav button[data-view=dashboard]");
    await page.waitForFunction(() => window.minemap.charts.length === 4 && window.minemap.dashboard);
    return page.evaluate(async () => (await (await fetch("/api/stats")).json()));
  }

  // 1. Data entry: the map draws the hazards.
  const ops = await newPage();
  await signIn(ops, "ops1");
  await mapIdle(ops);
  const drawn = await ops.evaluate(() => {
    const m = window.minemap.map;
    return { hazards: m.queryRenderedFeatures({ layers: ["hazards"] }).length,
      items: m.queryRenderedFeatures({ layers: ["items"] }).length,
      land: m.queryRenderedFeatures({ layers: ["land"] }).length };
  });
  assert.ok(drawn.hazards > 0, `no hazard drawn: ${JSON.stringify(drawn)}`);
  assert.ok(drawn.land > 0, "the offline base is not drawn");
  await ops.screenshot({ path: join(artifacts, "1-map.png") });
  step(`map draws ${drawn.hazards} hazard, ${drawn.items} item and ${drawn.land} land features`);

  const before = await dashboardCounts(ops);
  await ops.screenshot({ path: join(artifacts, "2-dashboard-before.png") });

  // 2. The accident form.
  await ops.click("nav button[data-view=report]");
  const [lon, lat] = await ops.evaluate(() => window.minemap.map.getCenter().toArray());
  await ops.fill("#accident-form [name=date]", "2025-06-02");
  await ops.selectOption("#accident-form [name=type]", "mine");
  await ops.selectOption("#accident-form [name=device_category]", "AP_MINE");
  await ops.fill("#accident-form [name=lon]", String(lon));
  await ops.fill("#accident-form [name=lat]", String(lat));
  await ops.click("#add-victim");
  await ops.selectOption("#victims .victim:last-child [name=outcome]", "killed");
  await ops.fill("#victims .victim:last-child [name=age]", "34");
  await ops.click("#accident-form button:not([type=button])");
  await ops.waitForFunction(() => /submitted for approval/.test(document.querySelector("#message").textContent));
  const filed = (await ops.textContent("#message")).match(/ACC-\d+/)[0];
  await ops.screenshot({ path: join(artifacts, "3-report-filed.png") });
  step(`data entry filed ${filed} through the form`);

  // 3. The verifier reviews it with the facts (its map, victims, who filed it), rejects
  // it with a reason; the data entry user sees the reason under My reports, edits the
  // date and submits it again; the verifier sees what changed, and approves.
  const ver = await newPage();
  await signIn(ver, "amina");
  await ver.click("nav button[data-view=review]");
  const row = ver.locator("#review-table tr", { hasText: filed });
  await row.waitFor();
  await row.locator("button.details").click();
  const details = ver.locator("#review-table tr.review-details");
  await details.locator(".who").waitFor();
  assert.match(await details.locator(".who").textContent(), /filed by ops1/);
  assert.match(await details.locator(".review-children").textContent(), /killed/i);
  // Labels, not codes: the device by its label, no raw enum code in the fields.
  const device = model.accidents.device_category;
  const reviewed = await details.locator("table.fields").textContent();
  assert.match(reviewed, new RegExp(`${esc(device.label)}\\s*${esc(device.labels.AP_MINE)}`), `review fields: ${reviewed}`);
  assert.doesNotMatch(reviewed, /AP_MINE/);
  await ver.waitForFunction(() => {
    const m = window.minemap.reviewMap;
    return m && m.getLayer("review-point") && m.queryRenderedFeatures({ layers: ["review-point"] }).length === 1;
  });
  await ver.screenshot({ path: join(artifacts, "4-review.png") });
  ver.once("dialog", (d) => d.accept("the date is the day of the report, not of the accident"));
  await row.locator("button.reject").click();
  await ver.waitForFunction((id) => document.querySelector("#message").textContent.includes(`${id} rejected`), filed);
  step(`verifier saw ${filed}'s map, victim and submitter, and rejected it with a reason`);

  await ops.click("nav button[data-view=mine]");
  const mine = ops.locator("#mine-table tr", { hasText: filed });
  await mine.waitFor();
  assert.equal(await mine.locator(".reason").textContent(), "the date is the day of the report, not of the accident");
  await ops.screenshot({ path: join(artifacts, "4b-my-reports.png") });
  await mine.locator("a.edit").click();
  await ops.locator("#edit-form [name=date]").waitFor();
  assert.match(await ops.textContent("#edit-reason"), /the date is the day of the report/);
  assert.equal(await ops.inputValue("#edit-form [name=date]"), "2025-06-02");
  await ops.fill("#edit-form [name=date]", "2025-06-01");
  await ops.click("#edit-form button[name=resubmit]");
  await ops.waitForFunction((id) => document.querySelector("#message").textContent.includes(`${id} saved and submitted`), filed);
  step(`data entry read the reason under My reports, edited ${filed} and submitted it again`);

  // A new hazard, its polygon drawn on the form's map by clicking its corners, filed and
  // submitted from the hazard form.
  await ops.click("nav button[data-view=hazards]");
  await ops.click("#new-hazard");
  await ops.locator("#edit-form [name=name]").waitFor();
  await ops.fill("#edit-form [name=name]", "North terrace of the new survey");
  await ops.selectOption("#edit-form [name=type]", "SHA");
  assert.equal(await ops.textContent("#edit-form [name=type] option[value=SHA]"), model.hazards.type.labels.SHA);
  await ops.selectOption("#edit-form [name=status]", "open");
  const d = 0.002;
  await formMapReady(ops, "edit");
  await ops.evaluate(([x, y]) => window.minemap.formMaps.edit.jumpTo({ center: [x, y], zoom: 15 }), [lon, lat]);
  await formMapReady(ops, "edit");
  const hzCorners = [[lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d], [lon - d, lat + d]];
  const hzPixels = await ops.evaluate((cs) => cs.map((c) => window.minemap.formMaps.edit.project(c))
    .map((p) => ({ x: p.x, y: p.y })), hzCorners);
  for (const at of hzPixels) await ops.click("#edit-map canvas", { position: at });
  assert.match(await ops.textContent("#edit-draw-status"), /^4 points/);
  await ops.click("#edit-draw-finish");
  const drawnHz = JSON.parse(await ops.inputValue("#edit-form [name=geometry]"));
  assert.equal(drawnHz.type, "MultiPolygon");
  const ring = drawnHz.coordinates[0][0];
  assert.equal(ring.length, 5, "four corners and the first again");
  hzCorners.forEach(([x, y], i) => assert.ok(Math.abs(ring[i][0] - x) < 1e-4 && Math.abs(ring[i][1] - y) < 1e-4,
    `corner ${i}: ${ring[i]} for ${x}, ${y}`));
  // The map's source takes the drawing in a worker: waited for, not read at once.
  await ops.waitForFunction(() => window.minemap.formMaps.edit.querySourceFeatures("draw")
    .some((f) => f.properties.kind === "shape"), null, { timeout: 20000 })
    .catch(() => assert.fail("the drawn polygon is not on the form's map"));
  await ops.screenshot({ path: join(artifacts, "4a-hazard-drawn.png") });
  await ops.click("#edit-form button[name=resubmit]");
  await ops.waitForFunction(() => /HZ-\d+ saved and submitted/.test(document.querySelector("#message").textContent));
  const newHazard = (await ops.textContent("#message")).match(/HZ-\d+/)[0];
  const mineHz = ops.locator("#mine-table tr", { hasText: newHazard });
  await mineHz.waitFor();
  assert.match(await mineHz.textContent(), /submitted/);
  assert.match(await mineHz.textContent(), new RegExp(esc(model.hazards.singular)));
  const filedHz = await ops.evaluate(async (id) => (await (await fetch(`/api/hazards/${id}`)).json()).geometry, newHazard);
  assert.equal(filedHz.coordinates[0][0].length, 5);
  step(`data entry filed the new hazard ${newHazard} from the hazard form, its polygon drawn by clicking its corners`);

  await ver.click("nav button[data-view=map]");
  await ver.click("nav button[data-view=review]");
  await row.waitFor();
  await row.locator("button.details").click();
  await details.locator(".since-rejection").waitFor();
  assert.match(await details.locator(".since-rejection").textContent(), /date: 2025-06-02 → 2025-06-01/i);
  await ver.screenshot({ path: join(artifacts, "4c-review-changed.png") });
  await row.locator("button.approve").click();
  await ver.waitForFunction((id) => document.querySelector("#message").textContent.includes(`${id} approved`), filed);
  step(`verifier saw what changed since the rejection and approved ${filed}`);

  // 4. The dashboard counts it.
  // The figures are computed again after a change; while that takes longer than 150 ms
  // (a loaded machine), the previous ones answer (docs/api.md): waited for.
  let after = await dashboardCounts(ver);
  for (const deadline = Date.now() + 30000;
    after.accidents.count === before.accidents.count && Date.now() < deadline;) {
    await ver.waitForTimeout(250);
    after = await ver.evaluate(async () => (await (await fetch("/api/stats")).json()));
  }
  assert.equal(after.accidents.count, before.accidents.count + 1);
  assert.equal(after.victims.killed, before.victims.killed + 1);
  const year = await ver.evaluate(() => window.minemap.dashboard.casualties["2025"]);
  assert.equal(year.civilian.killed, 1);
  await ver.screenshot({ path: join(artifacts, "5-dashboard-after.png") });
  step(`dashboard: accidents ${before.accidents.count} -> ${after.accidents.count}, killed ${before.victims.killed} -> ${after.victims.killed}`);

  // 4b. The dashboard's filters and exports. The figures shown are the API's.
  const getJson = (page, path) => page.evaluate(async (p) => {
    const r = await fetch(p);
    return { status: r.status, body: await r.json() };
  }, path);
  const shownFigures = () => ver.evaluate(() => Object.fromEntries([...document.querySelectorAll("#figures [data-figure]")]
    .map((el) => [el.dataset.figure, el.querySelector("b").textContent])));
  const expectedFigures = (f) => ({ hazards_open: String(f.hazards_open), remaining_m2: (f.remaining_m2 / 10000).toFixed(1),
    accidents: String(f.accidents), killed: String(f.killed), injured: String(f.injured),
    items_found: String(f.items_found), items_destroyed: String(f.items_destroyed) });
  const applied = (filters) => ver.waitForFunction((want) => {
    const d = window.minemap.dashboard, sorted = (o) => JSON.stringify(Object.entries(o || {}).sort());
    return d && sorted(d.filters) === sorted(want) && !document.querySelector("#message.error");
  }, filters, { timeout: 20000 });
  const whole = (await getJson(ver, "/api/dashboard")).body;
  assert.deepEqual(await shownFigures(), expectedFigures(whole.figures));
  // The casualties' years run on without a gap (an empty year is there), as the server sends them.
  const chartOf = (name) => ver.evaluate((n) => {
    const c = window.minemap.chartsByName[n];
    return { labels: c.data.labels, datasets: c.data.datasets.map((x) => ({ label: x.label, data: x.data })) };
  }, name);
  const axis = (await chartOf("casualties")).labels.filter((y) => y !== "unknown").map(Number);
  assert.ok(axis.length > 2, `casualty years: ${axis}`);
  axis.forEach((y, i) => assert.ok(i === 0 || y === axis[i - 1] + 1, `a gap in the casualty years: ${axis}`));
  assert.deepEqual(axis, Object.keys(whole.casualties).filter((y) => y !== "unknown").map(Number).sort((a, b) => a - b));
  const quarters = (await chartOf("released")).labels.filter((q) => /^\d{4}-Q[1-4]$/.test(q))
    .map((q) => Number(q.slice(0, 4)) * 4 + Number(q.slice(6)) - 1);
  quarters.forEach((q, i) => assert.ok(i === 0 || q === quarters[i - 1] + 1, "a gap in the quarters of land released"));

  // A period: the figures become the API's for it.
  await ver.fill("#dash-filters [name=from]", "2010");
  await ver.fill("#dash-filters [name=to]", "2015");
  await ver.click("#dash-filters button:not([type=button])");
  await applied({ from: "2010", to: "2015" });
  const period = (await getJson(ver, "/api/dashboard?from=2010&to=2015")).body;
  assert.deepEqual(await shownFigures(), expectedFigures(period.figures));
  assert.notEqual(period.figures.accidents, whole.figures.accidents, "the period changes nothing in the demo");
  assert.ok((await chartOf("casualties")).labels.every((y) => y >= "2010" && y <= "2015"));
  await ver.screenshot({ path: join(artifacts, "5b-dashboard-period.png") });
  step(`dashboard 2010-2015: ${period.figures.accidents} accidents of ${whole.figures.accidents}, the figures the API gives; casualty years ${axis[0]}-${axis.at(-1)} without a gap`);

  // The CSV of a chart holds its rows: the victims counted are the API's for the period.
  const [csvFile] = await Promise.all([ver.waitForEvent("download"),
    ver.click("figure[data-chart=casualties] [data-export=csv]")]);
  const csvDl = await ver.evaluate(() => window.minemap.lastDownload);
  assert.equal(csvDl.type, "text/csv");
  assert.equal(csvFile.suggestedFilename(), csvDl.name);
  assert.equal(readFileSync(await csvFile.path(), "utf8"), csvDl.text);
  const shownChart = await chartOf("casualties");
  const rows = parseCsv(csvDl.text);
  assert.deepEqual(rows[0], ["year", ...shownChart.datasets.map((x) => x.label)]);
  assert.deepEqual(rows.slice(1).map((r) => r[0]), shownChart.labels);
  rows.slice(1).forEach((r, i) => assert.deepEqual(r.slice(1).map(Number), shownChart.datasets.map((x) => x.data[i])));
  const victims = Object.values(period.casualties).flatMap((y) => Object.values(y))
    .reduce((n, g) => n + (g.killed || 0) + (g.injured || 0), 0);
  assert.equal(rows.slice(1).flatMap((r) => r.slice(1)).reduce((n, v) => n + Number(v), 0), victims);
  const [pngFile] = await Promise.all([ver.waitForEvent("download"),
    ver.click("figure[data-chart=casualties] [data-export=png]")]);
  const pngDl = await ver.evaluate(() => window.minemap.lastDownload);
  assert.equal(pngDl.type, "image/png");
  assert.ok(pngDl.head.startsWith("data:image/png;base64,"), `PNG export: ${pngDl.head}`);
  assert.ok(readFileSync(await pngFile.path()).subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])));
  step(`the casualties chart exports as CSV (${rows.length - 1} years, ${victims} victims as the API counts) and PNG (${pngDl.size} characters)`);

  // A reversed period is refused in the message banner; the figures stay.
  await ver.fill("#dash-filters [name=from]", "2015");
  await ver.fill("#dash-filters [name=to]", "2010");
  await ver.click("#dash-filters button:not([type=button])");
  await ver.waitForFunction(() => document.querySelector("#message.error"), null, { timeout: 20000 });
  const refused = await ver.textContent("#message");
  assert.match(refused, /from|to/, `the banner: ${refused}`);
  assert.equal((await getJson(ver, "/api/dashboard?from=2015&to=2010")).status, 400);
  assert.deepEqual(await shownFigures(), expectedFigures(period.figures));
  step(`a reversed period is refused: "${refused}"`);

  // An organisation: its figures, and the note that accidents name none; the error is gone.
  await ver.fill("#dash-filters [name=from]", "");
  await ver.fill("#dash-filters [name=to]", "");
  await ver.waitForFunction(() => document.querySelectorAll("#dash-filters [name=organisation] option").length > 1);
  const org = await ver.evaluate(() => document.querySelector("#dash-filters [name=organisation] option:nth-child(2)").value);
  await ver.selectOption("#dash-filters [name=organisation]", org);
  await ver.click("#dash-filters button:not([type=button])");
  await applied({ organisation: org });
  assert.equal(await ver.locator("#message.error").count(), 0, "the error stays after a good answer");
  const ofOrg = (await getJson(ver, `/api/dashboard?organisation=${org}`)).body;
  assert.deepEqual(await shownFigures(), expectedFigures(ofOrg.figures));
  assert.ok(ofOrg.not_by_organisation && await ver.isVisible("#casualties-note"), "no note that casualties ignore the organisation");
  // An administrative area, from a list sorted by name.
  const areas = await ver.evaluate(() => [...document.querySelectorAll("#dash-filters [name=admin_area] option")].slice(1)
    .map((o) => ({ id: o.value, name: o.textContent })));
  assert.ok(areas.length > 1);
  assert.deepEqual(areas.map((a) => a.name), [...areas.map((a) => a.name)].sort((a, b) => a.localeCompare(b)));
  await ver.selectOption("#dash-filters [name=organisation]", "");
  await ver.selectOption("#dash-filters [name=admin_area]", areas[0].id);
  await ver.click("#dash-filters button:not([type=button])");
  await applied({ admin_area: areas[0].id });
  const ofArea = (await getJson(ver, `/api/dashboard?admin_area=${areas[0].id}`)).body;
  assert.deepEqual(await shownFigures(), expectedFigures(ofArea.figures));
  assert.equal(await ver.isVisible("#casualties-note"), false);
  await ver.fill("#dash-filters [name=from]", "2012");
  await ver.selectOption("#dash-filters [name=admin_area]", "");
  await ver.selectOption("#dash-filters [name=organisation]", org);
  await ver.click("#dash-filters button:not([type=button])");
  await applied({ from: "2012", organisation: org });
  await ver.screenshot({ path: join(artifacts, "5c-dashboard-filters.png") });
  await ver.click("#dash-clear");
  await applied({});
  step(`dashboard by organisation ${org} (accidents ${ofOrg.figures.accidents}, noted as of every organisation) and by ${areas[0].name} (accidents ${ofArea.figures.accidents}), as the API counts`);

  // 5. A viewer sees no forms, and cannot open them by address.
  const guest = await newPage();
  await signIn(guest, "guest");
  assert.equal(await guest.isVisible("nav button[data-view=report]"), false);
  assert.equal(await guest.isVisible("nav button[data-view=review]"), false);
  await guest.goto(`${base}app/#report`);
  await guest.waitForFunction(() => document.querySelector("#who").textContent.startsWith("guest"));
  assert.equal(await guest.isVisible("#accident-form"), false);
  assert.match(await guest.textContent("#message"), /may not open/);
  const denied = await guest.evaluate(async () => {
    const s = await (await fetch("/session")).json();
    const r = await fetch("/api/accidents", { method: "POST", headers: { "Content-Type": "application/json",
      "X-CSRF-Token": s.csrf_token }, body: JSON.stringify({ date: "2025-01-01", type: "mine",
      geometry: { type: "Point", coordinates: [0, 0] } }) });
    return r.status;
  });
  assert.equal(denied, 403);
  await guest.screenshot({ path: join(artifacts, "6-viewer.png") });
  step("a viewer has no forms, and the API refuses their writes (403)");

  // 6. Data entry draws land released on the map and files the activity report.
  await ops.click("nav button[data-view=report]");
  await ops.click(".tabs button[data-form=activity]");
  await ops.selectOption("#activity-form [name=hazard_id]", HAZARD);
  await ops.selectOption("#activity-form [name=type]", "CLEARANCE");
  await ops.fill("#activity-form [name=start]", "2025-03-03");
  await ops.fill("#activity-form [name=end]", "2025-05-30");
  await ops.selectOption("#activity-form [name=method]", "manual");
  await formMapReady(ops, "activity");
  const corners = await hazardCorners(ops, "activity", HAZARD);
  await ops.click("#activity-map canvas", { position: corners[0] });
  await ops.click("#activity-map canvas", { position: { x: corners[0].x + 40, y: corners[0].y + 30 } });  // a slip ...
  await ops.click("#draw-undo");                                          // ... undone
  for (const at of corners.slice(1)) await ops.click("#activity-map canvas", { position: at });
  assert.match(await ops.textContent("#draw-status"), /^4 points/);
  await ops.click("#draw-finish");
  assert.equal(await ops.locator("#releases .release").count(), 1);
  assert.equal(await ops.inputValue("#releases .release [name=outcome]"), "cleared");
  await ops.fill("#releases .release [name=date]", "2025-05-30");
  await ops.waitForFunction(() =>
    window.minemap.formMaps.activity.querySourceFeatures("draw").some((f) => f.properties.kind === "release"),
  null, { timeout: 20000 }).catch(() => assert.fail("the drawn polygon is not on the map"));
  await ops.screenshot({ path: join(artifacts, "7-activity-drawn.png") });
  await ops.click("#activity-form button:not([type=button])");
  await ops.waitForFunction(() => /ACT-\d+ filed/.test(document.querySelector("#message").textContent));
  const actMessage = await ops.textContent("#message");
  const activity = actMessage.match(/ACT-\d+/)[0];
  const release = actMessage.match(/LR-\d+/)[0];
  step(`data entry drew ${release} on the map and filed ${activity} with it`);

  // A server error names the field in the form: a release outside its hazard.
  await ops.click(".paste summary");
  await ops.fill("#paste-polygon", "POLYGON((10 10, 10.001 10, 10.001 10.001, 10 10))");
  await ops.click("#paste-add");
  await ops.click("#activity-form button:not([type=button])");
  await ops.waitForFunction(() => !document.querySelector("#activity-form .form-error").hidden);
  assert.match(await ops.textContent("#activity-form .form-error"), /releases\[0\].*outside/);
  assert.equal(await ops.locator("#releases .release.invalid").count(), 1);
  await ops.click("#releases .release .remove");
  step("a release outside its hazard is refused, the form says which");

  // 7. Items found, placed by clicking the map.
  await ops.click(".tabs button[data-form=items]");
  await ops.selectOption("#items-form [name=hazard_id]", HAZARD);
  await formMapReady(ops, "items");
  await ops.waitForFunction((a) => [...document.querySelectorAll("#items-form [name=activity_id] option")]
    .some((o) => o.value === a), activity);
  await ops.selectOption("#items-form [name=activity_id]", activity);
  await ops.fill("#items-form [name=found]", "2025-04-11");
  await ops.selectOption("#items-form [name=disposal]", "destroyed_in_situ");
  const spots = await hazardCorners(ops, "items", HAZARD);
  await ops.click("#items-map canvas", { position: spots[0] });
  await ops.click("#items-map canvas", { position: spots[2] });
  assert.equal(await ops.locator("#items .item").count(), 2);
  await ops.fill("#items .item:nth-child(1) [name=model]", "PMN-2");
  await ops.selectOption("#items .item:nth-child(2) [name=category]", "UXO");
  await ops.fill("#items .item:nth-child(2) [name=depth_cm]", "12");
  await ops.screenshot({ path: join(artifacts, "8-items.png") });
  await ops.click("#items-form button:not([type=button])");
  await ops.waitForFunction(() => /IT-\d+, IT-\d+ filed/.test(document.querySelector("#message").textContent));
  const items = (await ops.textContent("#message")).match(/IT-\d+/g);
  step(`data entry filed items ${items.join(", ")} by clicking the map`);

  // 8. The verifier approves the activity (its land released with it) and the items.
  await ver.click("nav button[data-view=dashboard]");
  await ver.click("nav button[data-view=review]");
  const reviewRow = (id) => ver.locator("#review-table tr", { has: ver.locator("td:first-child", { hasText: new RegExp(`^${id}$`) }) });
  const actRow = reviewRow(activity);
  await actRow.waitFor();
  assert.match(await actRow.textContent(), new RegExp(`${release} ${esc(model.releases.outcome.labels.cleared)}`));
  // The release is decided with its activity, not on a row of its own.
  assert.equal(await ver.locator("#review-table td:first-child", { hasText: release }).count(), 0);
  await ver.screenshot({ path: join(artifacts, "9-review-activity.png") });
  await actRow.locator("button.approve").click();
  await ver.waitForFunction((id) => document.querySelector("#message").textContent.includes(`${id} approved`), activity);
  for (const it of items) {
    const r = reviewRow(it);
    await r.waitFor();
    await r.locator("button.approve").click();
    await ver.waitForFunction((id) => document.querySelector("#message").textContent.includes(`${id} approved`), it);
  }
  step(`verifier approved ${activity} (with ${release}) and ${items.length} items`);

  // 9. The hazard's page: listed with the hazards, and opened from its details on the map.
  await ver.click("nav button[data-view=hazards]");
  await ver.locator(`#hazards-table a[href="#hazard/${HAZARD}"]`).waitFor();
  await ver.click("nav button[data-view=map]");
  await mapIdle(ver);
  const middle = await ver.evaluate(async (hz) => {
    const h = await (await fetch(`/api/hazards/${hz}`)).json();
    const cs = h.geometry.coordinates.flat(2);
    const xs = cs.map((c) => c[0]), ys = cs.map((c) => c[1]);
    const p = window.minemap.map.project([(Math.min(...xs) + Math.max(...xs)) / 2, (Math.min(...ys) + Math.max(...ys)) / 2]);
    return { x: p.x, y: p.y };
  }, HAZARD);
  await ver.click("#map canvas", { position: middle });
  // The details (of the hazard, or of what lies over it) name the kind, and the enum
  // fields with their labels.
  const hzRecord = (await getJson(ver, `/api/hazards/${HAZARD}`)).body;
  const clicked = await ver.evaluate(() => ({ layer: window.minemap.popupFeature.layer.id,
    properties: window.minemap.popupFeature.properties }));
  const popupText = await ver.textContent(".maplibregl-popup-content");
  const kind = model[clicked.layer];
  assert.ok(popupText.startsWith(kind.singular), `popup: ${popupText}`);
  const enums = Object.entries(clicked.properties).filter(([k]) => kind[k] && kind[k].type === "enum");
  assert.ok(enums.length, `no enum field in the details of ${clicked.layer}`);
  for (const [k, v] of enums)
    assert.match(popupText, new RegExp(`${esc(kind[k].label)}\\s*${esc(kind[k].labels[v])}`), `popup: ${popupText}`);
  await ver.click(`.maplibregl-popup a.hazard-link[href="#hazard/${HAZARD}"]`);
  await ver.waitForFunction((a) => document.querySelector(`#hazard-activities tr[data-id="${a}"] details`), activity);
  const relRow = ver.locator(`#hazard-activities tr[data-id="${release}"]`);
  assert.match(await relRow.textContent(), new RegExp(`${esc(model.releases.outcome.labels.cleared)}.*approved`));
  // Its fields: in the data model's order, with labels, codes in words, references by name.
  const refIds = [hzRecord.organisation_id, hzRecord.admin_area_id].filter(Boolean);
  assert.ok(refIds.length, `${HAZARD} refers to no organisation or area`);
  const refNames = (await getJson(ver, `/api/names?${refIds.map((i) => `id=${i}`).join("&")}`)).body.names;
  await ver.waitForFunction((want) => Object.entries(want).every(([id, name]) =>
    document.querySelector(`#hazard-fields [data-ref="${id}"]`)?.textContent === name), refNames);
  const rowsShown = await ver.evaluate(() => [...document.querySelectorAll("#hazard-fields tr")]
    .map((tr) => ({ field: tr.dataset.field, label: tr.cells[0].textContent, value: tr.cells[1].textContent })));
  const order = Object.keys(model.hazards).filter((k) => k !== "singular");
  const positions = rowsShown.map((r) => order.indexOf(r.field)).filter((i) => i >= 0);
  assert.deepEqual(positions, [...positions].sort((a, b) => a - b), "fields not in the data model's order");
  const rowOf = (f) => rowsShown.find((r) => r.field === f);
  assert.deepEqual(rowOf("type"), { field: "type", label: model.hazards.type.label, value: model.hazards.type.labels[hzRecord.type] });
  if (hzRecord.contamination)
    assert.equal(rowOf("contamination").value, hzRecord.contamination.split(",").map((c) => model.hazards.contamination.labels[c]).join(", "));
  assert.equal(rowOf("organisation_id").value, refNames[hzRecord.organisation_id]);
  const fieldsShown = rowsShown.map((r) => r.value).join("\n");
  assert.doesNotMatch(fieldsShown, /\b[A-Z]+_[A-Z_]+\b|\b(ORG|ADM)-\d+/, `codes in the fields: ${fieldsShown}`);
  assert.equal(await ver.getAttribute(`#hazard-fields [data-ref="${hzRecord.organisation_id}"]`, "title"), hzRecord.organisation_id);
  assert.match(await ver.textContent(`#hazard-activities tr[data-id="${activity}"] details`), /ops1.*amina/s);
  for (const it of items) assert.match(await ver.textContent("#hazard-items"), new RegExp(`${it}.*approved`));
  assert.ok(await ver.locator("#hazard-history tbody tr").count() >= 1);
  assert.ok(await ver.locator("#hazard-statuses tbody tr").count() >= 1);
  await ver.waitForFunction(() => !/judging/.test(document.querySelector("#hazard-records").textContent));
  assert.match(await ver.textContent('#hazard-records tr[data-id="MR-SYN-1"]'), /grade [ABCDU]/);
  await ver.waitForFunction(() => window.minemap.hazard && window.minemap.hazard.mapped > 0 &&
    window.minemap.hazardMap.loaded() && window.minemap.hazardMap.areTilesLoaded());
  const onPage = await ver.evaluate(() => window.minemap.hazardMap.queryRenderedFeatures({ layers: ["focus-releases", "focus-items"] }).length);
  assert.ok(onPage > 0, "the hazard's map draws no releases or items");
  // Approved, the land released counts: less of the hazard is left.
  const left = await ver.evaluate(() => window.minemap.hazard.hazard);
  assert.ok(left.remaining_m2 < left.area_m2);
  await ver.screenshot({ path: join(artifacts, "10-hazard-page.png") });
  await ver.locator("#hazard-records").scrollIntoViewIfNeeded();
  await ver.screenshot({ path: join(artifacts, "11-hazard-page-records.png") });
  step(`the page of ${HAZARD} shows its fields with labels and ${refIds.join(", ")} by name, ${activity} with ${release}, the items, the history and MR-SYN-1's reliability`);

  // A hazard with accidents inside it (asked of the API): its page lists the same ones
  // and its map draws them.
  let withAccidents = null;
  for (const hz of (await getJson(ver, "/api/hazards")).body.records) {
    const inside = (await getJson(ver, `/api/hazards/${hz.id}/accidents`)).body.records;
    if (inside.length) {
      withAccidents = { id: hz.id, accidents: inside };
      break;
    }
  }
  assert.ok(withAccidents, "no demo hazard holds an accident");
  const accIds = withAccidents.accidents.map((a) => a.id).sort();
  await ver.evaluate((id) => (location.hash = `#hazard/${id}`), withAccidents.id);
  await ver.waitForFunction((n) => document.querySelectorAll("#hazard-accidents tbody tr[data-id]").length === n &&
    [...document.querySelectorAll("#hazard-accidents .victims")].every((c) => c.textContent), accIds.length);
  const accRows = await ver.evaluate(() => [...document.querySelectorAll("#hazard-accidents tbody tr[data-id]")]
    .map((tr) => ({ id: tr.dataset.id, type: tr.cells[2].textContent, victims: tr.cells[4].textContent })));
  assert.deepEqual(accRows.map((r) => r.id).sort(), accIds);
  for (const a of withAccidents.accidents)
    assert.equal(accRows.find((r) => r.id === a.id).type, model.accidents.type.labels[a.type]);
  await ver.waitForFunction((id) => window.minemap.hazard?.hazard.id === id && window.minemap.hazardMap.loaded() &&
    window.minemap.hazardMap.areTilesLoaded() && !window.minemap.hazardMap.isMoving(), withAccidents.id);
  const accDrawn = await ver.evaluate(() => window.minemap.hazardMap.queryRenderedFeatures({ layers: ["focus-accidents"] })
    .map((f) => f.properties.id));
  assert.ok(accDrawn.length > 0 && accDrawn.every((id) => accIds.includes(id)), `accidents drawn: ${accDrawn}`);
  await ver.screenshot({ path: join(artifacts, "10b-hazard-accidents-map.png") });
  await ver.locator("#hazard-accidents").scrollIntoViewIfNeeded();
  await ver.screenshot({ path: join(artifacts, "10c-hazard-accidents.png") });
  step(`the page of ${withAccidents.id} lists and maps the accidents inside it: ${accIds.join(", ")} (${accRows.map((r) => r.victims).join("; ")})`);

  // A reference to a record the map has opens the map's search for it (#map/ADM-...).
  const area = (await getJson(ver, `/api/hazards/${withAccidents.id}`)).body.admin_area_id;
  if (area) {
    await ver.click(`#hazard-fields a[data-ref="${area}"]`);
    await ver.waitForFunction((id) => window.minemap.found?.feature &&
      (window.minemap.found.feature.id ?? window.minemap.found.feature.properties.id) === id, area, { timeout: 20000 });
    assert.equal(await ver.evaluate(() => location.hash), `#map/${area}`);
    assert.ok(await ver.isVisible("#view-map"));
    step(`the administrative area of ${withAccidents.id} links to the map's search for ${area}`);
  }

  // A viewer reads the hazard's page, without the report buttons.
  await guest.goto(`${base}app/#hazard/${HAZARD}`);
  await guest.waitForFunction((a) => document.querySelector(`#hazard-activities tr[data-id="${a}"]`), activity);
  assert.equal(await guest.isVisible("#hazard-report"), false);
  step("a viewer reads the hazard's page, with no report buttons");

  // 9b. Signals: the list is the API's, a signal's evidence is drawn on the map, and one
  // click writes it as a draft SHA naming its evidence, which a verifier then approves.
  await ops.goto(`${base}app/#signals`);
  await ops.waitForFunction(() => window.minemap.signals && window.minemap.signalsMap?.getSource("signals"),
    null, { timeout: 60000 });
  const api = await ops.evaluate(async () => (await (await fetch("/api/signals?eps=1000&min_points=2&buffer=250")).json()));
  assert.ok(api.features.length > 0, "the demo gives no signal");
  const listed = await ops.$$eval("#signals-table tr[data-rank]", (trs) => trs.map((tr) => tr.cells[7].textContent));
  assert.equal(listed.length, Math.min(api.features.length, 500));
  assert.ok(listed[0].startsWith(api.features[0].properties.evidence[0].id), `${listed[0]}`);
  await ops.click("#signals-table tr[data-rank='1'] .show-signal");
  await ops.waitForFunction(() => {
    const m = window.minemap.signalsMap;
    return !m.isMoving() && m.loaded() && m.queryRenderedFeatures({ layers: ["signal-evidence"] }).length > 0;
  }, null, { timeout: 60000 });
  const shownIds = await ops.evaluate(() => window.minemap.signalsMap
    .queryRenderedFeatures({ layers: ["signal-evidence"] }).map((f) => f.properties.id).sort());
  assert.deepEqual(shownIds, api.features[0].properties.evidence.map((e) => e.id).sort());
  await ops.screenshot({ path: join(artifacts, "11b-signals.png") });
  await ops.click("#signals-table tr[data-rank='1'] .draft-signal");
  await ops.waitForSelector("#signals-table tr[data-rank='1'] a.drafted");
  const signalDraft = (await ops.textContent("#signals-table tr[data-rank='1'] a.drafted")).replace("Draft ", "");
  const drafted = await ops.evaluate(async (id) => (await (await fetch(`/api/hazards/${id}`)).json()), signalDraft);
  assert.equal(drafted.properties?.workflow ?? drafted.workflow, "draft");
  const props = drafted.properties ?? drafted;
  assert.equal(props.type, "SHA");
  assert.ok(props.source.startsWith("suggested by minemap signals"), props.source);
  for (const e of api.features[0].properties.evidence) assert.ok(props.source.includes(e.id), props.source);
  // Reviewed as any report: submitted, then approved by the verifier; approved, the
  // hazard explains its evidence and the signal is gone from the list.
  const stepOn = (page, id, action) => page.evaluate(async ([hz, act]) => {
    const s = await (await fetch("/session")).json();
    return (await fetch(`/api/hazards/${hz}/${act}`, { method: "POST", headers: { "X-CSRF-Token": s.csrf_token } })).status;
  }, [id, action]);
  assert.equal(await stepOn(ops, signalDraft, "submit"), 200);
  assert.equal(await stepOn(ver, signalDraft, "approve"), 200);
  await ops.click("#signals-form button[type=submit]");
  await ops.waitForFunction((n) => window.minemap.signals.features.length === n, api.features.length - 1);
  const first = api.features[0].properties.evidence[0].id;
  assert.ok(!(await ops.textContent("#signals-table")).includes(`${first},`) &&
    !(await ops.$$eval("#signals-table tr[data-rank]", (trs, id) => trs.some((tr) => tr.cells[7].textContent === id), first)));
  step(`signals: ${api.features.length} listed as the API gives them, the first one's evidence drawn; one click wrote draft SHA ${signalDraft} naming it; approved, it leaves ${api.features.length - 1}`);

  // 10. With a base map (serve --basemap, docs/basemap.md): a small one made here, drawn
  // under the data with its roads, water and place names (the labels need the glyphs
  // the build made).
  const maps = join(work, "maps");
  execFileSync("/usr/bin/python3", [join(here, "../data/make-basemap.py"), maps]);
  let bmBase;
  ({ server: bmServer, base: bmBase } = await startServe(bin, store, ["--basemap", join(maps, "basemap.pmtiles")]));
  servers.push(bmBase);
  const bmPage = await newPage();
  await bmPage.goto(`${bmBase}app/#map`);
  await bmPage.fill("#login [name=name]", "guest");
  await bmPage.fill("#login [name=password]", PASSWORD);
  await bmPage.click("#login button");
  await mapIdle(bmPage);
  await bmPage.evaluate(() => window.minemap.map.jumpTo({ center: [46.75, 39.4], zoom: 14 }));
  await bmPage.waitForFunction(() => {
    const m = window.minemap.map;
    return m.loaded() && m.areTilesLoaded() && m.queryRenderedFeatures({ layers: ["bm-place"] }).length > 0;
  }, null, { timeout: 60000 });
  const baseDrawn = await bmPage.evaluate(() => {
    const m = window.minemap.map;
    const n = (layers) => m.queryRenderedFeatures({ layers }).length;
    const order = m.getStyle().layers.map((l) => l.id);
    return { roads: n(["bm-road"]), water: n(["bm-water"]), places: n(["bm-place"]),
      names: m.queryRenderedFeatures({ layers: ["bm-place"] }).map((f) => f.properties.name),
      under: order.indexOf("bm-place") < order.indexOf("hazards") && order.indexOf("land") < order.indexOf("bm-water") };
  });
  assert.ok(baseDrawn.roads > 0 && baseDrawn.water > 0, `base map not drawn: ${JSON.stringify(baseDrawn)}`);
  assert.ok(baseDrawn.names.includes("Testtown"), `place names not drawn: ${JSON.stringify(baseDrawn)}`);
  assert.ok(baseDrawn.under, "the base map is not between the world outline and the data");
  await bmPage.screenshot({ path: join(artifacts, "12-basemap.png") });
  step(`with --basemap the map draws ${baseDrawn.roads} road, ${baseDrawn.water} water and ${baseDrawn.places} place features under the data`);

  assert.deepEqual(foreign, [], "requests left the server");
  console.log(`web end-to-end: ${steps.length} steps passed; screenshots in ${artifacts}`);
} finally {
  if (browser) await browser.close();
  if (server) server.kill("SIGTERM");
  if (bmServer) bmServer.kill("SIGTERM");
  rmSync(work, { recursive: true, force: true });
}
