// scratch: rendered widths of visible images + full-page screenshots (not committed)
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
const out = process.env.SHOTS || "/tmp/r19/shots";
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
const results = [];
for (const page of process.argv.slice(2)) {
  for (const width of [1280, 390]) {
    const context = await browser.newContext({ viewport: { width, height: 900 }, offline: true });
    const tab = await context.newPage();
    await tab.goto(pathToFileURL(page).href, { waitUntil: "load" });
    const imgs = await tab.evaluate(() => [...document.images].filter(i => i.offsetParent !== null).map(i => ({
      cls: i.className, shown: i.getBoundingClientRect().width, natural: i.naturalWidth, alt: i.alt.slice(0, 50) })));
    const wide = await tab.evaluate(() => [...document.querySelectorAll("figure.cv-table, div.scroll")].filter(
      f => f.scrollWidth > f.clientWidth + 1).map(f => ({ caption: (f.querySelector("figcaption,caption")||{}).textContent, over: f.scrollWidth - f.clientWidth })));
    const overflow = await tab.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (process.env.SHOT) {
      const name = page.split("/").slice(-2).join("_").replace(".html", "");
      await tab.screenshot({ path: `${out}/${name}_${width}.png`, fullPage: true });
    }
    results.push({ page, width, overflow, imgs, wide });
    await context.close();
  }
}
await browser.close();
process.stdout.write(JSON.stringify(results, null, 1));
