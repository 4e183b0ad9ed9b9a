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
 * the bearer token on /admin and /metrics, and the webhook route (not a controller).
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
  // The webhook route is registered on Fastify directly (webhooks/webhook-route.ts), not through a
  // controller: described here, from what webhook-answers.ts answers.
  doc.paths[WEBHOOK_ROUTE] = {
    post: {
      operationId: 'receivePleoWebhook',
      summary: 'A Pleo webhook delivery (Standard Webhooks)',
      tags: ['Webhooks'],
      parameters: WEBHOOK_HEADERS.map(([name, description]) => ({ name, in: 'header', required: true, description, schema: { type: 'string' } })),
      requestBody: {
        required: true,
        description: 'The event as Pleo sends it; the raw bytes are what the signature covers',
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: ['data', 'eventId', 'eventType'],
              properties: { eventId: { type: 'string' }, eventType: { type: 'string', example: 'v1.vendor.created' }, data: { type: 'object' } },
            },
          },
        },
      },
      responses: {
        '200': { description: 'Already received (a delivery with a stored webhook-id), or an event type this service stores but does not act on' },
        '202': { description: 'Stored and queued (status QUEUED, or RECEIVED when Redis was down: the outbox sweeper queues it)' },
        '400': { description: 'Signed, but not a valid event (error: invalid_body)' },
        '401': { description: 'Missing, malformed, stale or wrong signature (error names which)' },
        '413': { description: 'Body larger than WEBHOOK_BODY_LIMIT_BYTES' },
        '503': { description: 'The event store is unavailable: nothing recorded, retry later (Retry-After)' },
      },
    },
  };
  return doc;
}

/** Serves the document at /docs/openapi.json and Swagger UI at /docs. */
export function setupOpenApi(app: NestFastifyApplication): void {
  SwaggerModule.setup(OPENAPI_UI_PATH, app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: OPENAPI_JSON_PATH,
    yamlDocumentUrl: 'docs/openapi.yaml',
  });
}
