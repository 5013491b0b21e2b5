// GET /docs and GET /docs/{asset}: the API reference (Swagger UI) with every asset served from this
// function, so the page works offline and its CSP can forbid every other origin. A plain handler,
// not createHandler: the JSON routes' security headers (a sandboxing CSP, require-corp) would stop
// the page's own script.
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import swaggerUiCss from 'swagger-ui-dist/swagger-ui.css' with { type: 'text' };
import swaggerUiBundle from 'swagger-ui-dist/swagger-ui-bundle.js' with { type: 'text' };
import { problemType } from '../../lib/http/problem';

/** Same origin only; inline style attributes are Swagger UI's own (React), never a script. */
const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Relative URLs: the page works under any stage path or host. */
const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>open-banking-users API reference</title>
<link rel="stylesheet" href="docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/swagger-ui-bundle.js"></script>
<script src="docs/reference.js"></script>
</body>
</html>
`;

/** No validator badge (it would call validator.swagger.io); the document from this origin. */
const initScript = `window.ui = SwaggerUIBundle({
  url: new URL('openapi.json', document.baseURI).href,
  dom_id: '#swagger-ui',
  validatorUrl: null,
  deepLinking: true,
  displayRequestDuration: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
});
`;

const assets: Record<string, { contentType: string; body: string }> = {
  'swagger-ui.css': { contentType: 'text/css; charset=utf-8', body: swaggerUiCss },
  'swagger-ui-bundle.js': { contentType: 'text/javascript; charset=utf-8', body: swaggerUiBundle },
  'reference.js': { contentType: 'text/javascript; charset=utf-8', body: initScript },
};

function respond(
  context: Context,
  statusCode: number,
  contentType: string,
  body: string,
  cacheControl: string,
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: {
      'Content-Type': contentType,
      'Cache-Control': cacheControl,
      'Content-Security-Policy': contentSecurityPolicy,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'X-Request-ID': context.awsRequestId,
    },
    body,
  };
}

export async function handler(
  event: APIGatewayProxyEventV2,
  context: Context,
): Promise<APIGatewayProxyStructuredResultV2> {
  const assetName = event.pathParameters?.asset;
  if (assetName === undefined)
    return respond(context, 200, 'text/html; charset=utf-8', page, 'public, max-age=300');
  const asset = Object.hasOwn(assets, assetName) ? assets[assetName] : undefined;
  if (asset) return respond(context, 200, asset.contentType, asset.body, 'public, max-age=3600');
  const problem = {
    type: problemType('not-found'),
    title: 'Not found',
    status: 404,
    detail: 'The reference page has no such asset.',
    requestId: context.awsRequestId,
  };
  return respond(context, 404, 'application/problem+json', JSON.stringify(problem), 'no-store');
}
