// Which path deletes a Moneyhub connection: `/connection/` (singular: the official client and the
// 2020 docs) or `/connections/` (plural: the current reference). No public source settles it (see
// docs/providers.md, "Unsettled"), so the configured one (MONEYHUB_DELETE_CONNECTION_PATH) is tried
// first and the other on 404/405, and whichever accepted the request is tried first from then on: a
// wrong guess costs one extra request per process, and a path that goes away is found again the same
// way. A 404 can mean "no such route" here as well as "no such connection": the caller decides which.
import { logger } from '../../observability';
import { mayBeGoneByLostAnswer } from '../lost-answer';
import type { ProviderRequest, ProviderResponse, ProviderTransport } from '../transport';
import { encodeConnectionId, userPath } from './paths';

export type DeleteConnectionPath = 'singular' | 'plural';

/** Both paths refused the delete: the more telling answer, and whether it may follow a lost answer. */
export interface RefusedOnBothPaths {
  request: ProviderRequest;
  response: ProviderResponse;
  mayBeGone: boolean;
}

const otherPath = (path: DeleteConnectionPath): DeleteConnectionPath =>
  path === 'singular' ? 'plural' : 'singular';

const pathOf = (path: DeleteConnectionPath, userId: string, connectionId: string) =>
  `${userPath(userId)}/${path === 'singular' ? 'connection' : 'connections'}/${encodeConnectionId(connectionId)}`;

export class DeleteConnectionPaths {
  private preferred: DeleteConnectionPath;

  constructor(private readonly configured: DeleteConnectionPath) {
    this.preferred = configured;
  }

  /**
   * Sends the delete on the preferred path, then on the other when that one answers 404/405; returns
   * nothing once a path accepted it, else both refusals summed up (a 404 says more than a 405).
   */
  async delete(
    transport: ProviderTransport,
    request: Omit<ProviderRequest, 'path' | 'passStatuses'>,
    userId: string,
    connectionId: string,
  ): Promise<RefusedOnBothPaths | undefined> {
    let refused: Omit<RefusedOnBothPaths, 'mayBeGone'> | undefined;
    let mayBeGone = false;
    const first = this.preferred;
    for (const path of [first, otherPath(first)]) {
      const attempt = { ...request, path: pathOf(path, userId, connectionId), passStatuses: [404, 405] };
      const response = await transport.acknowledged(attempt);
      if (response.status !== 404 && response.status !== 405) {
        if (path !== this.preferred) {
          logger.info('Moneyhub delete-connection path learned', { path });
          this.preferred = path;
        }
        return undefined;
      }
      mayBeGone ||= mayBeGoneByLostAnswer(response);
      if (!refused || refused.response.status === 405) refused = { request: attempt, response };
    }
    return refused && { ...refused, mayBeGone };
  }

  /** Back to the configured path, as after a cold start. */
  forget() {
    this.preferred = this.configured;
  }
}
