// Renders the PNG icons of the web app manifest from the site's SVG icon with
// Debian's chromium (the browser the tests drive), so no image library is
// needed. Run by hand when static/chaton.svg changes; the PNGs are committed.
//   node scripts/icons.mjs
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const svg = readFileSync(join(root, "static", "chaton.svg"), "utf8");
// A maskable icon fills its square; launchers cut a shape out of the middle 80%.
const bubble = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 48 48"><rect width="48" height="48" fill="#3b6ea5"/><path d="M14 16.5h20v11.5H22.5l-5.5 5v-5h-3z" fill="#fff"/></svg>`;
const icons = [
  { file: "icon-192.png", size: 192, svg },
  { file: "icon-512.png", size: 512, svg },
  { file: "icon-maskable-512.png", size: 512, svg: bubble },
  { file: "apple-touch-icon.png", size: 180, svg: bubble },
];

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--headless", "--no-sandbox"] });
try {
  for (const icon of icons) {
    const page = await browser.newPage({ viewport: { width: icon.size, height: icon.size } });
    const src = `data:image/svg+xml;base64,${Buffer.from(icon.svg).toString("base64")}`;
    await page.setContent(`<style>html,body{margin:0;background:transparent}</style><img src="${src}" width="${icon.size}" height="${icon.size}">`);
    await page.locator("img").evaluate((img) => img.decode());
    await page.screenshot({ path: join(root, "static", "icons", icon.file), omitBackground: true });
    await page.close();
    console.log(`static/icons/${icon.file}`);
  }
} finally {
  await browser.close();
}
