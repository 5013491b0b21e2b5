// Packages the service (`sls package`, no AWS credentials) and checks the generated CloudFormation:
// resource types and properties against AWS's published resource schemas, the routes of DESIGN's
// table, the cache table's TTL, IAM scoped to the table, the runtime, and the size of each zip.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadAwsServiceSpec } from '@aws-cdk/aws-service-spec';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

type Resource = { Type: string; Properties?: Record<string, unknown> };
type Template = { Resources: Record<string, Resource> };

const root = path.resolve(__dirname, '../..');
const packageDir = mkdtempSync(path.join(tmpdir(), 'obu-package-'));
let template: Template;

/** DESIGN's route table (plus health and enrolment): every one must be deployed, and nothing else. */
const expectedRoutes = [
  'GET /health',
  'POST /tink/users',
  'POST /tink/users/{userId}/authorization-grants',
  'POST /tink/oauth/token',
  'GET /tink/users/{userId}/credentials',
  'GET /tink/users/{userId}/credentials/{credentialId}',
  'DELETE /tink/users/{userId}/credentials/{credentialId}',
  'POST /tink/users/{userId}/credentials/{credentialId}/refresh',
  'DELETE /tink/users/{userId}',
  'PUT /tink/users/{userId}/enrollment',
  'DELETE /tink/users/{userId}/enrollment',
  'POST /moneyhub/users',
  'GET /moneyhub/users/{userId}',
  'DELETE /moneyhub/users/{userId}',
  'GET /moneyhub/users/{userId}/connections',
  'GET /moneyhub/users/{userId}/connections/{connectionId}',
  'DELETE /moneyhub/users/{userId}/connections/{connectionId}',
  'GET /moneyhub/users/{userId}/syncs',
  'PUT /moneyhub/users/{userId}/enrollment',
  'DELETE /moneyhub/users/{userId}/enrollment',
];

const resourcesOfType = (type: string) =>
  Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);

beforeAll(() => {
  const result = spawnSync(
    path.join(root, 'node_modules', '.bin', 'sls'),
    ['package', '--stage', 'dev', '--package', packageDir],
    { cwd: root, encoding: 'utf8', env: { ...process.env, SLS_TELEMETRY_DISABLED: '1' }, timeout: 240_000 },
  );
  if (result.status !== 0) throw new Error(`sls package failed:\n${result.stdout}\n${result.stderr}`);
  template = JSON.parse(
    readFileSync(path.join(packageDir, 'cloudformation-template-update-stack.json'), 'utf8'),
  );
});

afterAll(() => rmSync(packageDir, { recursive: true, force: true }));

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

  it("deploys exactly DESIGN's routes", () => {
    const routes = resourcesOfType('AWS::ApiGatewayV2::Route').map(([, route]) => route.Properties?.RouteKey);
    expect([...routes].sort()).toEqual([...expectedRoutes].sort());
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

  it('runs every function on the Node major the tests run on, with one small zip each', () => {
    const functions = resourcesOfType('AWS::Lambda::Function');
    const major = process.versions.node.split('.')[0];
    for (const [, fn] of functions) expect(fn.Properties?.Runtime).toBe(`nodejs${major}.x`);
    const zips = readdirSync(packageDir).filter((file) => file.endsWith('.zip'));
    expect(zips.length).toBe(functions.length);
    const sizes = Object.fromEntries(
      zips.map((zip) => [zip, Math.round(statSync(path.join(packageDir, zip)).size / 1024)]),
    );
    console.log('Zipped function sizes (KiB):', sizes);
    for (const size of Object.values(sizes)) expect(size).toBeLessThan(1024);
  });
});
