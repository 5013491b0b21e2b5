import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { documentedRoutes, openApiDocumentText, undocumentedRoutes } from '../../openapi';

const root = join(__dirname, '..', '..');
const committedPath = join(root, 'docs', 'openapi.json');
const committedText = readFileSync(committedPath, 'utf8');
const document = JSON.parse(committedText);

interface HttpApiEvent {
  method: string;
  path: string;
  authorizer?: { name: string; scopes?: string[] };
}

/** Every httpApi event of functions/*.yml, with `${self:custom.scopes.x}` resolved from serverless.yml. */
function declaredRoutes(): HttpApiEvent[] {
  const scopes: Record<string, string> = parse(
    readFileSync(join(root, 'serverless.yml'), 'utf8').replace(/!(Sub|GetAtt|Ref)\b/g, ''),
  ).custom.scopes;
  const files = readdirSync(join(root, 'functions'), { recursive: true, encoding: 'utf8' }).filter((file) =>
    file.endsWith('.yml'),
  );
  const events: HttpApiEvent[] = [];
  for (const file of files) {
    // CloudFormation tags (in the roles files) mean nothing to a plain YAML parser: drop them.
    const text = readFileSync(join(root, 'functions', file), 'utf8')
      .replace(/!(Sub|GetAtt|Ref)\b/g, '')
      .replace(
        /\$\{self:custom\.scopes\.(\w+)\}/g,
        (_, name: string) => scopes[name] ?? `unknown scope ${name}`,
      );
    for (const definition of Object.values(parse(text) as Record<string, { events?: unknown[] }>)) {
      for (const event of definition.events ?? []) {
        const httpApi = (event as { httpApi?: HttpApiEvent | '*' }).httpApi;
        // `httpApi: "*"` is the catch-all ($default): the document describes it as each route's 404/405.
        if (httpApi && httpApi !== '*') events.push(httpApi);
      }
    }
  }
  return events;
}

interface MediaShape {
  schema?: unknown;
  example?: unknown;
}
interface OperationShape {
  requestBody?: { content?: Record<string, MediaShape> };
  responses: Record<string, { content?: Record<string, MediaShape> }>;
}

/** Routes deliberately not operations of the document: the catch-all (its 404/405 are described as components) and the reference page's static assets. */
const undocumentedPaths = new Set([
  '$default',
  '*',
  ...undocumentedRoutes.map((route) => route.split(' ')[1]),
]);

describe('OpenAPI document', () => {
  it('is up to date with the route list (docs/openapi.json)', () => {
    const regenerated = openApiDocumentText();
    expect(
      regenerated === committedText,
      'docs/openapi.json is stale: run `npm run openapi` and commit the result',
    ).toBe(true);
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    const { Validator } = await import('@seriousme/openapi-schema-validator');
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('describes exactly the routes of functions/*.yml, with their scopes', () => {
    const declared = declaredRoutes()
      .filter((event) => !undocumentedPaths.has(event.path))
      .map((event) => ({
        route: `${event.method.toUpperCase()} ${event.path}`,
        scopes: event.authorizer?.scopes ?? [],
      }))
      .sort((a, b) => a.route.localeCompare(b.route));
    const described = Object.entries(document.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, item]) =>
        Object.entries(item).map(([method, operation]) => ({
          route: `${method.toUpperCase()} ${path}`,
          scopes: ((operation as { security: Record<string, string[]>[] }).security ?? []).flatMap(
            (requirement) => Object.values(requirement).flat(),
          ),
        })),
      )
      .sort((a, b) => a.route.localeCompare(b.route));
    expect(described).toEqual(declared);
    expect(described.length).toBe(documentedRoutes.length);
  });

  it('has examples that satisfy their own schemas', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema({ components: document.components }, 'document');
    const resolve = (schema: unknown) =>
      JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"document#/components/'));
    const failures: string[] = [];
    let checked = 0;
    for (const [path, item] of Object.entries(
      document.paths as Record<string, Record<string, OperationShape>>,
    )) {
      for (const [method, operation] of Object.entries(item)) {
        const media = [
          ...Object.values(operation.requestBody?.content ?? {}),
          ...Object.values(operation.responses).flatMap((response) => Object.values(response.content ?? {})),
        ];
        for (const { schema, example } of media) {
          if (example === undefined || schema === undefined) continue;
          checked += 1;
          const validate = ajv.compile(resolve(schema) as object);
          if (!validate(example)) failures.push(`${method} ${path}: ${ajv.errorsText(validate.errors)}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(15);
  });
});
