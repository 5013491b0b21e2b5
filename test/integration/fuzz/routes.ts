// Every HTTP route of the service as the fuzz suite sees it: the function, the path template with its
// id kinds, what query and body it takes (restated from the README's route table), which provider a
// valid request reaches, and how to undo what a successful request created.
import type { Context } from 'aws-lambda';
import fc from 'fast-check';
import { handler as enrollUser } from '../../../functions/enrollment/enroll-user';
import { handler as unenrollUser } from '../../../functions/enrollment/unenroll-user';
import { handler as health } from '../../../functions/health';
import { handler as deleteConnection } from '../../../functions/moneyhub/delete-connection';
import { handler as moneyhubDeleteUser } from '../../../functions/moneyhub/delete-user';
import { handler as getConnection } from '../../../functions/moneyhub/get-connection';
import { handler as moneyhubGetUser } from '../../../functions/moneyhub/get-user';
import { handler as listConnections } from '../../../functions/moneyhub/list-connections';
import { handler as listSyncs } from '../../../functions/moneyhub/list-syncs';
import { handler as registerUser } from '../../../functions/moneyhub/register-user';
import { handler as createAuthorization } from '../../../functions/tink/create-authorization';
import { handler as createUser } from '../../../functions/tink/create-user';
import { handler as deleteCredential } from '../../../functions/tink/delete-credential';
import { handler as tinkDeleteUser } from '../../../functions/tink/delete-user';
import { handler as getCredential } from '../../../functions/tink/get-credential';
import { handler as getUserAccessToken } from '../../../functions/tink/get-user-access-token';
import { handler as listCredentials } from '../../../functions/tink/list-credentials';
import { handler as refreshCredential } from '../../../functions/tink/refresh-credential';
import { documentedTinkScopes } from '../../../local/simulators/tink';
import { invoke } from '../../support/events';
import { type BodySpec, type IdKind, notPrintable, otherTypes, printable, type QueryRule } from './inputs';

type Handler = (event: never, context: Context) => Promise<unknown>;

export interface RouteSpec {
  /** `METHOD /template`, as in functions/*.yml. */
  key: string;
  method: string;
  template: string;
  handler: Handler;
  ids: Record<string, IdKind>;
  query: QueryRule;
  body?: BodySpec;
  /** The provider a valid request reaches (none for un-enrolment and health). */
  provider?: 'tink' | 'moneyhub';
  /** Undoes what a 2xx created (a user, an enrolment), so the fuzz leaves no registry behind. */
  cleanup?: (response: { statusCode: number; body: string }, ids: Record<string, string>) => Promise<void>;
}

const tinkUser = { userId: 'tinkUser' } as const;
const tinkCredential = { userId: 'tinkUser', credentialId: 'token' } as const;
const moneyhubUser = { userId: 'moneyhubUser' } as const;
const moneyhubConnection = { userId: 'moneyhubUser', connectionId: 'connection' } as const;
const userOf = { tink: tinkUser, moneyhub: moneyhubUser } as const;

const uri = {
  required: false,
  valid: fc.webUrl({ withQueryParameters: true, withFragments: true }).filter((url) => url.length <= 2048),
  invalid: fc.oneof(
    otherTypes('string'),
    fc.constantFrom('', 'not a url', 'http//x', '://x', '/relative', 'http://', 'x'),
    fc.integer({ min: 2049, max: 10_000 }).map((length) => `https://x.example/${'a'.repeat(length)}`),
  ),
};

const boolean = {
  required: true,
  valid: fc.boolean(),
  invalid: fc.oneof(otherTypes('boolean'), fc.constantFrom('true', 'false', 0, 1)),
};

// Valid: scopes the simulator's demo app is entitled to (the API checks format; Tink, entitlement).
const scopeList = fc.uniqueArray(fc.constantFrom(...documentedTinkScopes), { minLength: 1, maxLength: 5 });

