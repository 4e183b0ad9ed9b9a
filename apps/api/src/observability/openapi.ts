import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { WEBHOOK_ROUTE } from '../webhooks/json-body-parser';

export const OPENAPI_UI_PATH = 'docs';
export const OPENAPI_JSON_PATH = 'docs/openapi.json';

const WEBHOOK_HEADERS = [
  ['webhook-id', 'Unique id of the delivery (a redelivery keeps it): the deduplication key'],
  ['webhook-timestamp', 'Unix seconds when Pleo signed the delivery; refused outside PLEO_WEBHOOK_TOLERANCE_SECONDS'],
  ['webhook-signature', 'Standard Webhooks signature(s) `v1,<base64 HMAC-SHA256>` over `id.timestamp.body`'],
] as const;

/**
 * The OpenAPI document of the running app: routes and DTOs as Nest registered them (DTO schemas by
 * the @nestjs/swagger compiler plugin, see nest-cli.json), plus what the code cannot say by itself:
 * the bearer token on /admin and /metrics, and the signed webhook's headers and answers.
 */
export function buildOpenApiDocument(app: NestFastifyApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('pleo-erp-sync')
    .setDescription(
      'Receives Pleo webhooks (signed, Standard Webhooks) and lets an operator inspect and replay them. ' +
        '/admin/* and /metrics need `Authorization: Bearer <ADMIN_API_TOKEN>`.',
    )
    .setVersion(process.env.npm_package_version ?? '0.1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'ADMIN_API_TOKEN' }, 'admin')
    .build();
  const doc = SwaggerModule.createDocument(app, config);
  for (const [path, item] of Object.entries(doc.paths)) {
    if (!path.startsWith('/admin') && path !== '/metrics') continue;
    for (const op of Object.values(item)) {
      if (op && typeof op === 'object' && 'responses' in op) {
        op.security = [{ admin: [] }];
        op.responses['401'] ??= { description: 'No or wrong admin token' };
      }
    }
  }
  const webhook = doc.paths[WEBHOOK_ROUTE]?.post;
  if (webhook) {
    webhook.summary = 'A Pleo webhook delivery (Standard Webhooks)';
    webhook.parameters = WEBHOOK_HEADERS.map(([name, description]) => ({ name, in: 'header', required: true, description, schema: { type: 'string' } }));
    webhook.requestBody = {
      required: true,
      description: 'The event as Pleo sends it: `{ type, data, … }`; the raw bytes are what the signature covers',
      content: { 'application/json': { schema: { type: 'object', required: ['type'], properties: { type: { type: 'string' }, data: { type: 'object' } } } } },
    };
    webhook.responses = {
      '200': { description: 'Already received (duplicate delivery) or an event type this service ignores' },
      '202': { description: 'Stored and queued' },
      '400': { description: 'Signed but not a valid event' },
      '401': { description: 'Missing, wrong or stale signature' },
      '413': { description: 'Body larger than WEBHOOK_BODY_LIMIT_BYTES' },
      '503': { description: 'Database unavailable: nothing stored, Pleo retries' },
    };
  }
  return doc;
}

/** Serves the document at /docs/openapi.json and Swagger UI at /docs. */
export function setupOpenApi(app: NestFastifyApplication): void {
  SwaggerModule.setup(OPENAPI_UI_PATH, app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: OPENAPI_JSON_PATH,
    yamlDocumentUrl: 'docs/openapi.yaml',
  });
}
