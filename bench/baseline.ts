// Harness self-check and machine baselines that other suites compare against.
import { report, timeUs, timeUsSync } from './harness.ts';

export async function run(): Promise<void> {
  const direct = async (x: number) => x + 1;
  const asyncCall = await timeUs(() => direct(1), { batch: 100_000, runs: 7 });
  const sync = timeUsSync(() => Math.sqrt(2), { batch: 1_000_000, runs: 7 });
  report('baseline', 'direct async call', asyncCall, 'us', { name: 'sync call', value: sync });
}
