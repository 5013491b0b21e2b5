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

/** The request is not acceptable; nothing was called or changed. */
export class RequestValidationError extends Error implements ProblemSource {
  constructor(
    readonly issues: ValidationIssue[],
    readonly status = 400,
  ) {
    super(
      issues
        .map((issue) => `${issue.location}${issue.field ? `.${issue.field}` : ''}: ${issue.message}`)
        .join('; '),
    );
    this.name = 'RequestValidationError';
  }

  toProblem(): Problem {
    return {
      type: problemType('invalid-request'),
      title: this.status === 415 ? 'Unsupported media type' : 'Invalid request',
      status: this.status,
      detail: this.message,
      issues: this.issues,
    };
  }
}

/** A resource this API itself could not find (e.g. a connection absent from the user's list). */
export class ResourceNotFoundError extends Error implements ProblemSource {
  constructor(detail: string) {
    super(detail);
    this.name = 'ResourceNotFoundError';
  }

  toProblem(): Problem {
    return { type: problemType('not-found'), title: 'Not found', status: 404, detail: this.message };
  }
}
