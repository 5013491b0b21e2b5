// `npm run openapi`: regenerates docs/openapi.json from the route list (openapi/routes.ts).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openApiDocumentText } from '../openapi';

const target = join(__dirname, '..', 'docs', 'openapi.json');
writeFileSync(target, openApiDocumentText());
console.log(`Wrote ${target}`);
