// The global signature counter (the original's: +random 1..8 per signature) without a PDDB write and sync per
// signature. The stored value is a ceiling: every counter handed out is at or below the ceiling on flash, so after a
// power cut at any point the next boot resumes from that ceiling and counts strictly above everything handed out
// before. A new ceiling (the next value + RESERVATION) is written and synced before any counter above the old one
// leaves the authenticator. The price: each boot skips what is left of its reservation (at most RESERVATION,
// about 1/2^20 of the u32 range).
import { randomBelow, type Random } from '../../lib/random.ts';
import { Key, type FidoStore } from './store.ts';

/** Counter space reserved per flash write by default: about 900 signatures at the average step of 4.5. */
export const RESERVATION = 4096;
const MAX_COUNTER = 0xffffffff;

export class SignatureCounter {
  /** The last counter handed out, and the ceiling on flash; both unknown until first use (read lazily). */
  private state: { last: number; ceiling: number } | undefined;
  /** Serialises uses, so two concurrent commands never read the same `last`. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: FidoStore,
    private readonly random: Random,
    private readonly reservation = RESERVATION,
  ) {}

  /** The next counter: strictly above every counter handed out before, on this boot or any earlier one. */
  next(): Promise<number> {
    const run = this.queue.then(() => this.advance());
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The last counter handed out (0 before the first; the ceiling on flash just after a boot). */
  async last(): Promise<number> {
    await this.queue;
    return (await this.loaded()).last;
  }

  /** After a reset wiped the stored counter: start again from it (0), as the original does. */
  forget(): void {
    this.state = undefined;
  }

  private async advance(): Promise<number> {
    const s = await this.loaded();
    const next = Math.min(MAX_COUNTER, s.last + 1 + randomBelow(this.random, 8));
    if (next > s.ceiling) {
      const ceiling = Math.min(MAX_COUNTER, next + this.reservation);
      await this.store.writeU32(Key.GlobalSignatureCounter, ceiling);
      await this.store.sync();
      s.ceiling = ceiling;
    }
    s.last = next;
    return next;
  }

  private async loaded(): Promise<{ last: number; ceiling: number }> {
    if (!this.state) {
      const ceiling = await this.store.readU32(Key.GlobalSignatureCounter, 0);
      this.state ??= { last: ceiling, ceiling };
    }
    return this.state;
  }
}