const body = {
  createUser: {
    optional: false,
    fields: {
      market: {
        required: true,
        valid: fc.oneof(fc.constantFrom('SE', 'GB', 'DE', 'FI'), fc.stringMatching(/^[A-Z]{2}$/)),
        invalid: fc.oneof(
          otherTypes('string'),
          fc.constantFrom('', 'se', 'Se', 'SWE', 'S', 'S1', ' SE', 'SE ', 'ÅÄ', 'ＳＥ'),
          fc.string({ maxLength: 5 }).filter((text) => !/^[A-Z]{2}$/.test(text)),
        ),
      },
      locale: {
        required: false,
        valid: fc.stringMatching(/^[a-z]{2}_[A-Z]{2}$/),
        invalid: fc.oneof(
          otherTypes('string'),
          fc.constantFrom('', 'sv-SE', 'sv_se', 'SV_SE', 'sv', 'sv_SE ', 'sv_SE_x'),
        ),
      },
      externalUserId: {
        required: false,
        valid: printable(255),
        invalid: fc.oneof(otherTypes('string'), notPrintable(255)),
      },
      retentionClass: {
        required: false,
        valid: fc.constantFrom('permanent', 'temporary'),
        invalid: fc.oneof(otherTypes('string'), fc.constantFrom('', 'PERMANENT', 'forever', 'permanent ')),
      },
    },
  },
  createAuthorization: {
    optional: false,
    fields: {
      scope: {
        required: true,
        valid: scopeList,
        invalid: fc.oneof(
          otherTypes('array'),
          fc.constant([]),
          fc.constantFrom(...documentedTinkScopes).map((scope) => [scope, scope]),
          fc.constantFrom(...documentedTinkScopes),
          fc.constantFrom(
            ['accounts:read,balances:read'],
            ['ACCOUNTS:READ'],
            ['no pe'],
            ['accounts::read'],
            [':read'],
            [`a${'b'.repeat(64)}`],
            [''],
            [1],
            [null],
          ),
          scopeList.map((scopes) => [...scopes, 'admin all']),
          fc.constant(Array.from({ length: 51 }, (_, index) => `scope-${index}`)),
        ),
      },
      delegate: {
        required: false,
        valid: fc.record({
          idHint: printable(255),
          actorClientId: fc.stringMatching(/^[A-Za-z0-9_-]{1,128}$/),
        }),
        invalid: fc.oneof(
          otherTypes('object'),
          fc.constantFrom({}, { idHint: 'x' }, { actorClientId: 'c' }, { idHint: '', actorClientId: 'c' }),
          fc.record({ idHint: notPrintable(255), actorClientId: fc.constant('c') }),
          fc.record({
            idHint: fc.constant('x'),
            actorClientId: fc.oneof(otherTypes('string'), fc.constantFrom('', 'a b', 'a/b', 'c'.repeat(129))),
          }),
          fc.constant({ idHint: 'x', actorClientId: 'c', extra: true }),
        ),
      },
    },
  },
  getUserAccessToken: {
    optional: false,
    fields: {
      code: {
        required: true,
        valid: fc.stringMatching(/^[A-Za-z0-9._~-]{1,512}$/),
        invalid: fc.oneof(
          otherTypes('string'),
          fc.constantFrom('', ' ', 'a b', 'a+b', 'a/b', 'a%20b', 'é', 'code\n'),
          fc.integer({ min: 513, max: 5000 }).map((length) => 'c'.repeat(length)),
        ),
      },
    },
  },
  refreshCredential: {
    optional: true,
    fields: {
      items: {
        required: false,
        valid: fc.array(fc.stringMatching(/^[A-Z][A-Z_]{0,63}$/), { maxLength: 32 }),
        invalid: fc.oneof(
          otherTypes('array'),
          fc.constantFrom(
            ['checking'],
            ['1'],
            [''],
            ['A-B'],
            ['_A'],
            Array.from({ length: 33 }, () => 'A'),
          ),
          fc.array(otherTypes('string'), { minLength: 1, maxLength: 3 }),
        ),
      },
      authenticate: { ...boolean, required: false },
      appUri: uri,
      callbackUri: uri,
      userAvailability: {
        required: false,
        valid: fc.record(
          {
            userAvailableForInteraction: fc.boolean(),
            userPresent: fc.boolean(),
            originatingUserIp: fc.oneof(fc.ipV4(), fc.ipV6()),
          },
          { requiredKeys: ['userAvailableForInteraction', 'userPresent'] },
        ),
        invalid: fc.oneof(
          otherTypes('object'),
          fc.constantFrom(
            {},
            { userPresent: true },
            { userAvailableForInteraction: 'yes', userPresent: true },
            { userAvailableForInteraction: true, userPresent: true, originatingUserIp: '999.1.1.1' },
            { userAvailableForInteraction: true, userPresent: true, originatingUserIp: 'localhost' },
            { userAvailableForInteraction: true, userPresent: true, extra: 1 },
          ),
        ),
      },
    },
  },
  registerUser: {
    optional: true,
    fields: {
      clientUserId: {
        required: false,
        valid: printable(256),
        invalid: fc.oneof(otherTypes('string'), notPrintable(256)),
      },
    },
  },
} satisfies Record<string, BodySpec>;

const call = (handler: Handler, method: string, path: string, pathParameters: Record<string, string>) =>
  invoke(handler, { method, path, pathParameters });

const parsed = (response: { body: string }) => JSON.parse(response.body) as Record<string, unknown>;

