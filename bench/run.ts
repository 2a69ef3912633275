// `npm run bench -- <suite> [...]`: runs bench/<suite>.ts for each suite named (all suites when none is).
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { printTable } from './harness.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && !['run.ts', 'harness.ts'].includes(f))
  .map((f) => f.slice(0, -3))
  .sort();
const asked = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = asked.filter((s) => !available.includes(s));
if (unknown.length > 0) {
  console.error(`unknown bench suite(s): ${unknown.join(', ')}; available: ${available.join(', ')}`);
  process.exit(2);
}
for (const suite of asked.length > 0 ? asked : available) {
  const mod = (await import(`./${suite}.ts`)) as { run: () => Promise<void> };
  await mod.run();
}
printTable();
process.exit(0);
