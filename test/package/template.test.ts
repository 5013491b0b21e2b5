// Packages the service (`sls package`, no AWS credentials) and checks the generated CloudFormation:
// resource types and properties against AWS's published resource schemas, the route
// table, the JWT authorizer and each route's scope, the cache table's TTL, one least-privilege role
// per function, the runtime, each zip within its size budget (bench/budgets.ts) and what the
// bundles leave out.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadAwsServiceSpec } from '@aws-cdk/aws-service-spec';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zippedBudgetKiB } from '../../bench/budgets';
import { readZippedBundle } from '../../bench/zip';
import { apiRoutes } from '../../functions/fallback/route-table';

type Resource = { Type: string; Properties?: Record<string, unknown>; DependsOn?: unknown };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };
type Template = { Resources: Record<string, Resource> };

const root = path.resolve(__dirname, '../..');
const packageDir = mkdtempSync(path.join(tmpdir(), 'obu-package-'));
let template: Template;

/**
 * Every route must be deployed, and nothing else: the catch-all's route table (which answers 404/405
 * from it) plus the catch-all itself. The OpenAPI unit test holds the document to functions/*.yml.
 */
const expectedRoutes: string[] = [...apiRoutes, '$default'];

/**
 * Routes outside the JWT authorizer: health checks, the OpenAPI document and the reference page, and
 * the providers' webhooks (signed instead).
 */
const publicRoutes = [
  'GET /health',
  'GET /openapi.json',
  'GET /docs',
  'GET /docs/{asset}',
  'POST /webhooks/tink',
  'POST /webhooks/moneyhub',
];

/** Which scope each authorized route asks for. */
const scopes = {
  read: 'open-banking-users/read',
  write: 'open-banking-users/write',
  tokens: 'open-banking-users/tokens',
} as const;
const routeScopes: Record<string, keyof typeof scopes> = {
  'POST /tink/users': 'write',
  'POST /tink/users/{userId}/authorization-grants': 'tokens',
  'POST /tink/oauth/token': 'tokens',
  'GET /tink/users/{userId}/credentials': 'read',
  'GET /tink/users/{userId}/credentials/{credentialId}': 'read',
  'DELETE /tink/users/{userId}/credentials/{credentialId}': 'write',
  'POST /tink/users/{userId}/credentials/{credentialId}/refresh': 'write',
  'DELETE /tink/users/{userId}': 'write',
  'PUT /tink/users/{userId}/enrollment': 'write',
  'DELETE /tink/users/{userId}/enrollment': 'write',
  'POST /moneyhub/users': 'write',
  'GET /moneyhub/users/{userId}': 'read',
  'DELETE /moneyhub/users/{userId}': 'write',
  'GET /moneyhub/users/{userId}/connections': 'read',
  'GET /moneyhub/users/{userId}/connections/{connectionId}': 'read',
  'DELETE /moneyhub/users/{userId}/connections/{connectionId}': 'write',
  'GET /moneyhub/users/{userId}/syncs': 'read',
  'PUT /moneyhub/users/{userId}/enrollment': 'write',
  'DELETE /moneyhub/users/{userId}/enrollment': 'write',
};

/** Stage parameters given to `sls package` through the environment, to see them reach the authorizer. */
const jwtIssuer = 'https://issuer.package-test.invalid/pool';
const jwtAudience = 'package-test-audience';

/**
 * What each function may do, read off its code path (lib/cache/dynamodb-store.ts, lib/registry.ts,
 * lib/sweep/*): a cached read is BatchGetItem (generation + entry) then a conditional PutItem fill;
 * an invalidation bumps the generation (UpdateItem); a purge bumps it, then Query + BatchWriteItem
 * delete the entries; enrolment is a cached read of the user, then reads the registry's stored shard
 * count (GetItem) and writes a registry PutItem; un-enrolment reads the count then is a DeleteItem; the
 * sweep also keeps its cursor (GetItem/PutItem) and leases (PutItem) and walks the registry (Query).
 * A webhook invalidates (UpdateItem); Moneyhub's also remembers each token id (conditional PutItem).
 * `secrets`: the SSM parameters the function reads at cold start: a provider's (`tink/*`) or one.
 */
