import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { PrismaService, isUniqueViolation } from '@app/database';
import { ConnectionSecrets } from './connection-secrets';
import { BookingSettings, ConnectionRecord, ConnectionSide, ConnectionStatus, PleoSettings } from './connection.types';

export type ConnectionInput = Pick<ConnectionRecord, 'companyId' | 'name' | 'erpKind' | 'erpSettings' | 'booking' | 'pleo'> & {
  /** plain values; null removes a secret */
  secrets: Record<string, string | null>;
};

export type ConnectionPatch = Partial<Omit<ConnectionInput, 'companyId'>> & { status?: 'active' | 'disabled' };

/** Another live connection already has this Pleo company. */
export class CompanyTaken extends Error {
  constructor(readonly companyId: string) {
    super(`company ${companyId} already has a connection`);
    this.name = 'CompanyTaken';
  }
}

type Row = Awaited<ReturnType<PrismaService['connection']['findFirst']>>;
const toRecord = (row: NonNullable<Row>): ConnectionRecord => ({
  ...row,
  erpSettings: row.erpSettings as Record<string, unknown>,
  booking: row.booking as unknown as BookingSettings,
  pleo: row.pleo as unknown as PleoSettings,
  secrets: row.secrets as Record<string, string>,
  status: row.status as ConnectionStatus,
  statusSide: row.statusSide as ConnectionSide | null,
});

/** Connections in PostgreSQL. Secrets go in sealed and come out sealed (ConnectionSecrets opens them). */
@Injectable()
export class ConnectionRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly secrets: ConnectionSecrets,
  ) {}

  async create(input: ConnectionInput): Promise<ConnectionRecord> {
    const id = randomUUID(); // known before sealing: the secrets are bound to it
    try {
      const row = await this.prisma.connection.create({
        data: { ...input, companyId: input.companyId.toLowerCase(), id, erpSettings: input.erpSettings as object, booking: input.booking as object, pleo: input.pleo as object, secrets: this.sealed(id, {}, input.secrets) },
      });
      return toRecord(row);
    } catch (err) {
      if (isUniqueViolation(err)) throw new CompanyTaken(input.companyId);
      throw err;
    }
  }

  async list(): Promise<ConnectionRecord[]> {
    return (await this.prisma.connection.findMany({ where: { deletedAt: null }, orderBy: { createdAt: 'asc' } })).map(toRecord);
  }

  async get(id: string): Promise<ConnectionRecord | null> {
    const row = await this.prisma.connection.findFirst({ where: { id, deletedAt: null } });
    return row ? toRecord(row) : null;
  }

  async forCompany(companyId: string): Promise<ConnectionRecord | null> {
    const row = await this.prisma.connection.findFirst({ where: { companyId: { equals: companyId, mode: 'insensitive' }, deletedAt: null } });
    return row ? toRecord(row) : null;
  }

  /** The company's most recently deleted connection, if it ever had one. */
  async lastDeletedForCompany(companyId: string): Promise<ConnectionRecord | null> {
    const row = await this.prisma.connection.findFirst({ where: { companyId: { equals: companyId, mode: 'insensitive' }, deletedAt: { not: null } }, orderBy: { deletedAt: 'desc' } });
    return row ? toRecord(row) : null;
  }

  /**
   * Secrets named in the patch are replaced (null: removed), the others kept — in place, in SQL, so
   * a refresh token another process rotated a moment ago is never written back with an old value.
   */
  async update(current: ConnectionRecord, patch: ConnectionPatch, options: { advisoryLock?: string } = {}): Promise<ConnectionRecord> {
    const { secrets, ...rest } = patch;
    const status = patch.status ? { status: patch.status, statusSide: null, statusReason: null } : {};
    const row = await this.prisma.$transaction(async (tx) => {
      // e.g. the lock a token refresh holds (pleoOAuthLockKey): the write waits for it, then wins
      if (options.advisoryLock) await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${options.advisoryLock}, 0))`;
      if (secrets) {
        const set = JSON.stringify(this.sealed(current.id, {}, Object.fromEntries(Object.entries(secrets).filter(([, v]) => v !== null))));
        const removed = Object.keys(secrets).filter((name) => secrets[name] === null);
        await tx.$executeRaw`UPDATE connections SET secrets = (secrets || ${set}::jsonb) - ${removed}::text[] WHERE id = ${current.id}::uuid`;
      }
      return tx.connection.update({
        where: { id: current.id },
        data: {
          ...rest,
          ...status,
          ...(rest.erpSettings && { erpSettings: rest.erpSettings as object }),
          ...(rest.booking && { booking: rest.booking as object }),
          ...(rest.pleo && { pleo: rest.pleo as object }),
          updatedAt: new Date(), // new secrets alone are a change too: adapters and clients are rebuilt
        },
      });
    });
    return toRecord(row);
  }

  async softDelete(id: string): Promise<boolean> {
    const { count } = await this.prisma.connection.updateMany({ where: { id, deletedAt: null }, data: { deletedAt: new Date() } });
    return count === 1;
  }

  /** needs_reauthorisation with the side and why; a disabled connection stays disabled. */
  async needsReauthorisation(id: string, side: ConnectionSide, reason: string): Promise<void> {
    await this.prisma.connection.updateMany({
      where: { id, status: { not: 'disabled' } },
      data: { status: 'needs_reauthorisation', statusSide: side, statusReason: reason },
    });
  }

  /** A verification that passed both sides also ends a needs_reauthorisation. */
  async recordVerification(id: string, ok: boolean, message: string): Promise<ConnectionRecord | null> {
    await this.prisma.connection.updateMany({
      where: { id, deletedAt: null },
      data: { lastVerifiedAt: new Date(), lastVerificationOk: ok, lastVerificationMessage: message },
    });
    if (ok) {
      await this.prisma.connection.updateMany({
        where: { id, status: 'needs_reauthorisation' },
        data: { status: 'active', statusSide: null, statusReason: null },
      });
    }
    return this.get(id);
  }

  /**
   * Replaces some secrets in place without touching updatedAt: a rotated token is not a change of
   * the connection (its adapters stay cached). Runs inside the caller's transaction when given one.
   */
  async rotateSecrets(id: string, plain: Record<string, string>, tx: Pick<PrismaService, '$executeRaw'> = this.prisma): Promise<void> {
    const sealed = JSON.stringify(this.sealed(id, {}, plain));
    await tx.$executeRaw`UPDATE connections SET secrets = secrets || ${sealed}::jsonb WHERE id = ${id}::uuid`;
  }

  /**
   * rotateSecrets, autocommit, only while the stored `name` is still `expectedSealed` (compare and
   * swap): a chain rotated after its first write failed is written unless the chain changed since
   * (e.g. a new one from the connect flow). False: not written (changed, or written already).
   */
  async rotateSecretsIf(id: string, plain: Record<string, string>, name: string, expectedSealed: string): Promise<boolean> {
    const sealed = JSON.stringify(this.sealed(id, {}, plain));
    const count = await this.prisma.$executeRaw`UPDATE connections SET secrets = secrets || ${sealed}::jsonb WHERE id = ${id}::uuid AND secrets->>${name} = ${expectedSealed}`;
    return count === 1;
  }

  private sealed(id: string, current: Record<string, string>, changes: Record<string, string | null>): Record<string, string> {
    const next = { ...current };
    for (const [name, value] of Object.entries(changes)) {
      if (value === null) delete next[name];
      else next[name] = this.secrets.seal(id, name, value);
    }
    return next;
  }
}
