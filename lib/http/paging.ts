// Paging links that stay inside this API. Moneyhub's list envelopes carry `links.self/next/prev`
// pointing at Moneyhub's own host; a client following them would call the provider directly
// (without our credentials, our cache, or our validation). Each link is rebuilt as this request's
// URL with the provider link's paging parameters, so `next` is the next page of the same route here.

/** The query parameters a paged route of this API takes; anything else in a provider link is dropped. */
const pagingParameters = ['limit', 'offset'] as const;
const linkNames = ['self', 'next', 'prev'] as const;

type Links = Partial<Record<(typeof linkNames)[number], string | null | undefined>>;

function pageQuery(providerLink: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(providerLink);
  } catch {
    return undefined;
  }
  const query = new URLSearchParams();
  for (const name of pagingParameters) {
    const value = parsed.searchParams.get(name);
    if (value !== null && /^\d{1,10}$/.test(value)) query.set(name, value);
  }
  return query.toString();
}

/**
 * The envelope with its links rewritten against `requestUrl` (this request's URL without its query).
 * A link that cannot be read is dropped rather than passed on.
 */
export function withLocalPageLinks<Envelope extends { links?: Links | null }>(
  envelope: Envelope,
  requestUrl: string,
): Envelope {
  if (!envelope.links) return envelope;
  const links: Record<string, string> = {};
  for (const name of linkNames) {
    const providerLink = envelope.links[name];
    if (typeof providerLink !== 'string') continue;
    const query = pageQuery(providerLink);
    if (query === undefined) continue;
    links[name] = query === '' ? requestUrl : `${requestUrl}?${query}`;
  }
  return { ...envelope, links };
}