const cachedRead = ['BatchGetItem', 'PutItem'];
const invalidation = ['UpdateItem'];
const enrolment = ['GetItem', 'PutItem'];
const unenrolment = ['DeleteItem', 'GetItem'];
const purgeAndUnenrolment = ['BatchWriteItem', 'Query', 'UpdateItem', ...unenrolment];
/** Idempotency-Key records (Powertools): a conditional PutItem, GetItem, UpdateItem on success, DeleteItem on failure. */
const idempotency = ['DeleteItem', 'GetItem', 'PutItem', 'UpdateItem'];
const union = (...lists: string[][]) => [...new Set(lists.flat())].sort();
const functionAccess: Record<
  string,
  { dynamodb: string[]; secrets: ('tink' | 'moneyhub' | 'tink/webhook-secret')[] }
> = {
  health: { dynamodb: ['DescribeTable'], secrets: [] },
  openapiDocument: { dynamodb: [], secrets: [] },
  apiReference: { dynamodb: [], secrets: [] },
  fallback: { dynamodb: [], secrets: [] },
  enrollUser: { dynamodb: union(cachedRead, enrolment, idempotency), secrets: ['tink', 'moneyhub'] },
  unenrollUser: { dynamodb: unenrolment, secrets: [] },
  tinkCreateUser: { dynamodb: union(enrolment, idempotency), secrets: ['tink'] },
  tinkCreateAuthorization: { dynamodb: [], secrets: ['tink'] },
  tinkGetUserAccessToken: { dynamodb: [], secrets: ['tink'] },
  tinkListCredentials: { dynamodb: cachedRead, secrets: ['tink'] },
  tinkGetCredential: { dynamodb: cachedRead, secrets: ['tink'] },
  tinkDeleteCredential: { dynamodb: invalidation, secrets: ['tink'] },
  tinkRefreshCredential: { dynamodb: union(invalidation, idempotency), secrets: ['tink'] },
  tinkDeleteUser: { dynamodb: purgeAndUnenrolment, secrets: ['tink'] },
  moneyhubRegisterUser: { dynamodb: union(enrolment, idempotency), secrets: ['moneyhub'] },
  moneyhubGetUser: { dynamodb: cachedRead, secrets: ['moneyhub'] },
  moneyhubListConnections: { dynamodb: cachedRead, secrets: ['moneyhub'] },
  moneyhubGetConnection: { dynamodb: cachedRead, secrets: ['moneyhub'] },
  moneyhubListSyncs: { dynamodb: cachedRead, secrets: ['moneyhub'] },
  moneyhubDeleteConnection: { dynamodb: invalidation, secrets: ['moneyhub'] },
  moneyhubDeleteUser: { dynamodb: purgeAndUnenrolment, secrets: ['moneyhub'] },
  tinkWebhook: { dynamodb: invalidation, secrets: ['tink/webhook-secret'] },
  moneyhubWebhook: { dynamodb: ['PutItem', 'UpdateItem'], secrets: [] },
  refreshCredentials: {
    dynamodb: ['BatchGetItem', 'DeleteItem', 'GetItem', 'PutItem', 'Query', 'UpdateItem'],
    secrets: ['tink', 'moneyhub'],
  },
};

const resourcesOfType = (type: string) =>
  Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);

beforeAll(() => {
  const result = spawnSync(
    path.join(root, 'node_modules', '.bin', 'sls'),
    ['package', '--stage', 'dev', '--package', packageDir],
    {
      cwd: root,
      encoding: 'utf8',
      env: {
        ...process.env,
        SLS_TELEMETRY_DISABLED: '1',
        JWT_ISSUER: jwtIssuer,
        JWT_AUDIENCE: jwtAudience,
        TINK_CLIENT_ID: 'package-test-tink-client',
        MONEYHUB_CLIENT_ID: 'package-test-moneyhub-client',
      },
      timeout: 240_000,
    },
  );
  if (result.status !== 0) throw new Error(`sls package failed:\n${result.stdout}\n${result.stderr}`);
  template = JSON.parse(
    readFileSync(path.join(packageDir, 'cloudformation-template-update-stack.json'), 'utf8'),
  );
});

afterAll(() => rmSync(packageDir, { recursive: true, force: true }));

