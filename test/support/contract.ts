// Contract checks: a response this API gave must be one the OpenAPI document (docs/openapi.json)
// describes — its status for that operation, every required header present and every described
// header well-formed, and a body of a described media type that validates against its schema. A
// path the document does not have must be the described 404 problem, a known path with another
// method the described 405.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

interface SchemaHolder {
  schema?: unknown;
  required?: boolean;
}
interface ResponseObject {
  $ref?: string;
  headers?: Record<string, SchemaHolder>;
  content?: Record<string, SchemaHolder>;
}
interface OperationObject {
  responses: Record<string, ResponseObject>;
}
interface OpenApiDocument {
  paths: Record<string, Record<string, OperationObject>>;
  components: { responses?: Record<string, ResponseObject> };
}

export interface Exchange {
  method: string;
  /** The request path as sent (a query string is ignored). */
  path: string;
  /** The route's path template when the caller knows it (an in-process invocation): no matching. */
  template?: string;
  status: number;
  /** Any header container: names are matched case-insensitively. */
  headers: Headers | Record<string, string | undefined>;
  body: string;
}

const document: OpenApiDocument = JSON.parse(
  readFileSync(join(__dirname, '..', '..', 'docs', 'openapi.json'), 'utf8'),
);

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ components: document.components }, 'openapi');

const validators = new Map<string, ValidateFunction>();
function validatorFor(schema: unknown): ValidateFunction {
  const key = JSON.stringify(schema);
  let validate = validators.get(key);
  if (!validate) {
    // References into the document's components resolve against the schema registered above.
    validate = ajv.compile(JSON.parse(key.replaceAll('"#/components/', '"openapi#/components/')));
    validators.set(key, validate);
  }
  return validate;
}

const templates = Object.keys(document.paths).map((template) => ({
  template,
  pattern: new RegExp(`^${template.replace(/[.]/g, '\\.').replace(/\{\w+\}/g, '[^/]+')}$`),
  literal: !template.includes('{'),
}));

function matchTemplate(path: string): string | undefined {
  const matches = templates.filter(({ pattern }) => pattern.test(path));
  return (matches.find(({ literal }) => literal) ?? matches[0])?.template;
}

function resolveResponse(response: ResponseObject): ResponseObject {
  const name = response.$ref?.replace('#/components/responses/', '');
  return name === undefined ? response : (document.components.responses?.[name] ?? {});
}

function headerOf(headers: Exchange['headers'], name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : (headers[key] ?? undefined);
}

/** What is wrong with the exchange by the document; empty when the document describes it. */
export function contractViolations(exchange: Exchange): string[] {
  const method = exchange.method.toLowerCase();
  const path = exchange.path.split('?')[0] ?? '';
  const label = `${exchange.method.toUpperCase()} ${path} → ${exchange.status}`;
  const template = exchange.template ?? matchTemplate(path);
  let response: ResponseObject | undefined;
  if (template === undefined) {
    if (exchange.status !== 404) return [`${label}: the document has no such path (only a 404 is described)`];
    response = document.components.responses?.NotFound;
  } else if (!document.paths[template]?.[method]) {
    if (exchange.status !== 405) return [`${label}: ${template} has no ${method} (only a 405 is described)`];
    response = document.components.responses?.MethodNotAllowed;
  } else {
    const described = document.paths[template]?.[method]?.responses[String(exchange.status)];
    if (!described) return [`${label}: status not described for ${method.toUpperCase()} ${template}`];
    response = resolveResponse(described);
  }
  if (!response) return [`${label}: the document lost a component response`];

  const violations: string[] = [];
  for (const [name, header] of Object.entries(response.headers ?? {})) {
    const value = headerOf(exchange.headers, name);
    if (value === undefined) {
      if (header.required) violations.push(`${label}: required header ${name} is missing`);
      continue;
    }
    const validate = validatorFor(header.schema ?? {});
    if (!validate(value)) violations.push(`${label}: header ${name}: ${ajv.errorsText(validate.errors)}`);
  }

  const content = response.content;
  if (!content) {
    if (exchange.body !== '') violations.push(`${label}: a body where the document describes none`);
    return violations;
  }
  const mediaType = (headerOf(exchange.headers, 'content-type') ?? '').split(';')[0]?.trim() ?? '';
  const media = content[mediaType];
  if (!media) {
    violations.push(`${label}: content type "${mediaType}" not among ${Object.keys(content).join(', ')}`);
    return violations;
  }
  if (!mediaType.endsWith('json')) return violations;
  let body: unknown;
  try {
    body = JSON.parse(exchange.body);
  } catch {
    return [...violations, `${label}: the body is not JSON`];
  }
  const validate = validatorFor(media.schema ?? {});
  if (!validate(body)) violations.push(`${label}: body: ${ajv.errorsText(validate.errors)}`);
  return violations;
}

export class ContractViolationError extends Error {
  constructor(violations: string[]) {
    super(`The response is not one docs/openapi.json describes:\n  ${violations.join('\n  ')}`);
    this.name = 'ContractViolationError';
  }
}

/** Throws when the document does not describe the exchange. */
export function assertDescribed(exchange: Exchange): void {
  const violations = contractViolations(exchange);
  if (violations.length > 0) throw new ContractViolationError(violations);
}
