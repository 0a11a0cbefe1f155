// scratch: screenshots of each table/figure at a width (not committed)
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
const [width, out, ...pages] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
for (const page of pages) {
  const context = await browser.newContext({ viewport: { width: Number(width), height: 900 }, offline: true });
  const tab = await context.newPage();
  await tab.goto(pathToFileURL(page).href, { waitUntil: "load" });
  const els = await tab.$$("figure.cv-table, div.scroll, img");
  let k = 0;
  for (const el of els) {
    if (!(await el.isVisible())) continue;
    const name = page.split("/").pop().replace(".html", "");
    await el.screenshot({ path: `${out}/${name}_${String(k).padStart(2, "0")}.png` });
    k++;
  }
  await context.close();
}
await browser.close();