const actionsOf = (statement: Statement) => ([] as string[]).concat(statement.Action);
const getAtt = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });
const byJson = (a: unknown, b: unknown) => JSON.stringify(a).localeCompare(JSON.stringify(b));

/** Each Lambda function by its name in serverless.yml, with its role's logical id and statements. */
function functionRoles() {
  return resourcesOfType('AWS::Lambda::Function').map(([logicalId, fn]) => {
    const name = String(fn.Properties?.FunctionName).replace(/^open-banking-users-dev-/, '');
    const roleRef = fn.Properties?.Role as { 'Fn::GetAtt'?: [string, string] };
    const roleId = roleRef['Fn::GetAtt']?.[0] ?? '';
    const role = template.Resources[roleId];
    const policies = (role?.Properties?.Policies as { PolicyDocument: { Statement: Statement[] } }[]) ?? [];
    return {
      name,
      logicalId,
      roleId,
      role,
      statements: policies.flatMap((policy) => policy.PolicyDocument.Statement),
    };
  });
}

describe('Packaged CloudFormation template', () => {
  it("uses only resource types and properties that AWS's resource schemas define, with required ones set", async () => {
    const spec = await loadAwsServiceSpec();
    const problems: string[] = [];
    for (const [logicalId, resource] of Object.entries(template.Resources)) {
      const found = spec.lookup('resource', 'cloudFormationType', 'equals', resource.Type);
      if (found.length !== 1) {
        problems.push(`${logicalId}: unknown type ${resource.Type}`);
        continue;
      }
      const schema = found.only();
      const properties = resource.Properties ?? {};
      for (const name of Object.keys(properties)) {
        if (!(name in schema.properties)) problems.push(`${logicalId}: unknown property ${name}`);
      }
      for (const [name, property] of Object.entries(schema.properties)) {
        if (property.required && !(name in properties))
          problems.push(`${logicalId}: missing required ${name}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('deploys exactly the documented routes', () => {
    const routes = resourcesOfType('AWS::ApiGatewayV2::Route').map(([, route]) => route.Properties?.RouteKey);
    expect([...routes].sort()).toEqual([...expectedRoutes].sort());
  });

  it('puts every route but the public ones and $default behind the JWT authorizer with exactly its scope class', () => {
    const open = [...publicRoutes, '$default'];
    expect(Object.keys(routeScopes).sort()).toEqual(expectedRoutes.filter((r) => !open.includes(r)).sort());
    const [authorizerId] = resourcesOfType('AWS::ApiGatewayV2::Authorizer').map(([id]) => id);
    const routes = Object.fromEntries(
      resourcesOfType('AWS::ApiGatewayV2::Route').map(([, route]) => [
        route.Properties?.RouteKey,
        route.Properties,
      ]),
    );

    for (const routeKey of open) {
      expect(routes[routeKey]?.AuthorizationType ?? 'NONE', routeKey).toBe('NONE');
      expect(routes[routeKey]?.AuthorizerId, routeKey).toBeUndefined();
    }
    for (const [routeKey, scope] of Object.entries(routeScopes)) {
      expect({ routeKey, ...routes[routeKey] }).toMatchObject({
        routeKey,
        AuthorizationType: 'JWT',
        AuthorizerId: { Ref: authorizerId },
        AuthorizationScopes: [scopes[scope]],
      });
    }
  });

  it("takes the authorizer's issuer and audience from the stage parameters, the token from Authorization", () => {
    const authorizers = resourcesOfType('AWS::ApiGatewayV2::Authorizer');
    expect(authorizers).toHaveLength(1);
    expect(authorizers[0]?.[1].Properties).toMatchObject({
      ApiId: { Ref: 'HttpApi' },
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Issuer: jwtIssuer, Audience: [jwtAudience] },
    });
  });

  it('gives every function a role of its own, and no provider-wide role', () => {
    const roles = functionRoles();
    expect(roles.map((fn) => fn.name).sort()).toEqual(Object.keys(functionAccess).sort());
    for (const fn of roles) expect(fn.role?.Type, fn.name).toBe('AWS::IAM::Role');
    expect(new Set(roles.map((fn) => fn.roleId)).size).toBe(roles.length);
    expect(
      resourcesOfType('AWS::IAM::Role')
        .map(([id]) => id)
        .sort(),
    ).toEqual(roles.map((fn) => fn.roleId).sort());
    expect(template.Resources.IamRoleLambdaExecution).toBeUndefined();
    for (const fn of roles) {
      expect(fn.role?.Properties?.AssumeRolePolicyDocument).toEqual({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      });
      expect(fn.role?.Properties?.ManagedPolicyArns).toBeUndefined();
    }
  });

  it("allows each function exactly its own DynamoDB actions, on the table's ARN only", () => {
    const granted: Record<string, string[]> = {};
    for (const fn of functionRoles()) {
      const dynamo = fn.statements.filter((statement) =>
        actionsOf(statement).some((action) => action.startsWith('dynamodb:')),
      );
      for (const statement of dynamo) {
        expect(statement.Effect).toBe('Allow');
        expect(statement.Resource, fn.name).toEqual(getAtt('CacheTable'));
        for (const action of actionsOf(statement))
          expect(action, fn.name).toMatch(/^dynamodb:[A-Z][A-Za-z]+$/);
      }
      granted[fn.name] = dynamo.flatMap(actionsOf).sort();
    }
    const expected = Object.fromEntries(
      Object.entries(functionAccess).map(([name, access]) => [
        name,
        access.dynamodb.map((action) => `dynamodb:${action}`).sort(),
      ]),
    );
    expect(granted).toEqual(expected);
  });

  it('allows nothing else: its own log group, and SSM only for the provider secrets it reads', () => {
    const ssmPath = (secret: string) => ({
      'Fn::Sub': `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter/open-banking-users/dev/${secret.includes('/') ? secret : `${secret}/*`}`,
    });
    for (const fn of functionRoles()) {
      const service = (statement: Statement) => actionsOf(statement)[0]?.split(':')[0];
      for (const statement of fn.statements) {
        expect(statement.Effect).toBe('Allow');
        expect(new Set(actionsOf(statement).map((action) => action.split(':')[0])).size, fn.name).toBe(1);
        expect(['logs', 'ssm', 'dynamodb'], fn.name).toContain(service(statement));
        expect(([] as unknown[]).concat(statement.Resource), fn.name).not.toContain('*');
        for (const action of actionsOf(statement)) expect(action, fn.name).not.toContain('*');
      }

      // Logs: create streams in and write to the function's own log group (CloudFormation creates it).
      const logs = fn.statements.filter((statement) => service(statement) === 'logs');
      expect(logs, fn.name).toHaveLength(1);
      const [logStatement] = logs as [Statement];
      expect(actionsOf(logStatement).sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
      const logGroupId = `${fn.logicalId.replace(/LambdaFunction$/, '')}LogGroup`;
      expect(logStatement.Resource, fn.name).toEqual(getAtt(logGroupId));
      expect(template.Resources[logGroupId]?.Properties?.LogGroupName).toBe(
        `/aws/lambda/open-banking-users-dev-${fn.name}`,
      );

      // SSM: GetParameter under /open-banking-users/dev/<provider>/, only for the providers it calls.
      const ssm = fn.statements.filter((statement) => service(statement) === 'ssm');
      for (const statement of ssm) expect(actionsOf(statement)).toEqual(['ssm:GetParameter']);
      const secrets = functionAccess[fn.name]?.secrets ?? [];
      expect(ssm.map((statement) => statement.Resource).sort(byJson), fn.name).toEqual(
        secrets.map(ssmPath).sort(byJson),
      );
    }
  });

  it("gives each function only the settings of the providers it calls (no other provider's client id or secrets)", () => {
    const tinkClient = [
      'TINK_BASE_URL',
      'TINK_CLIENT_ID',
      'TINK_CLIENT_SECRET',
      'TINK_CLIENT_SECRET_PARAMETER',
    ];
    const moneyhubClient = [
      'MONEYHUB_AUTH_METHOD',
      'MONEYHUB_CLIENT_ID',
      'MONEYHUB_CLIENT_SECRET',
      'MONEYHUB_CLIENT_SECRET_PARAMETER',
      'MONEYHUB_CONNECTION_SCOPE_FAMILY',
      'MONEYHUB_DATA_API_URL',
      'MONEYHUB_DELETE_CONNECTION_PATH',
      'MONEYHUB_IDENTITY_URL',
      'MONEYHUB_PRIVATE_JWK',
      'MONEYHUB_PRIVATE_JWK_PARAMETER',
    ];
    // The webhooks verify signatures: no client secrets, only what the check needs.
    const webhookSettings: Record<string, string[]> = {
      tinkWebhook: ['TINK_WEBHOOK_SECRET', 'TINK_WEBHOOK_SECRET_PARAMETER'],
      moneyhubWebhook: [
        'MONEYHUB_CLIENT_ID',
        'MONEYHUB_IDENTITY_URL',
        'MONEYHUB_WEBHOOK_ACCEPT_UNSIGNED_JSON',
      ],
    };
    for (const fn of functionRoles()) {
      const environment = template.Resources[fn.logicalId]?.Properties?.Environment as
        | { Variables?: Record<string, unknown> }
        | undefined;
      const providerSettings = Object.keys(environment?.Variables ?? {})
        .filter((variable) => /^(TINK|MONEYHUB)_/.test(variable))
        .sort();
      const secrets = functionAccess[fn.name]?.secrets ?? [];
      const expected = [
        ...(secrets.includes('tink') ? tinkClient : []),
        ...(secrets.includes('moneyhub') ? moneyhubClient : []),
        ...(webhookSettings[fn.name] ?? []),
      ].sort();
      expect(providerSettings, fn.name).toEqual(expected);
      expect(environment?.Variables, fn.name).toMatchObject({
        CACHE_TABLE_NAME: 'open-banking-users-dev-cache',
        POWERTOOLS_SERVICE_NAME: 'open-banking-users',
      });
    }
  });

  it('gives the cache table string keys pk+sk, on-demand billing and TTL on expiresAt', () => {
    const [, table] = resourcesOfType('AWS::DynamoDB::Table')[0] ?? [];
    expect(table?.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: expect.arrayContaining([
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ]),
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('allows DynamoDB actions only on the cache table, never a wildcard', () => {
    const statements = resourcesOfType('AWS::IAM::Role').flatMap(([, role]) =>
      (
        (role.Properties?.Policies as { PolicyDocument: { Statement: Record<string, unknown>[] } }[]) ?? []
      ).flatMap((policy) => policy.PolicyDocument.Statement),
    );
    const dynamoStatements = statements.filter((statement) =>
      ([] as string[])
        .concat(statement.Action as string | string[])
        .some((action) => action.startsWith('dynamodb:')),
    );
    expect(dynamoStatements.length).toBeGreaterThan(0);
    for (const statement of dynamoStatements) {
      const actions = ([] as string[]).concat(statement.Action as string | string[]);
      expect(actions.every((action) => /^dynamodb:[A-Z][A-Za-z]+$/.test(action))).toBe(true);
      const resources = ([] as unknown[]).concat(statement.Resource);
      for (const resource of resources) {
        expect(JSON.stringify(resource)).toMatch(/"CacheTable","Arn"/);
      }
    }
  });

  it('runs every function on the Node major the tests run on, with one zip each within its size budget', () => {
    const functions = resourcesOfType('AWS::Lambda::Function');
    const major = process.versions.node.split('.')[0];
    for (const [, fn] of functions) expect(fn.Properties?.Runtime).toBe(`nodejs${major}.x`);
    const zips = readdirSync(packageDir).filter((file) => file.endsWith('.zip'));
    expect(zips.length).toBe(functions.length);
    const overBudget = zips
      .map((zip) => ({
        name: zip.replace(/\.zip$/, ''),
        kiB: statSync(path.join(packageDir, zip)).size / 1024,
      }))
      .filter(({ name, kiB }) => kiB > zippedBudgetKiB(name))
      .map(({ name, kiB }) => `${name}: ${kiB.toFixed(1)} KiB > ${zippedBudgetKiB(name)} KiB`);
    expect(overBudget).toEqual([]);
  });

  it('bundles no SSM client, no browser user-agent parser, and no credential chain beyond the environment', () => {
    // The sweep's bundle holds the most; each marker is a string minification keeps.
    const bundle = readZippedBundle(path.join(packageDir, 'refreshCredentials.zip')).code.toString('utf8');
    expect(bundle).toContain('AWS_SESSION_TOKEN');
    const markers = {
      ssmClient: 'AmazonSSM',
      bowser: 'Internet Explorer',
      ssoCredentials: 'sso_session',
      webIdentityCredentials: 'AWS_WEB_IDENTITY_TOKEN_FILE',
      processCredentials: 'credential_process',
    };
    for (const [part, marker] of Object.entries(markers)) expect(bundle.includes(marker), part).toBe(false);
  });

  it('gives every function the Parameters and Secrets extension layer', () => {
    for (const [, fn] of resourcesOfType('AWS::Lambda::Function')) {
      expect(fn.Properties?.Layers).toEqual([
        expect.stringMatching(
          /^arn:aws:lambda:[a-z0-9-]+:\d{12}:layer:AWS-Parameters-and-Secrets-Lambda-Extension/,
        ),
      ]);
    }
  });

  it('answers webhooks within 5 s, the Tink secret from its own SSM parameter, unsigned JSON off', () => {
    const env = (logicalId: string) =>
      (
        template.Resources[logicalId]?.Properties?.Environment as
          | { Variables?: Record<string, unknown> }
          | undefined
      )?.Variables;
    expect(template.Resources.TinkWebhookLambdaFunction?.Properties?.Timeout).toBe(5);
    expect(template.Resources.MoneyhubWebhookLambdaFunction?.Properties?.Timeout).toBe(5);
    expect(env('TinkWebhookLambdaFunction')).toMatchObject({
      TINK_WEBHOOK_SECRET: '',
      TINK_WEBHOOK_SECRET_PARAMETER: '/open-banking-users/dev/tink/webhook-secret',
    });
    expect(env('MoneyhubWebhookLambdaFunction')).toMatchObject({
      MONEYHUB_WEBHOOK_ACCEPT_UNSIGNED_JSON: 'false',
    });
  });

  it('schedules the refresh sweep: one enabled EventBridge rule at the stage rate, allowed to invoke its function', () => {
    const rules = resourcesOfType('AWS::Events::Rule');
    expect(rules.length).toBe(1);
    const [ruleId, rule] = rules[0] as [string, Resource];
    expect(rule.Properties).toMatchObject({ ScheduleExpression: 'rate(15 minutes)', State: 'ENABLED' });
    const functionArn = { 'Fn::GetAtt': ['RefreshCredentialsLambdaFunction', 'Arn'] };
    expect(rule.Properties?.Targets).toEqual([expect.objectContaining({ Arn: functionArn })]);
    expect(template.Resources.RefreshCredentialsLambdaFunction?.Properties).toMatchObject({
      Timeout: 300,
      ReservedConcurrentExecutions: 1,
    });
    const invokers = resourcesOfType('AWS::Lambda::Permission').map(
      ([, permission]) => permission.Properties,
    );
    expect(invokers).toContainEqual(
      expect.objectContaining({
        FunctionName: functionArn,
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] },
      }),
    );
  });
});

describe('Packaging a stage with placeholder settings', () => {
  it('fails before building anything, naming every setting still at its placeholder', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, SLS_TELEMETRY_DISABLED: '1' };
    for (const name of ['JWT_ISSUER', 'JWT_AUDIENCE', 'TINK_CLIENT_ID', 'MONEYHUB_CLIENT_ID'])
      delete env[name];
    const outDir = mkdtempSync(path.join(tmpdir(), 'obu-package-refused-'));

    const result = spawnSync(
      path.join(root, 'node_modules', '.bin', 'sls'),
      ['package', '--stage', 'staging', '--package', outDir],
      { cwd: root, encoding: 'utf8', env, timeout: 120_000 },
    );

    const output = `${result.stdout}\n${result.stderr}`;
    rmSync(outDir, { recursive: true, force: true });
    expect(result.status).not.toBe(0);
    expect(output).toContain('Stage "staging" still has placeholder settings');
    for (const setting of ['JWT_ISSUER', 'JWT_AUDIENCE', 'TINK_CLIENT_ID', 'MONEYHUB_CLIENT_ID']) {
      expect(output).toContain(setting);
    }
  });
});
