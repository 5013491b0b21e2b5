// The size and cold-start budgets, in one place: test/package/template.test.ts fails a zip over its
// budget, bench/cold-start.ts prints every figure against them.

/** The goals (issue 12): where a cold start stops being something users feel. */
export const coldStartGoals = {
  /** A fresh process serving one cache hit, as a multiple of a bare `node -e 0`. */
  ratioToBareNode: 2.5,
  zippedKiB: 150,
} as const;

/**
 * Each function's zipped size may not grow past this (KiB): today's size plus a little headroom, so
 * a new dependency that adds weight is a decision, not an accident. The remaining gap to
 * `coldStartGoals.zippedKiB` is the AWS SDK's DynamoDB client (see README, "Cold starts").
 */
const zippedBudgetsKiB = {
  /** health and the enrolment routes: DynamoDB, middy, Powertools, zod; no provider client. */
  core: 195,
  tink: 205,
  /** Moneyhub's client adds jose (private_key_jwt client assertions). */
  moneyhub: 210,
  /** The sweep carries both provider clients. */
  refreshCredentials: 215,
  /** The OpenAPI document is served from the bundle (about 119 KB of JSON before zipping). */
  openapiDocument: 250,
  /** The reference page carries Swagger UI's own files, so that it needs no other origin. */
  apiReference: 600,
} as const;

/**
 * The routes that honour `Idempotency-Key` carry Powertools Idempotency (its DynamoDB persistence
 * layer and the record marshalling): a deliberate 12–16 KiB on top of their area's budget.
 */
const idempotencyKiB = 16;
const idempotentFunctions = new Set(['tinkCreateUser', 'tinkRefreshCredential', 'moneyhubRegisterUser']);

export function zippedBudgetKiB(functionName: string): number {
  // Enrolment reads the user at its provider first: both provider clients, plus Idempotency-Key.
  if (functionName === 'enrollUser') return zippedBudgetsKiB.refreshCredentials + idempotencyKiB;
  if (idempotentFunctions.has(functionName)) return areaBudgetKiB(functionName) + idempotencyKiB;
  return areaBudgetKiB(functionName);
}

function areaBudgetKiB(functionName: string): number {
  if (functionName === 'refreshCredentials') return zippedBudgetsKiB.refreshCredentials;
  if (functionName === 'openapiDocument') return zippedBudgetsKiB.openapiDocument;
  if (functionName === 'apiReference') return zippedBudgetsKiB.apiReference;
  if (functionName.startsWith('tink')) return zippedBudgetsKiB.tink;
  if (functionName.startsWith('moneyhub')) return zippedBudgetsKiB.moneyhub;
  return zippedBudgetsKiB.core;
}
