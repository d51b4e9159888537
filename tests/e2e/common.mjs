// What the browser tests share: `minemap serve` started on a free port (its address read
// from what it prints), and headless Chromium (Debian's chromium, driven by
// playwright-core from web/node_modules) with nothing but the local software rendering.
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";

const here = dirname(new URL(import.meta.url).pathname);
const require = createRequire(join(here, "../../web/package.json"));
const { chromium } = require("playwright-core");

// Starts `minemap serve STORE --port 0 ...extra`; resolves to {server, base} once it
// prints its address (base ends with "/"). $MINEMAP_WEB names another folder of the web
// application to serve (serve --web), e.g. one with web/'s files changed since the build.
export async function startServe(bin, store, extra = []) {
  const web = process.env.MINEMAP_WEB ? ["--web", process.env.MINEMAP_WEB] : [];
  const server = spawn(bin, ["serve", store, "--port", "0", ...web, ...extra], { stdio: ["ignore", "pipe", "inherit"] });
  const base = await new Promise((ok, fail) => {
    let out = "";
    server.stdout.on("data", (chunk) => {
      out += chunk;
      const m = out.match(/at (http:\/\/\S+\/)\n/);
      if (m) ok(m[1]);
    });
    server.on("exit", (code) => fail(new Error(`minemap serve ${extra.join(" ")} exited with ${code}`)));
    // A sanitised build on a loaded machine checks the audit chain and builds its first
    // snapshot slowly: a minute before giving up.
    setTimeout(() => fail(new Error(`no address from minemap serve ${extra.join(" ")}`)), 60000);
  });
  return { server, base };
}

export function launchChromium() {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      "--use-angle=swiftshader", "--enable-unsafe-swiftshader"],
  });
}

// Notes in `foreign` every request of `page` to anything but `servers` (a list that may
// grow): nothing may come from the internet. blob: and data: URLs are made in the page
// (MapLibre's workers). An error thrown in the page fails the test.
export function watchPage(page, servers, foreign) {
  page.on("request", (r) => {
    const url = r.url();
    if (!servers.some((b) => url.startsWith(b)) && !url.startsWith("blob:") && !url.startsWith("data:")) foreign.push(url);
  });
  page.on("pageerror", (e) => { throw e; });
}
