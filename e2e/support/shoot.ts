import { join } from 'node:path';
import { test, type Page } from '@playwright/test';

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

/**
 * Pictures of the page as it is, at a desktop's size and then a phone's, named
 * `<name>-desktop.png` and `<name>-phone.png`: into `SCREENSHOT_DIR` when set (the pictures
 * under docs/screenshots are made so), otherwise beside the test's other output. The page
 * gets its own size back, so the test goes on as before.
 */
export async function shoot(page: Page, name: string): Promise<void> {
  const dir = process.env.SCREENSHOT_DIR ?? test.info().outputPath('screenshots');
  const own = page.viewportSize();
  for (const [size, viewport] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const) {
    await page.setViewportSize(viewport);
    await page.screenshot({ path: join(dir, `${name}-${size}.png`), animations: 'disabled' });
  }
  if (own) await page.setViewportSize(own);
}
