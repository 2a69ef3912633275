// A format in progress: FormatBegin sets it up, each FormatStep runs one chunk and answers
// [done, total, FormatState, result number] so a client can draw progress and learn why a format failed.
import type { Random } from '../../lib/random.ts';
import { formatSteps, type FormatProgress } from '../engine/format.ts';
import type { Flash } from '../flash/flash.ts';
import { REQUEST_OK } from '../errors.ts';
import { FormatState } from '../api.ts';
import { failureNumber } from './results.ts';

export class FormatJob {
  private readonly steps: Generator<FormatProgress, Uint8Array>;
  private last: FormatProgress = { done: 0, total: 1 };

  constructor(
    flash: Flash,
    pin: string,
    opts: { random: Random; dna: bigint },
    private readonly saveKeybox: (keybox: Uint8Array) => void,
  ) {
    this.steps = formatSteps(flash, { pin, random: opts.random, dna: opts.dna });
  }

  /** One chunk; `finished` says the job is over (done or failed). */
  step(): { words: number[]; finished: boolean } {
    try {
      const r = this.steps.next();
      if (!r.done) {
        this.last = r.value;
        return { words: [r.value.done, r.value.total, FormatState.Running, REQUEST_OK], finished: false };
      }
      this.saveKeybox(r.value);
      r.value.fill(0);
      return { words: [this.last.total, this.last.total, FormatState.Done, REQUEST_OK], finished: true };
    } catch (e) {
      return {
        words: [this.last.done, this.last.total, FormatState.Failed, failureNumber(e, 'request')],
        finished: true,
      };
    }
  }
}