export const routes: RouteSpec[] = [
  {
    key: 'POST /tink/users',
    method: 'POST',
    template: '/tink/users',
    handler: createUser,
    ids: {},
    query: 'none',
    body: body.createUser,
    provider: 'tink',
    cleanup: async (response) => {
      if (response.statusCode !== 201) return;
      const userId = String(parsed(response).userId);
      await call(tinkDeleteUser, 'DELETE', `/tink/users/${userId}`, { userId });
    },
  },
  {
    key: 'POST /tink/users/{userId}/authorization-grants',
    method: 'POST',
    template: '/tink/users/{userId}/authorization-grants',
    handler: createAuthorization,
    ids: tinkUser,
    query: 'none',
    body: body.createAuthorization,
    provider: 'tink',
  },
  {
    key: 'POST /tink/oauth/token',
    method: 'POST',
    template: '/tink/oauth/token',
    handler: getUserAccessToken,
    ids: {},
    query: 'none',
    body: body.getUserAccessToken,
    provider: 'tink',
  },
  {
    key: 'GET /tink/users/{userId}/credentials',
    method: 'GET',
    template: '/tink/users/{userId}/credentials',
    handler: listCredentials,
    ids: tinkUser,
    query: 'none',
    provider: 'tink',
  },
  {
    key: 'GET /tink/users/{userId}/credentials/{credentialId}',
    method: 'GET',
    template: '/tink/users/{userId}/credentials/{credentialId}',
    handler: getCredential,
    ids: tinkCredential,
    query: 'none',
    provider: 'tink',
  },
  {
    key: 'DELETE /tink/users/{userId}/credentials/{credentialId}',
    method: 'DELETE',
    template: '/tink/users/{userId}/credentials/{credentialId}',
    handler: deleteCredential,
    ids: tinkCredential,
    query: 'none',
    provider: 'tink',
  },
  {
    key: 'POST /tink/users/{userId}/credentials/{credentialId}/refresh',
    method: 'POST',
    template: '/tink/users/{userId}/credentials/{credentialId}/refresh',
    handler: refreshCredential,
    ids: tinkCredential,
    query: 'none',
    body: body.refreshCredential,
    provider: 'tink',
  },
  {
    key: 'DELETE /tink/users/{userId}',
    method: 'DELETE',
    template: '/tink/users/{userId}',
    handler: tinkDeleteUser,
    ids: tinkUser,
    query: 'none',
    provider: 'tink',
  },
  {
    key: 'POST /moneyhub/users',
    method: 'POST',
    template: '/moneyhub/users',
    handler: registerUser,
    ids: {},
    query: 'none',
    body: body.registerUser,
    provider: 'moneyhub',
    cleanup: async (response) => {
      if (response.statusCode !== 201) return;
      const userId = String(parsed(response).userId);
      await call(moneyhubDeleteUser, 'DELETE', `/moneyhub/users/${userId}`, { userId });
    },
  },
  {
    key: 'GET /moneyhub/users/{userId}',
    method: 'GET',
    template: '/moneyhub/users/{userId}',
    handler: moneyhubGetUser,
    ids: moneyhubUser,
    query: 'none',
    provider: 'moneyhub',
  },
  {
    key: 'DELETE /moneyhub/users/{userId}',
    method: 'DELETE',
    template: '/moneyhub/users/{userId}',
    handler: moneyhubDeleteUser,
    ids: moneyhubUser,
    query: 'none',
    provider: 'moneyhub',
  },
  {
    key: 'GET /moneyhub/users/{userId}/connections',
    method: 'GET',
    template: '/moneyhub/users/{userId}/connections',
    handler: listConnections,
    ids: moneyhubUser,
    query: 'none',
    provider: 'moneyhub',
  },
  {
    key: 'GET /moneyhub/users/{userId}/connections/{connectionId}',
    method: 'GET',
    template: '/moneyhub/users/{userId}/connections/{connectionId}',
    handler: getConnection,
    ids: moneyhubConnection,
    query: 'none',
    provider: 'moneyhub',
  },
  {
    key: 'DELETE /moneyhub/users/{userId}/connections/{connectionId}',
    method: 'DELETE',
    template: '/moneyhub/users/{userId}/connections/{connectionId}',
    handler: deleteConnection,
    ids: moneyhubConnection,
    query: 'none',
    provider: 'moneyhub',
  },
  {
    key: 'GET /moneyhub/users/{userId}/syncs',
    method: 'GET',
    template: '/moneyhub/users/{userId}/syncs',
    handler: listSyncs,
    ids: moneyhubUser,
    query: 'syncs',
    provider: 'moneyhub',
  },
  ...(['tink', 'moneyhub'] as const).flatMap((provider): RouteSpec[] => [
    {
      key: `PUT /${provider}/users/{userId}/enrollment`,
      method: 'PUT',
      template: `/${provider}/users/{userId}/enrollment`,
      handler: enrollUser,
      ids: userOf[provider],
      query: 'none',
      // Enrolment reads the user first: an unknown user is the provider's 404.
      provider,
      cleanup: async (response, ids) => {
        if (response.statusCode !== 200) return;
        const userId = ids.userId as string;
        await call(unenrollUser, 'DELETE', `/${provider}/users/${userId}/enrollment`, { userId });
      },
    },
    {
      key: `DELETE /${provider}/users/{userId}/enrollment`,
      method: 'DELETE',
      template: `/${provider}/users/{userId}/enrollment`,
      handler: unenrollUser,
      ids: userOf[provider],
      query: 'none',
    },
  ]),
  {
    key: 'GET /health',
    method: 'GET',
    template: '/health',
    handler: health,
    ids: {},
    // A probe may add a cache-buster; health ignores the query.
    query: 'ignored',
  },
];
