// Paths on Moneyhub's APIs, each id encoded as one path segment.
import { encodePathSegment } from '../request-encoding';

export const userPath = (userId: string) => `/users/${encodePathSegment(userId)}`;

/** A connection id keeps its `:` (a valid path character, sent raw by Moneyhub's own client). */
export const encodeConnectionId = (connectionId: string) =>
  encodePathSegment(connectionId).replace(/%3A/gi, ':');
