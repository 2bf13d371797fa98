// The report page in a real headless browser (Debian's chromium, driven by playwright-core):
// it loads with no console errors and every figure renders with a non-zero size.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { writeReport } from '../app/report/write.js';
import { syntheticResults } from './helpers/synthetic-results.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe.skipIf(!existsSync(CHROMIUM))(`report page in headless chromium${existsSync(CHROMIUM) ? '' : ' (skipped: /usr/bin/chromium is not installed; scripts/ci-system-deps.sh installs it)'}`, () => {
  it('loads offline with no console errors and renders every figure', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'report-browser-'));
    await writeReport(dir, syntheticResults(200));
    const { chromium } = await import('playwright-core');
    // A fresh profile per run (playwright passes it as --user-data-dir).
    const browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'chromium-profile-')), { executablePath: CHROMIUM, args: ARGS, viewport: { width: 1100, height: 900 } });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('request', (r) => { if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) requests.push(r.url()); });
      await page.goto(pathToFileURL(join(dir, 'index.html')).href, { waitUntil: 'load' });
      const figures = await page.$$eval('img.figure', (imgs) =>
        imgs.map((el) => {
          const i = el as unknown as { complete: boolean; naturalWidth: number; naturalHeight: number; getBoundingClientRect(): { width: number; height: number } };
          return { complete: i.complete, natural: [i.naturalWidth, i.naturalHeight], box: [i.getBoundingClientRect().width, i.getBoundingClientRect().height] };
        }),
      );
      expect(figures).toHaveLength(5);
      for (const f of figures) {
        expect(f.complete).toBe(true);
        expect(f.natural[0]).toBeGreaterThan(100);
        expect(f.natural[1]).toBeGreaterThan(100);
        expect(f.box[0]).toBeGreaterThan(100);
        expect(f.box[1]).toBeGreaterThan(50);
      }
      expect(await page.locator('table.claims tbody tr').count()).toBe(14);
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
