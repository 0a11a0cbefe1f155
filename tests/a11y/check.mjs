// Accessibility and layout check of published report pages, for tests/test_accessibility.py.
// Usage: node check.mjs PAGE.html [PAGE.html ...]  ->  JSON on stdout, one record per page and width.
// Runs axe-core (WCAG 2.0/2.1 A and AA rules) in Debian's headless Chromium via playwright-core,
// at 1280 and 390 px, and measures horizontal page overflow (a page must not scroll sideways;
// wide tables scroll in their own box).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const browser = await chromium.launch({
  executablePath,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const results = [];
try {
  for (const page of process.argv.slice(2)) {
    for (const width of [1280, 390]) {
      const context = await browser.newContext({ viewport: { width, height: 900 }, offline: true });
      const tab = await context.newPage();
      await tab.goto(pathToFileURL(page).href, { waitUntil: "load" });
      await tab.addScriptTag({ content: axeSource });
      const axe = await tab.evaluate(async () =>
        await window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } }));
      const overflow = await tab.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      // charts as shown: CSS width against the image's own pixels (their text size follows from both)
      const charts = await tab.evaluate(() => [...document.images].filter(i => i.offsetParent !== null).map(i => ({
        kind: i.className, shown: i.getBoundingClientRect().width, natural: i.naturalWidth })));
      results.push({
        page, width, overflow, charts,
        violations: axe.violations.map(v => ({
          id: v.id, impact: v.impact, help: v.help,
          nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ")),
        })),
      });
      await context.close();
    }
  }
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(results, null, 1));
