// Message kinds and scalar words, as in xous-rs Message.

export enum MessageKind {
  /** Opcode + 4 words, no reply; the sender goes on. */
  Scalar = 1,
  /** Opcode + 4 words; the caller waits for the server's return_scalar. */
  BlockingScalar = 2,
  /** Read-only lend of page-aligned memory; the caller waits until the server drops it. */
  Borrow = 3,
  /** Writable lend; the server may write and set offset/valid, which come back to the caller. */
  MutableBorrow = 4,
  /** Ownership of the memory passes to the server; the sender can no longer use it. */
  Move = 5,
}

/** Four u32 registers: the args of a scalar message, or the reply of a BlockingScalar. */
export type Words = readonly [number, number, number, number];

export const ZERO_WORDS: Words = Object.freeze([0, 0, 0, 0]) as Words;

export function kindName(kind: MessageKind): string {
  return MessageKind[kind] ?? `kind${kind}`;
}

/** Bit of a kind in an opcode's accepted-kinds mask. */
export function kindBit(kind: MessageKind): number {
  return 1 << kind;
}

export function isBlocking(kind: MessageKind): boolean {
  return kind !== MessageKind.Scalar && kind !== MessageKind.Move;
}

export function isMemory(kind: MessageKind): boolean {
  return kind >= MessageKind.Borrow;
}

/**
 * Words are usize registers on a 32-bit machine: every value is reduced mod 2^32 (`>>> 0`), in both execution modes,
 * so a server sees the same numbers whichever mode it runs in. Missing words are 0.
 */
export function toWords(args: readonly number[] | undefined): Words {
  if (args === undefined) return ZERO_WORDS;
  return [args[0] >>> 0, args[1] >>> 0, args[2] >>> 0, args[3] >>> 0];
}
