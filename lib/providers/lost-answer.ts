// The lost-answer rule for deletions. A delete retried after an attempt that got no answer or a 5xx
// may hear 404 because that earlier attempt deleted the thing and its answer was lost: gone is what
// was asked for, so it is the success the caller would have heard. Only an operation whose 404 can
// mean nothing but "no such resource" may apply it directly (one documented path, on a base URL the
// token call has just proven); where a 404 may also mean "no such route" (Moneyhub's two
// delete-connection paths) the absence must be confirmed another way. The transport never applies it.
import type { ProviderRequest, ProviderResponse, ProviderTransport } from './transport';

/** Whether this 404 may be the lost answer of an earlier attempt of the same delete. */
export function mayBeGoneByLostAnswer(response: ProviderResponse): boolean {
  return response.status === 404 && response.mayFollowLostAnswer;
}

/**
 * Sends a delete whose one path is documented: a 404 after a lost answer is the deletion asked for;
 * any other 404 is thrown as the transport would have.
 */
export async function deleteAllowingLostAnswer(
  transport: ProviderTransport,
  request: ProviderRequest,
): Promise<void> {
  const response = await transport.acknowledged({ ...request, passStatuses: [404] });
  if (response.status === 404 && !mayBeGoneByLostAnswer(response))
    throw transport.errorFor(request, response);
}
