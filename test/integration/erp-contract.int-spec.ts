import { CommonConfig } from '@app/config';
import { PrismaService } from '@app/database';
import { SandboxErpAdapter } from '@app/erp';
import { TrytonErpAdapter } from '../../libs/erp/src/adapters/tryton/tryton-erp.adapter';
import { TrytonRpcClient } from '../../libs/erp/src/adapters/tryton/tryton-rpc.client';
import { describeErpContract } from '../support/erp-contract';
import { startXeroWorld, XeroWorld } from '../support/fake-xero';
import { TEST_DATABASE_URL } from '../support/test-env';
import { LiveTryton, startTryton } from '../support/tryton';

/** Every adapter passes the same port contract: the sandbox, the live Tryton and Xero (the fake Xero). */
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

let xero: XeroWorld | undefined;
afterAll(async () => {
  if (xero) expect(xero.fake.specProblems()).toEqual([]); // every request the adapter sent was valid against Xero's spec
  await xero?.close();
});

describeErpContract(
  'xero',
  async () => {
    // the contract is about the port, not Xero's limits (those: xero-limits-tokens.int-spec.ts): this adapter has no governor
    xero = await startXeroWorld({ limits: { perMinute: 100_000 } });
    // the contract's chart (the sandbox's): 1910 the Pleo wallet (a bank account in Xero), 2400 AP, 7100 meals, S25
    const { org } = xero;
    org.addAccount('1910', 'Pleo wallet', 'BANK', 'EUR');
    org.addAccount('2400', 'Accounts payable (Pleo)', 'CURRLIAB');
    org.addAccount('7100', 'Meals', 'OVERHEADS');
    org.addTaxRate('S25', '25% (VAT on expenses)', 25);
    return xero.adapter().adapter;
  },
  { attachmentCount: async (expenseId) => xero!.org.attachments.get(expenseId.split(':')[1])?.length ?? 0 },
);
