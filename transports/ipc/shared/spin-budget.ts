// How long a thread spins for something before it sleeps, learned from how its recent waits ended.
//
// Spinning pays when the other thread is running on another core: its answer comes in about a microsecond, while a
// sleep costs a thread wake-up (tens of us, ~100 us on a loaded machine). It is waste when the other thread is not
// running (descheduled on a busy machine, or queued behind us on our own core): then the spin only burns a core
// others need and delays the answer it waits for. So each wait that a full-length spin would have covered doubles
// the budget, up to the full length, and each that it would not have covered halves it, down to a sixteenth: a busy
// machine quickly gets threads that sleep at once, and a quiet one threads that spin.

/** Smallest budget, as a fraction of the full spin. */
const MIN_FRACTION = 1 / 16;

export class SpinBudget {
  private fraction = 1;

  /** Microseconds to spin now, out of a full spin of `fullUs`. */
  us(fullUs: number): number {
    return fullUs * this.fraction;
  }

  /** A wait ended after `waitedUs` (spinning or asleep); `fullUs` is what a full spin would have lasted. */
  record(waitedUs: number, fullUs: number): void {
    if (waitedUs <= fullUs) {
      if (this.fraction < 1) this.fraction = Math.min(1, this.fraction * 2);
    } else if (this.fraction > MIN_FRACTION) {
      this.fraction = Math.max(MIN_FRACTION, this.fraction / 2);
    }
  }
}
