// One logger and one metrics emitter per process (Powertools). Secrets never reach a log line:
// the JSON replacer masks any attribute whose name says it holds a secret, and in every string it
// prints (messages, error messages and stacks included) any bearer credential, JWT-shaped value or
// `access_token=…`-style parameter, wherever it sits in the logged object.
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

const serviceName = 'open-banking-users';
const secretKeyPattern =
  /(authorization|token|secret|password|assertion|private|jwk|cookie|^code$|client_assertion|credentials?_?key)/i;
const bearerPattern = /\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+/gi;
/** A JWS or JWE: its header is base64url JSON, so it starts with `eyJ` (`{"`). */
const jwtPattern = /\beyJ[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*){1,4}/g;
const secretParameterNames = 'access_token|refresh_token|id_token|client_secret|client_assertion|code';
/** `name=value` as in a form body or query string, and `"name": "value"` as in a JSON text. */
const secretParameterPattern = new RegExp(`\\b(${secretParameterNames})=[^&\\s"',;]*`, 'gi');
const secretJsonMemberPattern = new RegExp(`("(?:${secretParameterNames})"\\s*:\\s*)"[^"]*"`, 'gi');
export const redacted = '[REDACTED]';

/** The text with every credential-shaped part replaced; for any string that may carry one. */
export function redactSecrets(text: string): string {
  return text
    .replace(bearerPattern, `$1 ${redacted}`)
    .replace(jwtPattern, redacted)
    .replace(secretParameterPattern, `$1=${redacted}`)
    .replace(secretJsonMemberPattern, `$1"${redacted}"`);
}

export function redactLogValue(key: string, value: unknown): unknown {
  if (key !== '' && secretKeyPattern.test(key) && value !== null && value !== undefined) {
    return redacted;
  }
  if (typeof value === 'string') return redactSecrets(value);
  return value;
}

export const logger = new Logger({
  serviceName,
  jsonReplacerFn: (key: string, value: unknown) => redactLogValue(key, value),
});

/**
 * Metrics' own messages go through our logger. An invocation that recorded no metric is normal here
 * (dimensioned metrics are flushed on their own), so that notice is demoted to debug.
 */
const metricsLogger = {
  debug: (...content: unknown[]) => logger.debug(String(content[0]), { detail: content.slice(1) }),
  info: (...content: unknown[]) => logger.info(String(content[0]), { detail: content.slice(1) }),
  warn: (...content: unknown[]) => {
    const message = String(content[0]);
    if (message.startsWith('No application metrics to publish')) logger.debug(message);
    else logger.warn(message, { detail: content.slice(1) });
  },
  error: (...content: unknown[]) => logger.error(String(content[0]), { detail: content.slice(1) }),
};

export const metrics = new Metrics({ namespace: 'OpenBankingUsers', serviceName, logger: metricsLogger });

/** Counts one occurrence of `name`, optionally split by one dimension. Never throws. */
export function countMetric(name: string, dimensions: Record<string, string> = {}, value = 1) {
  try {
    if (Object.keys(dimensions).length === 0) {
      metrics.addMetric(name, MetricUnit.Count, value);
      return;
    }
    const single = metrics.singleMetric();
    for (const [dimension, dimensionValue] of Object.entries(dimensions))
      single.addDimension(dimension, dimensionValue);
    single.addMetric(name, MetricUnit.Count, value);
  } catch (error) {
    logger.warn('Metric not recorded', { metric: name, error });
  }
}

export function timingMetric(name: string, milliseconds: number, dimensions: Record<string, string> = {}) {
  try {
    const single = metrics.singleMetric();
    for (const [dimension, dimensionValue] of Object.entries(dimensions))
      single.addDimension(dimension, dimensionValue);
    single.addMetric(name, MetricUnit.Milliseconds, milliseconds);
  } catch (error) {
    logger.warn('Metric not recorded', { metric: name, error });
  }
}
