// GET /openapi.json and the reference page's routes through serverless-offline, without a token:
// the committed document is what is served, public and cacheable. (The page in a browser:
// reference-page.test.ts.) Every response here also passes the contract check in api().
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { api } from '../support/api';

const committed = JSON.parse(readFileSync(join(__dirname, '..', '..', 'docs', 'openapi.json'), 'utf8'));

describe('GET /openapi.json', () => {
  it('serves the committed document to a caller without a token, cacheable', async () => {
    const response = await api('/openapi.json', {}, { token: null });

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('cache-control')).toBe('public, max-age=300');
    expect(await response.json()).toEqual(committed);
  });
});

describe('GET /docs', () => {
  it('serves the page and its assets under a CSP that allows this origin only', async () => {
    const page = await api('/docs', {}, { token: null });
    const html = await page.text();
    const assets = [...html.matchAll(/(?:href|src)="([^"]+)"/g)].map((match) => match[1]);

    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toMatch(/https?:|\*/);
    expect(assets).toEqual(['docs/swagger-ui.css', 'docs/swagger-ui-bundle.js', 'docs/reference.js']);
    for (const asset of assets) {
      const response = await fetch(`${process.env.E2E_BASE_URL}/${asset}`);
      expect(response.status, asset).toBe(200);
      expect((await response.text()).length, asset).toBeGreaterThan(100);
    }
  });

  it('answers an asset it does not have with a 404 problem', async () => {
    const response = await api('/docs/..%2Fserverless.yml', {}, { token: null });

    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({
      status: 404,
      detail: 'The reference page has no such asset.',
    });
  });
});
