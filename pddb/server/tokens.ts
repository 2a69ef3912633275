// Key tokens: the server's side of every open PddbKey. A token is 128 random bits from the server's Random, so no
// process can guess another's; it is bound to the PID that asked for it, so a token that leaks to another process
// opens nothing there. Tokens go on drop, when their process is done (ReleaseTokens) and when their basis is locked:
// then no dict or key name of that basis is left in the server's memory.
import { bytesToHex } from '@noble/ciphers/utils.js';
import { randomBytes, type Random } from '../../lib/random.ts';
import type { KeyHandle } from '../engine/engine.ts';
import { PddbError } from '../errors.ts';
import { TOKEN_BYTES } from '../api.ts';

export interface TokenRecord {
  readonly token: Uint8Array;
  readonly pid: number;
  readonly handle: KeyHandle;
  /** Writes stay in memory until a sync (GetOptions.batched). */
  readonly batched: boolean;
  /** The holder wants to hear when the key changes (KeyWatch). */
  readonly watch: boolean;
}

export class KeyTokens {
  private readonly byId = new Map<string, TokenRecord>();

  constructor(private readonly random: Random) {}

  issue(pid: number, handle: KeyHandle, flags: { batched: boolean; watch: boolean }): TokenRecord {
    for (;;) {
      const token = randomBytes(this.random, TOKEN_BYTES);
      const id = bytesToHex(token);
      if (this.byId.has(id)) continue;
      const rec = { token, pid, handle, ...flags };
      this.byId.set(id, rec);
      return rec;
    }
  }

  /** The record of `token` if `pid` holds it. Anything else (unknown, dropped, another process's) is BasisLost, as
   * the original answers an unknown token, and says nothing about whether the token exists. */
  get(pid: number, token: Uint8Array): TokenRecord {
    const rec = this.byId.get(bytesToHex(token));
    if (!rec || rec.pid !== pid) throw new PddbError('BasisLost', 'unknown or dropped key token');
    return rec;
  }

  /** Drop one token of `pid`; false when it holds no such token. */
  drop(pid: number, token: Uint8Array): boolean {
    const id = bytesToHex(token);
    const rec = this.byId.get(id);
    if (!rec || rec.pid !== pid) return false;
    this.byId.delete(id);
    return true;
  }

  /** Drop every token matching `which`; returns what was dropped. */
  dropWhere(which: (r: TokenRecord) => boolean): TokenRecord[] {
    const out: TokenRecord[] = [];
    for (const [id, r] of this.byId) {
      if (!which(r)) continue;
      this.byId.delete(id);
      out.push(r);
    }
    return out;
  }

  all(): IterableIterator<TokenRecord> {
    return this.byId.values();
  }
}
