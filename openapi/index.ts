import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildOpenApiDocument } from './document';
import { documentedRoutes } from './routes';

const packageVersion = (): string =>
  JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')).version as string;

/** The document as committed in docs/openapi.json (two-space JSON, final newline). */
export function openApiDocumentText(): string {
  return `${JSON.stringify(buildOpenApiDocument(documentedRoutes, { version: packageVersion() }), null, 2)}\n`;
}

export { buildOpenApiDocument, securitySchemeName } from './document';
export { Access, type ApiRoute, documentedRoutes, routeSpecs, undocumentedRoutes } from './routes';
