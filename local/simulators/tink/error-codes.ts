// Tink's error vocabulary, shared by the simulator's auth checks and its API routes.
/** Tink's `errorCode` values as this simulator spells them (the real set is undocumented). */
export const TinkErrorCode = {
  badRequest: 'request.invalid',
  unauthorized: 'authentication.unauthorized',
  forbidden: 'authorization.forbidden',
  userNotFound: 'user.not_found',
  userConflict: 'user.external_user_id_conflict',
  credentialsNotFound: 'credentials.not_found',
  refreshInProgress: 'credentials.refresh_in_progress',
  authenticationRequired: 'credentials.authentication_required',
  rateLimited: 'request.rate_limited',
} as const;
