import { IncomingMessage, ServerResponse } from 'node:http';
import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { CommonConfig } from '@app/config';

/** What a handler decided about a request, set on the raw response so the access log carries it. */
export type RequestOutcome = string;
const OUTCOME = Symbol.for('pleo-erp-sync.outcome');

export function setRequestOutcome(res: ServerResponse, outcome: RequestOutcome): void {
  (res as unknown as Record<symbol, RequestOutcome>)[OUTCOME] = outcome;
}

export function outcomeOf(res: ServerResponse): RequestOutcome | undefined {
  return (res as unknown as Record<symbol, RequestOutcome | undefined>)[OUTCOME];
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value.slice(0, 200) : undefined;
}

/**
 * pino JSON logs, one line per request. Headers are never serialised (they carry the webhook
 * signature and the admin token); only the webhook id is lifted out. Redaction is a second guard
 * for anything that logs a request object by hand.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [CommonConfig],
      useFactory: (config: CommonConfig) => ({
        pinoHttp: {
          level: config.LOG_LEVEL,
          redact: {
            paths: [
              'req.headers.authorization',
              'req.headers["webhook-signature"]',
              'headers.authorization',
              'headers["webhook-signature"]',
              '*.secret',
              '*.password',
              '*.token',
            ],
            censor: '[redacted]',
          },
          serializers: {
            req: (req: IncomingMessage & { id?: unknown }) => ({
              id: req.id,
              method: req.method,
              // the connect flow's query carries a signed link ticket, or an OAuth code and state
              url: req.url?.startsWith('/connect/') ? req.url.split('?')[0] : req.url,
              webhookId: header(req, 'webhook-id'),
            }),
            res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
          },
          customProps: (_req: IncomingMessage, res: ServerResponse) => ({ outcome: outcomeOf(res) }),
          customLogLevel: (_req: IncomingMessage, res: ServerResponse, err?: Error) =>
            err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
          // Probes hit these every few seconds; a failing probe is still logged.
          autoLogging: {
            ignore: (req: IncomingMessage) => req.url?.startsWith('/health/live') ?? false,
          },
        },
      }),
    }),
  ],
})
export class LoggingModule {}
