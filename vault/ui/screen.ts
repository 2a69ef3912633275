// The screen model behind the presence modal: a queue of requests, the one shown first, each with its deadline.
// Pure state (no IPC, no timers of its own) so the server and tests drive it the same way.
import { Presence, UpState } from './api.ts';

export interface PresencePrompt {
  reason: string;
  rp: string;
  user: string;
  deadline: number;
  settle(outcome: Presence): void;
}

/** F1 denies the modal, as on the device; any other key approves it. */
export const DENY_KEY = 'F1';

export class Screen {
  private readonly prompts: PresencePrompt[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  show(prompt: PresencePrompt): void {
    this.prompts.push(prompt);
  }

  get current(): PresencePrompt | undefined {
    return this.prompts[0];
  }

  /** Answer one prompt (the one shown unless named) and take it off the screen. */
  answer(outcome: Presence, prompt: PresencePrompt | undefined = this.current): boolean {
    const i = prompt ? this.prompts.indexOf(prompt) : -1;
    if (i < 0) return false;
    this.prompts.splice(i, 1);
    prompt!.settle(outcome);
    return true;
  }

  press(key: string): boolean {
    return this.answer(key === DENY_KEY ? Presence.Denied : Presence.Approved);
  }

  /** Every request waiting on the screen is cancelled (CTAPHID CANCEL reaches the active transaction). */
  cancelAll(): number {
    const n = this.prompts.length;
    while (this.prompts.length > 0) this.answer(Presence.Cancelled);
    return n;
  }

  status(): [UpState, number] {
    const p = this.current;
    return p ? [UpState.UpNeeded, this.secondsLeft(p)] : [UpState.Idle, 0];
  }

  view() {
    const p = this.current;
    return {
      modal: p !== undefined,
      reason: p?.reason ?? '',
      rp: p?.rp ?? '',
      user: p?.user ?? '',
      secondsLeft: p ? this.secondsLeft(p) : 0,
      queued: Math.max(0, this.prompts.length - 1),
    };
  }

  private secondsLeft(p: PresencePrompt): number {
    return Math.max(0, Math.ceil((p.deadline - this.now()) / 1000));
  }
}
