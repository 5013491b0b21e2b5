// The contract checker the e2e and fuzzing lanes rely on: it must refuse what the document does not
// describe, or those lanes would prove nothing.
import { describe, expect, it } from 'vitest';
import { contractViolations, type Exchange } from '../support/contract';

const problemBody = (status: number) =>
  JSON.stringify({
    type: 'https://open-banking-users.dev/problems/not-found',
    title: 'Not found',
    status,
    detail: 'No such thing.',
    requestId: 'r-1',
  });

const credentialList = JSON.stringify({ credentials: [{ id: 'c1', status: 'UPDATED' }] });
const cachedHeaders = {
  'Content-Type': 'application/json; charset=utf-8',
  'Cache-Control': 'no-store',
  'X-Request-ID': 'r-1',
  'Cache-Status': 'open-banking-users; hit; ttl=12',
  Age: '3',
};
const listCredentials = (changes: Partial<Exchange>): Exchange => ({
  method: 'GET',
  path: '/tink/users/dec0de00000000000000000000000001/credentials',
  status: 200,
  headers: cachedHeaders,
  body: credentialList,
  ...changes,
});

describe('Function: contractViolations', () => {
  it('accepts a described response', () => {
    expect(contractViolations(listCredentials({}))).toEqual([]);
  });

  it('refuses a status the operation does not describe', () => {
    expect(contractViolations(listCredentials({ status: 418 }))).toEqual([
      expect.stringContaining('status not described'),
    ]);
  });

  it('refuses a response without a required header, or with a malformed one', () => {
    const { 'Cache-Status': _, ...withoutCacheStatus } = cachedHeaders;
    expect(contractViolations(listCredentials({ headers: withoutCacheStatus }))).toEqual([
      expect.stringContaining('required header Cache-Status is missing'),
    ]);
    expect(contractViolations(listCredentials({ headers: { ...cachedHeaders, Age: 'soon' } }))).toEqual([
      expect.stringContaining('header Age'),
    ]);
  });

  it('refuses a body that does not match the schema, or of an undescribed media type', () => {
    expect(
      contractViolations(listCredentials({ body: JSON.stringify({ credentials: [{ id: 'c1' }] }) })),
    ).toEqual([expect.stringContaining('body:')]);
    expect(
      contractViolations(listCredentials({ headers: { ...cachedHeaders, 'Content-Type': 'text/plain' } })),
    ).toEqual([expect.stringContaining('content type "text/plain"')]);
  });

  it('refuses a problem that is not problem+json, or lacks its members', () => {
    const notFound = {
      method: 'GET',
      path: '/tink/users/x/credentials',
      status: 404,
      headers: { 'Content-Type': 'application/problem+json', 'X-Request-ID': 'r-1' },
    };
    expect(contractViolations({ ...notFound, body: problemBody(404) })).toEqual([]);
    expect(contractViolations({ ...notFound, body: JSON.stringify({ message: 'Not Found' }) })).toEqual([
      expect.stringContaining('body:'),
    ]);
  });

  it('describes unknown paths as a 404 problem and unknown methods as a 405 with Allow', () => {
    const problemHeaders = { 'Content-Type': 'application/problem+json', 'X-Request-ID': 'r-1' };
    expect(
      contractViolations({
        method: 'GET',
        path: '/nowhere',
        status: 404,
        headers: problemHeaders,
        body: problemBody(404),
      }),
    ).toEqual([]);
    expect(
      contractViolations({
        method: 'GET',
        path: '/nowhere',
        status: 200,
        headers: problemHeaders,
        body: '{}',
      }),
    ).toEqual([expect.stringContaining('no such path')]);
    expect(
      contractViolations({
        method: 'PATCH',
        path: '/tink/users',
        status: 405,
        headers: { ...problemHeaders, Allow: 'POST' },
        body: problemBody(405),
      }),
    ).toEqual([]);
  });
});
