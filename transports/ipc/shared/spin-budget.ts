// How long a thread spins for something before it sleeps, learned from how its recent waits ended.
//
// Spinning pays when the other thread is running on another core: its answer comes in about a microsecond, while a
// sleep costs a thread wake-up (tens of us, more on a loaded machine). It is waste when the other thread is not
// running (descheduled on a busy machine, or queued behind us on our own core): then the spin only burns a core
// others need, and uses up our own share of the CPU, so the scheduler runs us later when the answer does come.
// So a wait that a full-length spin covered doubles the budget (up to the full length); one it would not have
// covered halves it (down to a sixteenth), and so does being preempted while spinning (the clock jumps between two
// readings): a loaded machine quickly gets threads that sleep almost at once, and a quiet one threads that spin.
import { performance } from 'node:perf_hooks';

/** Smallest budget, as a fraction of the full spin. */
const MIN_FRACTION = 1 / 16;
/** A gap this long between two clock readings of a spin loop (normally under 2 us apart) means we were preempted. */
const PREEMPTED_MS = 0.02;

export class SpinBudget {
  private fraction = 1;
  private fullUs = 0;
  private start = 0;
  private limit = 0;
  private last = 0;
  private preempted = false;

  /** The timed part of a spin starts now, out of a full spin of `fullUs`. */
  begin(fullUs: number): void {
    this.fullUs = fullUs;
    this.start = this.last = performance.now();
    this.limit = this.start + (fullUs * this.fraction) / 1000;
    this.preempted = false;
  }

  /** Call every few spins: true once the budget is spent, or at once if we were preempted (the machine is busy). */
  over(): boolean {
    const now = performance.now();
    if (now - this.last > PREEMPTED_MS) {
      this.preempted = true;
      this.shrink();
      return true;
    }
    this.last = now;
    return now > this.limit;
  }

  /** The wait ended while spinning. */
  hit(): void {
    if (this.fraction < 1) this.fraction = Math.min(1, this.fraction * 2);
  }

  /** The wait that began() ended after a sleep: grow if a full spin would have covered it, shrink if not. */
  slept(): void {
    if (this.preempted) return;
    if ((performance.now() - this.start) * 1000 <= this.fullUs) this.hit();
    else this.shrink();
  }

  private shrink(): void {
    if (this.fraction > MIN_FRACTION) this.fraction = Math.max(MIN_FRACTION, this.fraction / 2);
  }
}
