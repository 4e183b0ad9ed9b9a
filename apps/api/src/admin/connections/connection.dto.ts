import { Type } from 'class-transformer';
import { IsIn, IsInt, IsObject, IsOptional, IsString, IsUUID, Length, Matches, Max, Min, ValidateNested } from 'class-validator';

const ACCOUNT = /^[A-Za-z0-9._-]{1,40}$/;
const accountMessage = { message: '$property must be an account number (letters, digits, . _ -, at most 40)' };

/** Accounts and posting behaviour (the EXPORT_* settings of the environment's connection). */
export class BookingDto {
  @IsOptional() @Matches(ACCOUNT, accountMessage) walletAccount?: string;
  @IsOptional() @Matches(ACCOUNT, accountMessage) outOfPocketAccount?: string;
  @IsOptional() @Matches(ACCOUNT, accountMessage) contraAccount?: string;
  @IsOptional() @Matches(ACCOUNT, accountMessage) apAccount?: string;

  @IsOptional()
  @IsIn(['posted', 'draft'], { message: 'postingState must be posted or draft' })
  postingState?: 'posted' | 'draft';

  @IsOptional() @IsInt() @Min(1) @Max(32) itemConcurrency?: number;

  /** Pleo tax code → ERP tax code (room for the mapping issue) */
  @IsOptional() @IsObject() taxCodes?: Record<string, string>;
  /** Pleo tag group → ERP dimension */
  @IsOptional() @IsObject() dimensions?: Record<string, string>;
}

export class PleoAuthDto {
  @IsIn(['api_key', 'oauth'], { message: 'pleo.auth must be api_key or oauth' })
  auth: 'api_key' | 'oauth';

  /** the OAuth app's client id (its secret goes in secrets.pleoClientSecret) */
  @IsOptional() @IsString() @Length(1, 200) clientId?: string;
}

export class CreateConnectionDto {
  @IsUUID('all', { message: 'companyId must be the Pleo company id (a UUID)' })
  companyId: string;

  @IsString() @Length(1, 200) name: string;

  @IsString() @Length(1, 50) erpKind: string;

  @IsOptional() @IsObject() erpSettings?: Record<string, unknown>;

  @IsOptional() @ValidateNested() @Type(() => BookingDto) booking?: BookingDto;

  @ValidateNested() @Type(() => PleoAuthDto) pleo: PleoAuthDto;

  /** write-only: {<name>: value}; GET shows only whether each is set */
  @IsOptional() @IsObject() secrets?: Record<string, string | null>;
}

export class UpdateConnectionDto {
  @IsOptional() @IsString() @Length(1, 200) name?: string;
  @IsOptional() @IsObject() erpSettings?: Record<string, unknown>;
  @IsOptional() @ValidateNested() @Type(() => BookingDto) booking?: BookingDto;
  @IsOptional() @ValidateNested() @Type(() => PleoAuthDto) pleo?: PleoAuthDto;
  /** replaces the secrets named (null removes one); the others are kept */
  @IsOptional() @IsObject() secrets?: Record<string, string | null>;

  /** disable a connection (its jobs wait), or make it active again */
  @IsOptional()
  @IsIn(['active', 'disabled'], { message: 'status must be active or disabled' })
  status?: 'active' | 'disabled';
}

/** Options of a connect link (Xero). */
export class ConnectLinkDto {
  /** the Xero organisation to connect (its tenant id); without it, the only one authorised or the operator's choice */
  @IsOptional() @IsUUID('all', { message: 'tenantId must be a Xero tenant id (a GUID)' }) tenantId?: string;
}
