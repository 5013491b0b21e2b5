/**
 * Scopes Tink documents and uses in its own Postman collections and example servers, outside this
 * project's own set: what a real tenant's app may be entitled to and a caller may ask for.
 */
export const tinkOwnScopes = [
  'accounts.parties:readonly',
  'identities:readonly',
  'accounts.balances:readonly',
  'balance-refresh',
  'link-session:read',
  'provider-consents:write',
  'user-report-bundles:read',
  'account-verification-reports:write',
  'payment:read',
];
