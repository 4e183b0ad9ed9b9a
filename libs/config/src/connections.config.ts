import { applyDecorators } from '@nestjs/common';
import { Expose, Transform } from 'class-transformer';
import { IsOptional, Matches } from 'class-validator';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** An http(s) URL setting. */
export function UrlSetting(optional = false): PropertyDecorator {
  return applyDecorators(
    Expose(),
    Transform(trim),
    ...(optional ? [IsOptional()] : []),
    Matches(/^https?:\/\/[^\s]+$/, { message: '$property must be an http(s) URL' }),
  );
}

/** ENCRYPTION_KEY: 32 random bytes, base64. */
export function EncryptionKeySetting(): PropertyDecorator {
  return applyDecorators(
    Expose(),
    IsOptional(),
    Matches(/^[A-Za-z0-9+/]{43}=$/, { message: 'ENCRYPTION_KEY must be 32 bytes, base64-encoded (openssl rand -base64 32)' }),
  );
}
