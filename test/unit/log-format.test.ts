import { describe, expect, it } from 'vitest';
import { formatOfflineLine, LogFormat } from '../../local/log-format';

const logLine = JSON.stringify({
  level: 'WARN',
  message: 'Sweep could not visit a user',
  timestamp: '2026-12-01T19:04:05.678Z',
  service: 'open-banking-users',
  cold_start: true,
  function_name: 'open-banking-users-local-refreshCredentials',
  function_request_id: 'r-1',
  provider: 'tink',
  error: {
    name: 'ProviderError',
    message: 'Tink answered 503',
    stack: 'ProviderError: Tink answered 503\n    at x (y.js:1:2)',
  },
});
const metricsBlob = JSON.stringify({
  _aws: {
    Timestamp: 1,
    CloudWatchMetrics: [
      {
        Namespace: 'OpenBankingUsers',
        Dimensions: [['service']],
        Metrics: [{ Name: 'CacheHit', Unit: 'Count' }],
      },
    ],
  },
  service: 'open-banking-users',
  CacheHit: 1,
});
const pretty = { format: LogFormat.pretty, showMetrics: false };

describe('Function: formatOfflineLine', () => {
  it('prints a handler log as one readable line, the error stack indented below it', () => {
    // Act
    const text = formatOfflineLine(logLine, pretty);

    // Assess
    expect(text).toBe(
      '19:04:05.678 WARN  [open-banking-users-local-refreshCredentials] Sweep could not visit a user' +
        '  {"provider":"tink","error":{"name":"ProviderError","message":"Tink answered 503"}}\n' +
        '    ProviderError: Tink answered 503\n        at x (y.js:1:2)',
    );
  });

  it('hides metrics blobs unless asked, then prints them as one line (or raw in JSON mode)', () => {
    expect(formatOfflineLine(metricsBlob, pretty)).toBeUndefined();
    expect(formatOfflineLine(metricsBlob, { ...pretty, showMetrics: true })).toBe(
      'metrics OpenBankingUsers CacheHit=1',
    );
    expect(formatOfflineLine(metricsBlob, { format: LogFormat.json, showMetrics: true })).toBe(metricsBlob);
    expect(formatOfflineLine(metricsBlob, { format: LogFormat.json, showMetrics: false })).toBeUndefined();
  });

  it('prints the raw JSON line with the JSON format', () => {
    expect(formatOfflineLine(logLine, { format: LogFormat.json, showMetrics: false })).toBe(logLine);
  });

  it("passes serverless-offline's own lines, and JSON that is no log record, through unchanged", () => {
    for (const line of ['GET /health (λ: health)', '{"not":"a log"}', '{broken', ''])
      expect(formatOfflineLine(line, pretty)).toBe(line);
  });
});
