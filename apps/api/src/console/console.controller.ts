import { Body, Controller, ForbiddenException, Get, HttpCode, Post, Req, Res, UnauthorizedException, UnsupportedMediaTypeException } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiForbiddenResponse, ApiNoContentResponse, ApiOkResponse, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';
import { createHash, timingSafeEqual } from 'node:crypto';
import { FastifyReply, FastifyRequest } from 'fastify';
import { ApiConfig } from '@app/config';
import { sameOrigin } from '../observability/admin-credentials';
import { ConsoleSessions, cookieSecure, sessionCookie } from './console-session';
import { CONSOLE_FILES, ConsoleFile, readConsoleFiles } from './console-files';

export class ConsoleLoginBody {
  /** ADMIN_API_TOKEN */
  @IsString()
  @MinLength(1)
  @MaxLength(1000)
  token: string;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * The operator console: one page and its script and style (static, no build step), and the login
 * that turns the admin token into a session cookie. The page then calls the /admin API itself.
 */
@ApiTags('Console')
@Controller('console')
export class ConsoleController {
  private readonly files = readConsoleFiles();
  private readonly expected: Buffer;
  private readonly sessions: ConsoleSessions;

  constructor(private readonly config: ApiConfig) {
    this.expected = digest(config.ADMIN_API_TOKEN);
    this.sessions = new ConsoleSessions(config.ADMIN_API_TOKEN);
  }

  /** Checks the admin token (constant time) and sets the session cookie (HttpOnly, SameSite=Strict, 8 hours). */
  @Post('login')
  @HttpCode(200)
  @ApiOkResponse({ description: 'Logged in: Set-Cookie carries the session' })
  @ApiUnauthorizedResponse({ description: 'The admin token is wrong' })
  @ApiForbiddenResponse({ description: 'Sent from another origin' })
  login(@Body() body: ConsoleLoginBody, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    // JSON only: a plain HTML form (which any site can post cross-site) never logs anyone in, even
    // now that the api parses form bodies for the connect flows' pages
    if (!/^application\/json\b/i.test(request.headers['content-type'] ?? '')) {
      throw new UnsupportedMediaTypeException({ statusCode: 415, error: 'unsupported_media_type', message: 'Send the login as application/json: {"token": "…"}' });
    }
    this.requireSameOrigin(request);
    if (!timingSafeEqual(digest(body.token), this.expected)) {
      throw new UnauthorizedException({ statusCode: 401, error: 'unauthorized', message: 'That is not the admin token (ADMIN_API_TOKEN).' });
    }
    const session = this.sessions.issue();
    reply.header('set-cookie', sessionCookie(session.value, session.maxAgeSeconds, this.secure(request)));
    return { loggedIn: true, expiresInSeconds: session.maxAgeSeconds };
  }

  /** Clears the session cookie in this browser. */
  @Post('logout')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'The cookie is cleared' })
  @ApiForbiddenResponse({ description: 'Sent from another origin' })
  logout(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): void {
    this.requireSameOrigin(request);
    reply.header('set-cookie', sessionCookie('', 0, this.secure(request)));
  }

  @Get()
  @ApiExcludeEndpoint()
  page(@Res() reply: FastifyReply): void {
    this.send(reply, this.files['index.html']);
  }

  @Get('app.js')
  @ApiExcludeEndpoint()
  script(@Res() reply: FastifyReply): void {
    this.send(reply, this.files['app.js']);
  }

  @Get('app.css')
  @ApiExcludeEndpoint()
  style(@Res() reply: FastifyReply): void {
    this.send(reply, this.files['app.css']);
  }

  private send(reply: FastifyReply, file: ConsoleFile): void {
    reply
      .type(file.type)
      .header('content-security-policy', CONSOLE_FILES.csp)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-cache')
      .send(file.body);
  }

  private secure(request: FastifyRequest): boolean {
    return cookieSecure(this.config.CONSOLE_COOKIE_SECURE, { protocol: request.protocol, host: request.headers.host });
  }

  private requireSameOrigin(request: FastifyRequest): void {
    if (!sameOrigin(request.headers.origin, request.headers.host)) {
      throw new ForbiddenException({ statusCode: 403, error: 'forbidden', message: 'log in from the console page itself' });
    }
  }
}
