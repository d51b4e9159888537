// End-to-end test of the web application in headless Chromium (Debian's chromium,
// driven by playwright-core): a data entry user signs in, sees the hazards drawn on
// the map (through the map's rendered features, not the DOM), files an accident
// through the form; a verifier approves it and the dashboard counts it; a viewer
// cannot reach the forms. Screenshots go to $MINEMAP_ARTIFACTS (default: a folder
// e2e-artifacts beside the minemap binary).
//
//   MINEMAP_BIN=build/dev/minemap node tests/e2e/web.mjs
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, mkdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createRequire } from "node:module";
import assert from "node:assert/strict";

const here = dirname(new URL(import.meta.url).pathname);
const require = createRequire(join(here, "../../web/package.json"));
const { chromium } = require("playwright-core");

const bin = resolve(process.env.MINEMAP_BIN || "minemap");
const artifacts = resolve(process.env.MINEMAP_ARTIFACTS || join(dirname(bin), "e2e-artifacts"));
mkdirSync(artifacts, { recursive: true });
const work = mkdtempSync(join(tmpdir(), "minemap-e2e-"));
const PASSWORD = "a long password";

function minemap(args, input) {
  return execFileSync(bin, args, { input, encoding: "utf8" });
}

let server, browser;
const steps = [];
function step(name) {
  steps.push(name);
  console.log(`- ${name}`);
}

try {
  minemap(["demo", "--dir", join(work, "demo"), "--no-serve"]);
  const store = join(work, "demo", "demo.gpkg");
  for (const [name, role] of [["ops1", "data_entry"], ["amina", "verifier"], ["guest", "viewer"]])
    minemap(["user", "add", store, name, "--role", role], PASSWORD + "\n");

  server = spawn(bin, ["serve", store, "--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
  const base = await new Promise((ok, fail) => {
    let out = "";
    server.stdout.on("data", (chunk) => {
      out += chunk;
      const m = out.match(/at (http:\/\/\S+\/)\n/);
      if (m) ok(m[1]);
    });
    server.on("exit", (code) => fail(new Error(`minemap serve exited with ${code}`)));
    setTimeout(() => fail(new Error("no address from minemap serve")), 15000);
  });

  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      "--use-angle=swiftshader", "--enable-unsafe-swiftshader"],
  });

  // Every request must go to our server: nothing from the internet.
  const foreign = [];
  async function newPage() {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    page.on("request", (r) => {
      const url = r.url();  // blob: and data: URLs are made in the page (MapLibre's workers)
      if (!url.startsWith(base) && !url.startsWith("blob:") && !url.startsWith("data:")) foreign.push(url);
    });
    page.on("pageerror", (e) => { throw e; });
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

  // 3. The verifier approves it.
  const ver = await newPage();
  await signIn(ver, "amina");
  await ver.click("nav button[data-view=review]");
  const row = ver.locator("#review-table tr", { hasText: filed });
  await row.waitFor();
  await ver.screenshot({ path: join(artifacts, "4-review.png") });
  await row.locator("button.approve").click();
  await ver.waitForFunction((id) => document.querySelector("#message").textContent.includes(`${id} approved`), filed);
  step(`verifier approved ${filed}`);

  // 4. The dashboard counts it.
  const after = await dashboardCounts(ver);
  assert.equal(after.accidents.count, before.accidents.count + 1);
  assert.equal(after.victims.killed, before.victims.killed + 1);
  const year = await ver.evaluate(() => window.minemap.dashboard.casualties["2025"]);
  assert.equal(year.civilian.killed, 1);
  await ver.screenshot({ path: join(artifacts, "5-dashboard-after.png") });
  step(`dashboard: accidents ${before.accidents.count} -> ${after.accidents.count}, killed ${before.victims.killed} -> ${after.victims.killed}`);

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

  assert.deepEqual(foreign, [], "requests left the server");
  console.log(`web end-to-end: ${steps.length} steps passed; screenshots in ${artifacts}`);
} finally {
  if (browser) await browser.close();
  if (server) server.kill("SIGTERM");
  rmSync(work, { recursive: true, force: true });
}
