// RFC 9457 problem details: every error this API returns has this shape.

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  [extension: string]: unknown;
}

/** Anything that knows how it should be shown to the caller. */
export interface ProblemSource {
  toProblem(): Problem;
  /** Headers the response must carry, e.g. `Retry-After`. */
  problemHeaders?(): Record<string, string>;
}

export const problemType = (slug: string) => `https://open-banking-users.dev/problems/${slug}`;

export function isProblemSource(error: unknown): error is ProblemSource {
  return typeof (error as ProblemSource | undefined)?.toProblem === 'function';
}

export interface ValidationIssue {
  location: 'path' | 'query' | 'body' | 'header';
  field: string;
  message: string;
}

/**
 * A refusal lists at most this many issues, each field and message clipped: the answer never grows
 * with the input (a body with thousands of unknown keys would otherwise be echoed twice over, past
 * Lambda's 6 MB response limit, and turn a 400 into an API Gateway 5xx).
 */
const maxIssues = 10;
const maxIssueText = 200;

function clip(text: string): string {
  if (text.length <= maxIssueText) return text;
  // Never end on half a surrogate pair.
  return `${text.slice(0, maxIssueText - 1).replace(/[\ud800-\udbff]$/, '')}…`;
}

/** The request is not acceptable; nothing was called or changed. */
export class RequestValidationError extends Error implements ProblemSource {
  readonly issues: ValidationIssue[];

  constructor(
    issues: ValidationIssue[],
    readonly status = 400,
  ) {
    const shown = issues
      .slice(0, maxIssues)
      .map((issue) => ({ ...issue, field: clip(issue.field), message: clip(issue.message) }));
    const omitted = issues.length - shown.length;
    super(
      shown
        .map((issue) => `${issue.location}${issue.field ? `.${issue.field}` : ''}: ${issue.message}`)
        .join('; ') + (omitted > 0 ? `; and ${omitted} more issue${omitted === 1 ? '' : 's'}` : ''),
    );
    this.name = 'RequestValidationError';
    this.issues = shown;
  }

  toProblem(): Problem {
    return {
      type: problemType(refusalTypes[this.status] ?? 'invalid-request'),
      title: refusalTitles[this.status] ?? 'Invalid request',
      status: this.status,
      detail: this.message,
      issues: this.issues,
    };
  }
}

/** Refusals that are not a plain 400 each have their own problem type, so a client can tell them apart. */
const refusalTypes: Record<number, string> = {
  413: 'payload-too-large',
  415: 'unsupported-media-type',
};

const refusalTitles: Record<number, string> = {
  413: 'Payload too large',
  415: 'Unsupported media type',
};

/** No route of this API has the request's path (the `$default` route's answer). */
export class RouteNotFoundError extends Error implements ProblemSource {
  constructor() {
    super('This API has no route for this path');
    this.name = 'RouteNotFoundError';
  }

  toProblem(): Problem {
    return { type: problemType('route-not-found'), title: 'Not found', status: 404, detail: this.message };
  }
}

/** The path is one of this API's, under other methods. */
export class MethodNotAllowedError extends Error implements ProblemSource {
  constructor(readonly allowedMethods: string[]) {
    super(`This path accepts only ${allowedMethods.join(', ')}`);
    this.name = 'MethodNotAllowedError';
  }

  toProblem(): Problem {
    return {
      type: problemType('method-not-allowed'),
      title: 'Method not allowed',
      status: 405,
      detail: this.message,
    };
  }

  problemHeaders() {
    return { Allow: this.allowedMethods.join(', ') };
  }
}

/**
 * The request did not prove who sent it (a webhook's signature). The detail never says which part
 * failed: that would tell a forger what to fix next.
 */
export class UnauthenticatedError extends Error implements ProblemSource {
  constructor() {
    super('The request could not be authenticated');
    this.name = 'UnauthenticatedError';
  }

  toProblem(): Problem {
    return {
      type: problemType('unauthenticated'),
      title: 'Unauthenticated',
      status: 401,
      detail: 'The request could not be authenticated.',
    };
  }
}

/** Something this service depends on (its table, a provider's key set) failed; retrying may help. */
export class DependencyUnavailableError extends Error implements ProblemSource {
  constructor(detail: string, options?: { cause?: unknown }) {
    super(detail, options);
    this.name = 'DependencyUnavailableError';
  }

  toProblem(): Problem {
    return { type: problemType('unavailable'), title: 'Unavailable', status: 503, detail: this.message };
  }

  problemHeaders() {
    return { 'Retry-After': '1' };
  }
}
