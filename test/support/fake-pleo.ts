import { FakePleo, FakePleoOptions } from '../../apps/fake-pleo/src/fake-pleo.server';
import { TEST_PLEO_API_KEY } from './test-env';

/** The strict fake Pleo in-process, with its control API on (tests seed and inspect it). */
export async function startFakePleo(options: FakePleoOptions = {}): Promise<FakePleo> {
  const fake = new FakePleo({ apiKey: TEST_PLEO_API_KEY, control: true, ...options });
  await fake.listen(0);
  return fake;
}
