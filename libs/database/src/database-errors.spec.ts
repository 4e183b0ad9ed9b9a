import { isDatabaseUnavailable } from './database-errors';

const pgError = (code: string, message = 'x') => Object.assign(new Error(message), { code, severity: 'FATAL' });

describe('isDatabaseUnavailable (O2)', () => {
  it('counts too many clients, insufficient resources and a read-only server as unavailable', () => {
    expect(isDatabaseUnavailable(pgError('53300', 'sorry, too many clients already'))).toBe(true);
    expect(isDatabaseUnavailable(pgError('53100', 'could not extend file'))).toBe(true);
    expect(isDatabaseUnavailable(pgError('25006', 'cannot execute INSERT in a read-only transaction'))).toBe(true);
    expect(isDatabaseUnavailable(pgError('57P01', 'terminating connection due to administrator command'))).toBe(true);
  });

  it('finds the driver error Prisma wraps under meta.driverAdapterError', () => {
    const prismaError = Object.assign(new Error('db error'), {
      code: 'P2010',
      meta: { driverAdapterError: { cause: { kind: 'postgres', code: '25006', message: 'read-only' } } },
    });
    expect(isDatabaseUnavailable(prismaError)).toBe(true);
    expect(isDatabaseUnavailable({ meta: { driverAdapterError: { cause: { kind: 'TooManyConnections' } } } })).toBe(true);
  });

  it('does not count a wrong statement or a constraint', () => {
    expect(isDatabaseUnavailable(pgError('23505', 'duplicate key'))).toBe(false);
    expect(isDatabaseUnavailable(pgError('42P01', 'relation does not exist'))).toBe(false);
  });
});
