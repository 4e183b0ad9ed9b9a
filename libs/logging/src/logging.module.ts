import { IncomingMessage, ServerResponse } from 'node:http';
import { Module, OnApplicationShutdown, RequestMethod } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { CommonConfig } from '@app/config';
import { accessLogLevel, accessLogRequest, outcomeOf } from './access-log';
import { flushLogs, stdoutLogDestination } from './log-destination';

/** Routes that write their own access-log line (`logAccess`) and skip pino-http's middleware. */
export const ROUTES_WITH_OWN_ACCESS_LOG = [{ method: RequestMethod.POST, path: 'webhooks/pleo' }];

/** pino-http's options: one access-log line per request, headers never serialised. */
export function pinoHttpOptions(level: string) {
  return {
    level,
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
      req: accessLogRequest,
      res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
    },
    customProps: (_req: IncomingMessage, res: ServerResponse) => ({ outcome: outcomeOf(res) }),
    customLogLevel: accessLogLevel,
    // Probes hit these every few seconds; a failing probe is still logged.
    autoLogging: {
      ignore: (req: IncomingMessage) => req.url?.startsWith('/health/live') ?? false,
    },
  };
}

/**
 * pino JSON logs, one line per request. Headers are never serialised (they carry the webhook
 * signature and the admin token); only the webhook id is lifted out. Redaction is a second guard
 * for anything that logs a request object by hand. Lines go to stdout in buffered chunks (at most
 * ~1 s late, issue #14); what is buffered is written on shutdown and, synchronously, on exit.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [CommonConfig],
      useFactory: (config: CommonConfig) => ({
        exclude: ROUTES_WITH_OWN_ACCESS_LOG,
        pinoHttp: [pinoHttpOptions(config.LOG_LEVEL), stdoutLogDestination()],
      }),
    }),
  ],
})
export class LoggingModule implements OnApplicationShutdown {
  onApplicationShutdown(): Promise<void> {
    return flushLogs(stdoutLogDestination());
  }
}
