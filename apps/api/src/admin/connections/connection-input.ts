import { BadRequestException, Injectable } from '@nestjs/common';
import { BookingSettings, ConnectionRecord, PLEO_SECRET_NAMES, PleoSettings } from '@app/connections';
import { ErpAdapterFactory } from '@app/erp';
import { BookingDto } from './connection.dto';

const MAX_SECRET_LENGTH = 8_192;

/** What a connection's booking is when a field is not given (the environment's defaults). */
export const bookingWithDefaults = (dto: BookingDto = {}, base?: BookingSettings): BookingSettings => ({
  postingState: 'posted',
  itemConcurrency: 4,
  ...base,
  ...Object.fromEntries(Object.entries(dto).filter(([, v]) => v !== undefined)),
});

/** Checks what class-validator cannot: settings and secret names per ERP kind, Pleo auth completeness. */
@Injectable()
export class ConnectionInputCheck {
  constructor(private readonly factory: ErpAdapterFactory) {}

  /** [] for a kind this build does not know (a connection stored by a newer build stays listable). */
  erpSecretNames(kind: string): readonly string[] {
    return this.factory.kindNames.includes(kind) ? this.factory.definition(kind).secretNames : [];
  }

  /** Throws 400 with every problem at once. */
  check(input: { erpKind: string; erpSettings: Record<string, unknown>; pleo: PleoSettings; secrets: Record<string, unknown> }, current?: ConnectionRecord): void {
    const problems: string[] = [];
    const known = this.factory.kindNames;
    if (!known.includes(input.erpKind)) {
      problems.push(`erpKind must be one of: ${known.join(', ')}`);
    } else {
      problems.push(...this.factory.definition(input.erpKind).settingsProblems(input.erpSettings));
    }
    const allowed: readonly string[] = [...PLEO_SECRET_NAMES, ...this.erpSecretNames(input.erpKind)];
    for (const [name, value] of Object.entries(input.secrets)) {
      if (!allowed.includes(name)) problems.push(`secrets.${name}: not a secret this connection takes (${allowed.join(', ')})`);
      else if (value !== null && (typeof value !== 'string' || !value.trim() || value.length > MAX_SECRET_LENGTH)) {
        problems.push(`secrets.${name} must be a non-empty string (or null to remove it)`);
      }
    }
    const isSet = (name: string) => (name in input.secrets ? input.secrets[name] !== null : Boolean(current?.secrets[name]));
    if (input.pleo.auth === 'api_key' && !isSet('pleoApiKey')) problems.push('secrets.pleoApiKey is required with pleo.auth api_key');
    if (input.pleo.auth === 'oauth' && !input.pleo.clientId) problems.push('pleo.clientId is required with pleo.auth oauth');
    if (input.pleo.auth === 'oauth' && !isSet('pleoClientSecret')) problems.push('secrets.pleoClientSecret is required with pleo.auth oauth');
    if (problems.length) throw new BadRequestException({ statusCode: 400, error: 'invalid_connection', message: problems });
  }
}
