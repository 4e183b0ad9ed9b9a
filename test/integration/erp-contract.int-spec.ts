import { CommonConfig } from '@app/config';
import { PrismaService } from '@app/database';
import { SandboxErpAdapter } from '@app/erp';
import { TrytonErpAdapter } from '../../libs/erp/src/adapters/tryton/tryton-erp.adapter';
import { TrytonRpcClient } from '../../libs/erp/src/adapters/tryton/tryton-rpc.client';
import { describeErpContract } from '../support/erp-contract';
import { TEST_DATABASE_URL } from '../support/test-env';
import { LiveTryton, startTryton } from '../support/tryton';

/** Every adapter passes the same port contract: the sandbox and the live Tryton. */
const prisma = new PrismaService({ DATABASE_URL: TEST_DATABASE_URL } as CommonConfig);
afterAll(() => prisma.onApplicationShutdown());

describeErpContract('sandbox', async () => new SandboxErpAdapter(prisma), {
  attachmentCount: (entryId) => prisma.sandboxAttachment.count({ where: { entryId } }),
});

let tryton: LiveTryton | null = null;
let rpc: TrytonRpcClient;
const trytonReady = startTryton().then((t) => (tryton = t));
afterAll(async () => {
  await trytonReady.catch(() => undefined);
  await tryton?.stop();
});

describeErpContract(
  'tryton',
  async () => {
    const t = await trytonReady;
    if (!t) return null; // startTryton warned: Tryton cannot be installed here (never in CI)
    rpc = new TrytonRpcClient({ url: t.url, database: t.database, user: t.user, password: t.password, fetch });
    return new TrytonErpAdapter({ url: t.url, database: t.database, user: t.user, journal: 'PLEO', invoiceJournal: 'EXP' }, t.password);
  },
  { attachmentCount: (resource) => rpc.call<number>('model.ir.attachment.search_count', [[['resource', '=', resource]], {}]) },
);
