// Key-change notices (the original's cb_sid callbacks, here a long poll): each process that holds watched tokens
// gets the tokens whose key changed, on its KeyWatch request, answered at once or when the next change comes. Tokens
// the server freed (their key deleted, their basis locked) come back in `gone` as well, so the client forgets them.
import type { Incoming, Responder } from '../../transports/ipc/index.ts';
import type { TokenRecord } from './tokens.ts';

type Waiter = {
  msg: Incoming<number, unknown, { code: number; tokens?: Uint8Array[]; gone?: Uint8Array[] }>;
  responder: Responder;
};
type Notice = { token: Uint8Array; gone: boolean };

export class KeyWatches {
  private readonly pending = new Map<number, Notice[]>();
  private readonly waiting = new Map<number, Waiter>();

  constructor(private readonly ok: number) {}

  /** Tell the holders of these tokens (those watching) that their key changed; `gone`: and the token was freed. */
  notify(records: Iterable<TokenRecord>, gone = false): void {
    for (const r of records) {
      if (!r.watch) continue;
      const list = this.pending.get(r.pid) ?? [];
      const seen = list.find((n) => n.token === r.token);
      if (seen) seen.gone ||= gone;
      else list.push({ token: r.token, gone });
      this.pending.set(r.pid, list);
    }
    for (const pid of [...this.waiting.keys()]) if (this.pending.has(pid)) this.answer(pid);
  }

  /** A KeyWatch request: answered now if something changed since the last one, else held. One per process. */
  poll(pid: number, msg: Waiter['msg']): void {
    const old = this.waiting.get(pid); // a newer poll replaces an older one, which comes back empty
    if (old) {
      old.msg.respond({ code: this.ok, tokens: [] });
      old.responder.reply();
    }
    this.waiting.set(pid, { msg, responder: msg.defer() });
    if (this.pending.has(pid)) this.answer(pid);
  }

  /** The process is done: forget its notices and let its poll return empty. */
  release(pid: number): void {
    this.pending.delete(pid);
    const w = this.waiting.get(pid);
    this.waiting.delete(pid);
    if (w) {
      w.msg.respond({ code: this.ok, tokens: [] });
      w.responder.reply();
    }
  }

  private answer(pid: number): void {
    const w = this.waiting.get(pid)!;
    const notices = this.pending.get(pid)!.splice(0, 256);
    if (this.pending.get(pid)!.length === 0) this.pending.delete(pid);
    this.waiting.delete(pid);
    w.msg.respond({
      code: this.ok,
      tokens: notices.map((n) => n.token),
      gone: notices.filter((n) => n.gone).map((n) => n.token),
    });
    w.responder.reply();
  }
}
