import { randomUUID } from 'node:crypto';
import { HttpAnswer } from '../../fake-pleo/src/http-answer';

export { HttpAnswer };

/**
 * Business Central's OData error body: `{"error":{"code","message"}}`, the message ending with a
 * CorrelationId as BC's do. Codes follow BC's categories (BadRequest_*, Authentication_*,
 * Internal_*, Application_*; https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/api-reference/v1.0/dynamics_error_codes).
 */
export const bcError = (status: number, code: string, message: string, headers?: Record<string, string>) =>
  new HttpAnswer(status, { error: { code, message: `${message}  CorrelationId:  ${randomUUID()}.` } }, headers);

/** The error codes the fake answers with (the adapter maps them; keep them stable). */
export const BC = {
  /** malformed request: unknown property, read-only property, bad type, bad $filter, missing If-Match */
  badRequest: 'BadRequest',
  /** no such entity set / path */
  notFound: 'BadRequest_NotFound',
  /** the method is not allowed on the entity set */
  methodNotAllowed: 'BadRequest_MethodNotAllowed',
  /** the addressed record does not exist */
  recordNotFound: 'Internal_RecordNotFound',
  /** a record with the same key exists (409) */
  duplicate: 'Internal_EntityWithSameKeyExists',
  /** If-Match does not match the record's current ETag (412) */
  entityChanged: 'Request_EntityChanged',
  /** an application (AL) error: validation while inserting or posting */
  application: 'Application_DialogException',
  /** a posting date outside the allowed range (a locked period) */
  postingDateNotAllowed: 'Application_DialogException',
  authentication: 'Authentication_InvalidCredentials',
  tooManyRequests: 'Application_TooManyRequests',
  unavailable: 'ServiceUnavailable',
} as const;

/** Entra ID's token error body (https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow#error-response). */
export const entraError = (status: number, error: string, description: string) =>
  new HttpAnswer(status, {
    error,
    error_description: `${description}\r\nTrace ID: ${randomUUID()}\r\nCorrelation ID: ${randomUUID()}\r\nTimestamp: ${new Date().toISOString().replace('T', ' ').slice(0, 19)}Z`,
    error_codes: [error === 'invalid_client' ? 7000215 : 900144],
    timestamp: new Date().toISOString().replace('T', ' ').slice(0, 19) + 'Z',
    trace_id: randomUUID(),
    correlation_id: randomUUID(),
  });
