// The name server's table, with xous-names semantics (services/xous-names main.rs CheckedHashMap):
// names of at most 63 UTF-8 bytes; a duplicate fails; each connect counts against an optional limit; a disconnect
// token frees a limited slot and is replaced; "trusted init done" once every limited server is full.
import type { Random } from '../../lib/random.ts';
import { IpcError, XousError } from './errors.ts';
import { MAX_NAME_BYTES } from './limits.ts';

export type Token = readonly [number, number, number, number];

interface Entry {
  server: number;
  limit: number | undefined;
  current: number;
  token: Token;
}

const utf8 = new TextEncoder();
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Throws InvalidString unless `name` is 1..63 bytes of valid UTF-8. */
export function checkName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0 || LONE_SURROGATE.test(name)) {
    throw new IpcError(XousError.InvalidString, 'a server name is a non-empty Unicode string');
  }
  const n = utf8.encode(name).length;
  if (n > MAX_NAME_BYTES)
    throw new IpcError(XousError.InvalidString, `server name of ${n} bytes (at most ${MAX_NAME_BYTES})`);
  return name;
}

export function checkLimit(limit: unknown): number | undefined {
  if (limit === undefined) return undefined;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0 || limit > 0xffffffff) {
    throw new IpcError(XousError.InvalidLimit, 'connLimit is a u32');
  }
  return limit;
}

export class NameTable {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly rng: Random) {}

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** Duplicate names fail with ServerExists (the original's client maps its Failure to InternalError). */
  register(name: string, server: number, limit: number | undefined): void {
    if (this.entries.has(name)) throw new IpcError(XousError.ServerExists, `name '${name}' is taken`);
    this.entries.set(name, { server, limit, current: 0, token: this.mintToken() });
  }

  remove(name: string): void {
    this.entries.delete(name);
  }

  /** Broker one connection: the server index and the disconnect token, or undefined (unknown, or limit used up). */
  connect(name: string): { server: number; token: Token } | undefined {
    const e = this.entries.get(name);
    if (e === undefined) return undefined;
    if (e.limit !== undefined && e.current >= e.limit) return undefined;
    e.current++;
    return { server: e.server, token: e.token };
  }

  /** Undo a count taken by connect() when the kernel then refused the connection (e.g. the slot table is full). */
  release(name: string): void {
    const e = this.entries.get(name);
    if (e && e.current > 0) e.current--;
  }

  /**
   * Present a token to free a limited slot. The token is replaced, so it works once. (The original resets the
   * count to 0, which frees every slot of a multi-connection server; freeing one is what the caller meant.)
   */
  disconnect(name: string, token: readonly number[]): boolean {
    const e = this.entries.get(name);
    if (e === undefined || !sameToken(e.token, token)) return false;
    if (e.current > 0) e.current--;
    e.token = this.mintToken();
    return true;
  }

  isFull(name: string): boolean {
    const e = this.entries.get(name);
    return e !== undefined && e.limit !== undefined && e.current >= e.limit;
  }

  trustedInitDone(): boolean {
    for (const e of this.entries.values()) if (e.limit !== undefined && e.current !== e.limit) return false;
    return true;
  }

  private mintToken(): Token {
    const b = this.rng.fill(new Uint8Array(16));
    const v = new DataView(b.buffer);
    return [v.getUint32(0, true), v.getUint32(4, true), v.getUint32(8, true), v.getUint32(12, true)];
  }
}

function sameToken(a: Token, b: readonly number[]): boolean {
  return Array.isArray(b) && a[0] === b[0] >>> 0 && a[1] === b[1] >>> 0 && a[2] === b[2] >>> 0 && a[3] === b[3] >>> 0;
}
