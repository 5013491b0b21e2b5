// A provider's successful answer read as what the contract promises: JSON that matches the
// operation's schema, or (for an acknowledgement) no body or any well-formed JSON. Anything else is
// the provider's fault (502), described without quoting the body, which may hold a token.
import type * as z from 'zod';
import type { ProviderName } from '../provider-name';
import type { ProviderAnswer } from './attempt-failure';
import { ProviderError, ProviderFailure } from './errors';

export interface DecodingContext {
  provider: ProviderName;
  operation: string;
}

export function decodeJson<Schema extends z.ZodType>(
  context: DecodingContext,
  answer: ProviderAnswer,
  schema: Schema,
): z.output<Schema> {
  const result = schema.safeParse(parseJsonText(context, answer));
  if (!result.success) {
    const where = result.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('; ');
    throw badResponse(
      context,
      answer,
      `The provider's response did not match its schema (${where})`,
      result.error,
    );
  }
  return result.data;
}

/** A success with a corrupted body leaves what happened unknown: the caller must not hear it worked. */
export function checkAcknowledgement(context: DecodingContext, answer: ProviderAnswer): void {
  const succeeded = answer.status >= 200 && answer.status < 300;
  if (succeeded && answer.text.trim() !== '') parseJsonText(context, answer);
}

function parseJsonText(context: DecodingContext, answer: ProviderAnswer): unknown {
  try {
    return JSON.parse(answer.text);
  } catch {
    // Not the parser's own error: its message quotes the start of the body, which may be a token.
    const cause = new SyntaxError(`Malformed JSON in a body of ${answer.text.length} characters`);
    throw badResponse(context, answer, 'The provider answered with malformed JSON', cause);
  }
}

function badResponse(context: DecodingContext, answer: ProviderAnswer, detail: string, cause: unknown) {
  return new ProviderError({
    provider: context.provider,
    operation: context.operation,
    failure: ProviderFailure.badResponse,
    detail,
    providerStatus: answer.status,
    providerRequestId: answer.providerRequestId,
    cause,
  });
}
