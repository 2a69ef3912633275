// What a device folder must hold after killed processes: per key, the value the last acknowledged write left (a run
// that exited 0), and, after a killed write, the one other value the key may also hold, whole. A read that settles
// the question makes that value the acknowledged one (the device now holds it, durably, for the next kill).
export interface KeyState {
  /** The acknowledged value; null: the key must be absent. */
  acked: Uint8Array | null;
  /** Values a killed write may have left instead of `acked` (old or new, whole). */
  maybe: (Uint8Array | null)[];
}

const same = (a: Uint8Array | null, b: Uint8Array | null) =>
  a === null || b === null ? a === b : Buffer.from(a).equals(Buffer.from(b));

export class KillLedger {
  private readonly keys = new Map<string, KeyState>();
  /** Runs that exited 0 after writing. */
  acknowledged = 0;

  static path(basis: string, dict: string, key: string): string {
    return `${basis}/${dict}/${key}`;
  }

  /** The value a key holds for sure (null: absent); throws while a killed write is unresolved. */
  current(path: string): Uint8Array | null {
    const s = this.keys.get(path);
    if (s && s.maybe.length > 0) throw new Error(`ledger: ${path} is unresolved`);
    return s?.acked ?? null;
  }

  paths(): string[] {
    return [...this.keys.keys()];
  }

  allowed(path: string): (Uint8Array | null)[] {
    const s = this.keys.get(path);
    return s ? [s.acked, ...s.maybe] : [null];
  }

  ack(path: string, value: Uint8Array | null): void {
    this.keys.set(path, { acked: value, maybe: [] });
    this.acknowledged++;
  }

  /** A write of `next` was killed: the key holds its old value or `next`. */
  killed(path: string, next: Uint8Array | null): void {
    const s = this.keys.get(path) ?? { acked: null, maybe: [] };
    s.maybe.push(next);
    this.keys.set(path, s);
  }

  /** A read found `seen`: null if it is allowed (and it becomes the acknowledged value), else why not. */
  settle(path: string, seen: Uint8Array | null): string | null {
    const allowed = this.allowed(path);
    if (!allowed.some((v) => same(v, seen)))
      return `${path} reads ${describeValue(seen)}; allowed: ${allowed.map(describeValue).join(' or ')}`;
    this.keys.set(path, { acked: seen, maybe: [] });
    return null;
  }
}

/** Length and a short prefix (the sweep's values are random test data, not secrets). */
export function describeValue(v: Uint8Array | null): string {
  return v === null ? 'absent' : `${v.length} bytes ${Buffer.from(v.subarray(0, 6)).toString('hex')}..`;
}
