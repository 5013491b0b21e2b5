// The `$default` route through serverless-offline: what no route takes is this API's problem+json,
// a 404 for an unknown path and a 405 with `Allow` for a known path under another method.
import { describe, expect, it } from 'vitest';
import { api } from '../support/api';

describe('Route: $default (offline)', () => {
  it('answers an unknown path with a 404 problem, without a token', async () => {
    const response = await api('/no-such-route', {}, { token: null });

    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({
      status: 404,
      detail: 'This API has no route for this path',
    });
  });

  it('answers a known path under another method with a 405 and Allow', async () => {
    const response = await api('/tink/users', { method: 'PATCH' }, { token: null });

    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expect(await response.json()).toMatchObject({ status: 405, detail: 'This path accepts only POST' });
  });
});
