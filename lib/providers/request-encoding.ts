// How a provider request goes on the wire: the URL with its query, and the body as JSON or as a form.
// Ids in paths are encoded by the operation that puts them there (`encodePathSegment`).

export type RequestBody = { json: unknown } | { form: Record<string, string | string[] | undefined> };
export type QueryParameters = Record<string, string | string[] | undefined>;

export function encodePathSegment(segment: string): string {
  return encodeURIComponent(segment);
}

/** The base URL (with or without a trailing slash), the path under it, and each defined query value. */
export function requestUrl(baseUrl: string, path: string, query: QueryParameters = {}): URL {
  const url = new URL(baseUrl.replace(/\/$/, '') + path);
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(key, item);
  }
  return url;
}

export function encodeBody(body: RequestBody | undefined): { contentType?: string; payload?: string } {
  if (!body) return {};
  if ('json' in body) return { contentType: 'application/json', payload: JSON.stringify(body.json) };
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(body.form)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) form.append(key, item);
  }
  return { contentType: 'application/x-www-form-urlencoded', payload: form.toString() };
}
