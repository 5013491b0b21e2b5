// What `npm start` prints of serverless-offline's output. The handlers log single-line JSON
// (Powertools Logger) and write metrics as EMF JSON blobs, interleaved with offline's own lines:
// locally the logs are shown as one readable line each (an error's stack below it), the metrics
// blobs are hidden unless asked for, and offline's own lines pass through unchanged.

export const LogFormat = { pretty: 'pretty', json: 'json' } as const;
export type LogFormat = (typeof LogFormat)[keyof typeof LogFormat];

export interface LogFormatOptions {
  format: LogFormat;
  showMetrics: boolean;
}

/** Keys every Powertools record carries: shown in the line's head, or not at all. */
const standardKeys = new Set([
  'level',
  'message',
  'timestamp',
  'service',
  'cold_start',
  'function_name',
  'function_memory_size',
  'function_arn',
  'function_request_id',
  'xray_trace_id',
  'sampling_rate',
]);

const levelColumn = 5;

function parseRecord(line: string): Record<string, unknown> | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(trimmed) as unknown;
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** `Namespace name=value unit …` for one EMF blob. */
function metricsLine(record: Record<string, unknown>): string {
  const aws = record._aws as { CloudWatchMetrics?: { Namespace?: string; Metrics?: { Name: string }[] }[] };
  const parts = (aws.CloudWatchMetrics ?? []).flatMap((directive) =>
    (directive.Metrics ?? []).map(({ Name }) => `${Name}=${JSON.stringify(record[Name])}`),
  );
  const namespace = aws.CloudWatchMetrics?.[0]?.Namespace ?? 'metrics';
  return `metrics ${namespace} ${parts.join(' ')}`;
}

function timeOf(record: Record<string, unknown>): string {
  const timestamp = typeof record.timestamp === 'string' ? Date.parse(record.timestamp) : Number.NaN;
  return Number.isNaN(timestamp) ? '--:--:--.---' : new Date(timestamp).toISOString().slice(11, 23);
}

function prettyLine(record: Record<string, unknown>): string {
  const level = String(record.level).padEnd(levelColumn);
  const where = typeof record.function_name === 'string' ? ` [${record.function_name}]` : '';
  const extra: Record<string, unknown> = {};
  let stack: string | undefined;
  for (const [key, value] of Object.entries(record)) {
    if (standardKeys.has(key)) continue;
    if (key === 'error' && value && typeof value === 'object' && 'stack' in value) {
      const { stack: errorStack, ...rest } = value as { stack?: unknown };
      stack = typeof errorStack === 'string' ? errorStack : undefined;
      extra[key] = rest;
    } else extra[key] = value;
  }
  const fields = Object.keys(extra).length > 0 ? `  ${JSON.stringify(extra)}` : '';
  const head = `${timeOf(record)} ${level}${where} ${String(record.message ?? '')}${fields}`;
  return stack ? `${head}\n${stack.replace(/^/gm, '    ')}` : head;
}

/** The text to print for one line of offline's output, or undefined to print nothing. */
export function formatOfflineLine(line: string, options: LogFormatOptions): string | undefined {
  const record = parseRecord(line);
  if (!record) return line;
  if ('_aws' in record) {
    if (!options.showMetrics) return undefined;
    return options.format === LogFormat.json ? line : metricsLine(record);
  }
  if (typeof record.level !== 'string') return line;
  return options.format === LogFormat.json ? line : prettyLine(record);
}
