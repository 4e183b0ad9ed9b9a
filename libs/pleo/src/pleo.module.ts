import { Module } from '@nestjs/common';
import { PleoApiConfig } from '@app/config';
import { PrismaService } from '@app/database';
import { ApiKeyAuth, PleoAuth, PleoHttp } from './api/pleo-http';
import { PleoVendorsClient } from './api/pleo-vendors.client';
import { PleoExportClient } from './api/pleo-export.client';
import { OAuthAuth } from './auth/oauth-auth';
import { TokenCipher } from './auth/token-cipher';

export const PLEO_AUTH = Symbol('PLEO_AUTH');

/** Pleo's API client, authenticated by API key or OAuth as configured. */
@Module({
  providers: [
    {
      provide: PLEO_AUTH,
      inject: [PleoApiConfig, PrismaService],
      useFactory: (config: PleoApiConfig, prisma: PrismaService): PleoAuth =>
        config.pleoAuthMode() === 'oauth'
          ? new OAuthAuth(prisma, new TokenCipher(config.ENCRYPTION_KEY!), {
              clientId: config.PLEO_OAUTH_CLIENT_ID!,
              clientSecret: config.PLEO_OAUTH_CLIENT_SECRET!,
              refreshToken: config.PLEO_OAUTH_REFRESH_TOKEN!,
              tokenUrl: config.PLEO_OAUTH_TOKEN_URL,
              clientAuth: config.PLEO_OAUTH_CLIENT_AUTH,
              timeoutMs: config.PLEO_HTTP_TIMEOUT_MS,
            })
          : new ApiKeyAuth(config.PLEO_API_KEY!),
    },
    {
      provide: PleoHttp,
      inject: [PleoApiConfig, PLEO_AUTH],
      useFactory: (config: PleoApiConfig, auth: PleoAuth) =>
        new PleoHttp(
          {
            baseUrl: config.PLEO_API_BASE_URL,
            timeoutMs: config.PLEO_HTTP_TIMEOUT_MS,
            maxRetries: config.PLEO_HTTP_MAX_RETRIES,
            retryBaseMs: config.PLEO_HTTP_RETRY_BASE_MS,
          },
          auth,
        ),
    },
    { provide: PleoVendorsClient, inject: [PleoHttp], useFactory: (http: PleoHttp) => new PleoVendorsClient(http) },
    { provide: PleoExportClient, inject: [PleoHttp], useFactory: (http: PleoHttp) => new PleoExportClient(http) },
  ],
  exports: [PleoVendorsClient, PleoExportClient, PleoHttp, PLEO_AUTH],
})
export class PleoModule {}
