// The web application at a national view, in headless Chromium (Debian's chromium, as
// the end-to-end test drives it): how long from loading the page until the map shows
// the clusters of a large store's tiles (docs/tiles.md), counted through the map's
// rendered features.
//   node bench/web-national.mjs http://127.0.0.1:8080/   (a running `minemap serve`)
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const here = dirname(new URL(import.meta.url).pathname);
const require = createRequire(join(here, "../web/package.json"));
const { chromium } = require("playwright-core");

const base = (process.argv[2] || "http://127.0.0.1:8080/").replace(/\/?$/, "/");
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--use-angle=swiftshader", "--enable-unsafe-swiftshader"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const t0 = Date.now();
  await page.goto(`${base}app/#map`);
  const seen = await page.waitForFunction(() => {
    const m = window.minemap && window.minemap.map;
    if (!m || !m.isStyleLoaded() || !m.getLayer("accidents-clusters")) return false;
    const clusters = m.queryRenderedFeatures({ layers: ["accidents-clusters", "hazards-clusters"] });
    if (clusters.length === 0) return false;
    const points = clusters.reduce((n, f) => n + (f.properties.point_count || 0), 0);
    return { clusters: clusters.length, points, zoom: m.getZoom() };
  }, null, { timeout: 60000, polling: 50 });
  const result = await seen.jsonValue();
  const seconds = (Date.now() - t0) / 1000;
  console.log(`clusters shown ${seconds.toFixed(2)} s after loading the page: ` +
    `${result.clusters} clusters drawn (features may repeat across tiles) holding ` +
    `${result.points} points, at zoom ${result.zoom.toFixed(1)}`);
  console.log(JSON.stringify({ seconds, ...result }));
} finally {
  await browser.close();
}
