// Providers answer errors in several shapes (their own JSON, OAuth's `{error, error_description}`,
// plain text). Each provider names the fields it uses, in order of preference; this reads any of them.
/** What an error answer says, whatever its shape: every field optional, none trusted. */
export interface ProviderErrorBody {
  message?: string;
  code?: string;
  requestId?: string;
}

export interface ErrorBodyFields {
  message: string[];
  code: string[];
  requestId?: string[];
}

export function parseErrorBody(text: string, fields: ErrorBodyFields): ProviderErrorBody {
  const trimmed = text.trim();
  if (trimmed === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(trimmed);
  } catch {
    return { message: trimmed };
  }
  if (typeof body === 'string') return { message: body };
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { message: trimmed };
  const record = body as Record<string, unknown>;
  const first = (names: string[] = []) => {
    for (const name of names) {
      const value = record[name];
      if (typeof value === 'string' && value !== '') return value;
    }
    return undefined;
  };
  return { message: first(fields.message), code: first(fields.code), requestId: first(fields.requestId) };
}
