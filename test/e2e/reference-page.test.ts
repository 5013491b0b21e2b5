// The reference page (GET /docs) in a real browser: the distribution's headless Chromium driven by
// playwright-core, against the e2e lane's local stack. Every route of docs/openapi.json is listed,
// an authorised "Try it out" read answers 200, a screenshot lands in test-results/, and no request
// leaves loopback. Without Chromium (`apt-get install chromium`; .ci/run installs it) the test is
// skipped with a message saying so.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintDevToken } from '../../local/dev-token';
import { demoUserIds } from '../../local/simulators/tink/demo-data';

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = existsSync(chromiumPath);
if (!hasChromium) {
  console.warn(
    [
      '',
      '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
      `!!! SKIPPED: the reference-page browser test: no Chromium at ${chromiumPath}.`,
      '!!! Install it (apt-get install -y chromium) or set CHROMIUM_PATH.',
      '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
      '',
    ].join('\n'),
  );
}

const root = join(__dirname, '..', '..');
const screenshotDir = join(root, 'test-results');
const document = JSON.parse(readFileSync(join(root, 'docs', 'openapi.json'), 'utf8')) as {
  paths: Record<string, Record<string, unknown>>;
};
const documentedRoutes = Object.entries(document.paths)
  .flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`))
  .sort();

describe.skipIf(!hasChromium)('Reference page (GET /docs) in Chromium', () => {
  const baseUrl = process.env.E2E_BASE_URL as string;
  const userDataDir = mkdtempSync(join(tmpdir(), 'obu-chromium-'));
  const requested: string[] = [];
  const consoleErrors: string[] = [];
  let context: BrowserContext;

  beforeAll(async () => {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: chromiumPath,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1280, height: 2000 },
    });
    context.on('request', (request) => requested.push(request.url()));
    context.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
  });

  afterAll(async () => {
    await context?.close();
    rmSync(userDataDir, { recursive: true, force: true });
  });

  it('lists every route, answers an authorised Try-it-out read with 200, and stays on loopback', async () => {
    const page = context.pages()[0] ?? (await context.newPage());
    const documentResponse = page.waitForResponse((response) => response.url().endsWith('/openapi.json'));

    const pageResponse = await page.goto(`${baseUrl}/docs`);

    expect(pageResponse?.status()).toBe(200);
    expect(pageResponse?.headers()['content-security-policy']).toContain("default-src 'none'");
    expect((await documentResponse).status()).toBe(200);
    await page.locator('.opblock').first().waitFor({ timeout: 30_000 });
    const listed = (
      await page
        .locator('.opblock')
        .evaluateAll((blocks) =>
          blocks.map(
            (block) =>
              `${block.querySelector('.opblock-summary-method')?.textContent?.trim()} ${block.querySelector('.opblock-summary-path')?.getAttribute('data-path')}`,
          ),
        )
    ).sort();
    expect(listed).toEqual(documentedRoutes);

    // Authorize with a dev token (read scope only), as a developer would paste `npm run -s token`.
    const token = await mintDevToken({ scopes: ['open-banking-users/read'] });
    await page.locator('.auth-wrapper button.authorize').click();
    await page.locator('.modal-ux input[type=text]').fill(token);
    await page.locator('.modal-ux .auth-btn-wrapper button.authorize').click();
    await page.locator('.modal-ux button.btn-done').click();

    const operation = page.locator('#operations-Tink-tinkListCredentials');
    await operation.locator('.opblock-summary').click();
    await operation.locator('button.try-out__btn').click();
    const userId = operation.locator('tr[data-param-name="userId"] input');
    await userId.fill(demoUserIds.alice);
    const tryItOut = page.waitForResponse((response) => response.url().includes('/credentials'));
    await operation.locator('button.execute').click();
    const answer = await tryItOut;

    expect(answer.status()).toBe(200);
    expect(answer.request().headers().authorization).toBe(`Bearer ${token}`);
    const shownStatus = operation.locator('.live-responses-table tr.response .response-col_status').first();
    await shownStatus.waitFor({ timeout: 30_000 });
    expect((await shownStatus.textContent())?.trim()).toBe('200');
    mkdirSync(screenshotDir, { recursive: true });
    await page.screenshot({ path: join(screenshotDir, 'reference-page.png'), fullPage: false });

    const origin = new URL(baseUrl).origin;
    const offLoopback = requested.filter(
      (url) => !url.startsWith(`${origin}/`) && !url.startsWith('data:') && !url.startsWith('blob:'),
    );
    expect(offLoopback).toEqual([]);
    expect(new URL(origin).hostname).toBe('127.0.0.1');
    expect(requested.some((url) => url.endsWith('/docs/swagger-ui-bundle.js'))).toBe(true);
    expect(consoleErrors.filter((text) => /Content Security Policy/i.test(text))).toEqual([]);
  });
});
