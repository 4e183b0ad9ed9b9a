import { FakePleo, FakePleoOptions } from '../../apps/fake-pleo/src/fake-pleo.server';
import { TEST_PLEO_API_KEY } from './test-env';

export async function startFakePleo(options: FakePleoOptions = {}): Promise<FakePleo> {
  const fake = new FakePleo({ apiKey: TEST_PLEO_API_KEY, ...options });
  await fake.listen(0);
  return fake;
}
