// Autotype: type text into the host as a USB keyboard would. Every character is checked before the first report
// leaves, so untypable text types nothing at all.
import { setTimeout as sleep } from 'node:timers/promises';
import { VaultError } from '../records/errors.ts';
import { getLayout, LAYOUTS } from './layouts.ts';
import { textToReports } from './reports.ts';
import type { KeyboardSink } from './sinks.ts';

export interface AutotypeOptions {
  layout?: string;
  /** Milliseconds between reports (hosts that drop fast keystrokes need a few). Default 0. */
  delayMs?: number;
}

export const DELAY_MAX_MS = 1000;

/** Type `text` into `sink`; resolves with the number of reports sent. The sink is left open. */
export async function autotype(text: string, sink: KeyboardSink, opts: AutotypeOptions = {}): Promise<number> {
  const name = opts.layout ?? 'us101';
  if (!(LAYOUTS as readonly string[]).includes(name))
    throw new VaultError('InvalidInput', `layout is ${LAYOUTS.join(' or ')}`);
  const delay = opts.delayMs ?? 0;
  if (!Number.isInteger(delay) || delay < 0 || delay > DELAY_MAX_MS)
    throw new VaultError('InvalidInput', `delay must be 0 to ${DELAY_MAX_MS} ms`);
  const reports = textToReports(text, getLayout(name));
  for (const r of reports) {
    await sink.send(r);
    if (delay > 0) await sleep(delay);
  }
  return reports.length;
}
