// `npx tsx bench/report-length.ts A/report.html [B/report.html ...]`: how long a report is on screen, as a
// reader first sees it (folded <details> closed, as the page opens), in headless Chromium at 1280x800:
// page height in pixels and in screens, the number of images and how many sit outside any fold, and the
// clicks from the top to each experiment's section. Issue #12's target: for the 27-run study the new
// report.html is at most a third of the old one's height. The ratio of each report to the first is printed.
// Needs Debian's chromium (/usr/bin/chromium) and playwright-core (a devDependency).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const CHROMIUM = '/usr/bin/chromium';
const VIEWPORT = { width: 1280, height: 800 };

interface Length {
  file: string;
  heightPx: number;
  screens: number;
  images: number;
  imagesUnfolded: number;
  tocLinks: number;
}

async function main(): Promise<void> {
  const files = process.argv.slice(2).map((f) => resolve(f));
  if (files.length === 0) throw new Error('usage: npx tsx bench/report-length.ts REPORT.html [MORE.html ...]');
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is absent: apt-get install chromium`);
  for (const f of files) if (!existsSync(f)) throw new Error(`${f}: no such file`);
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  const lengths: Length[] = [];
  try {
    for (const file of files) {
      const page = await browser.newPage({ viewport: VIEWPORT });
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      const m = await page.evaluate(() => {
        const imgs = Array.from(document.querySelectorAll('img'));
        return {
          heightPx: document.documentElement.scrollHeight,
          images: imgs.length,
          imagesUnfolded: imgs.filter((i) => !i.closest('details')).length,
          tocLinks: document.querySelectorAll('nav a[href^="#"], .toc a[href^="#"]').length,
        };
      });
      lengths.push({ file, ...m, screens: m.heightPx / VIEWPORT.height });
      await page.close();
    }
  } finally {
    await browser.close();
  }
  console.log(`viewport ${VIEWPORT.width}x${VIEWPORT.height}, folds closed as the page opens`);
  for (const l of lengths) {
    const ratio = l.heightPx / lengths[0].heightPx;
    console.log(
      `${l.file}\n  ${l.heightPx} px = ${l.screens.toFixed(1)} screens; ${l.images} images (${l.imagesUnfolded} outside folds); ` +
        `${l.tocLinks} contents links; ${ratio.toFixed(3)} of the first report's height`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(`report-length: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
