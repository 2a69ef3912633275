// Page buffers: the memory that Borrow, MutableBorrow and Move messages carry.
// A JS buffer has no address, so "page-aligned" means: the view starts at a multiple of 4096 inside its ArrayBuffer
// and its length is a non-zero multiple of 4096. `offset` and `valid` are advisory, as in Xous (0 means none);
// the codec follows xous-ipc Buffer: offset = bytes used, valid = the buffer's length.
import { IpcError, XousError } from './errors.ts';
import { PAGE_SIZE } from './limits.ts';
import { MessageKind } from './message.ts';

export interface PageBuffer {
  bytes: Uint8Array;
  offset: number;
  valid: number;
}

/** Fresh zeroed memory of `pages` pages (at least one), owned by its own ArrayBuffer (so it can be moved). */
export function allocPages(pages = 1): PageBuffer {
  if (!Number.isInteger(pages) || pages < 1) throw new IpcError(XousError.BadAddress, `cannot allocate ${pages} pages`);
  return { bytes: new Uint8Array(pages * PAGE_SIZE), offset: 0, valid: 0 };
}

/** Pages needed to hold `n` bytes (at least one). */
export function pagesFor(n: number): number {
  return Math.max(1, Math.ceil(n / PAGE_SIZE));
}

/** Wrap `data` in a fresh page buffer (copied), with offset = data length, as xous-ipc does for a serialized value. */
export function bufferFrom(data: Uint8Array): PageBuffer {
  const buf = allocPages(pagesFor(data.length));
  buf.bytes.set(data);
  buf.offset = data.length;
  buf.valid = buf.bytes.length;
  return buf;
}

/**
 * The kernel's check on memory a message carries; returns the error (not thrown) so callers can reject cheaply.
 * Zero length is BadAddress; a length or start off the page grid is BadAlignment for a lend and BadAddress for a
 * move (as xous-rs reports them). A move must also own its whole ArrayBuffer, and that buffer must be transferable:
 * ownership of part of an allocation, or of shared memory, cannot pass.
 */
export function checkMemory(kind: MessageKind, buf: PageBuffer | undefined): IpcError | undefined {
  const bytes = buf?.bytes;
  if (!(bytes instanceof Uint8Array)) return new IpcError(XousError.BadAddress, 'no memory in a memory message');
  if (bytes.buffer.byteLength === 0 || bytes.byteLength === 0) {
    return new IpcError(XousError.BadAddress, 'zero-length memory (or a moved-away buffer)');
  }
  const aligned = bytes.byteLength % PAGE_SIZE === 0 && bytes.byteOffset % PAGE_SIZE === 0;
  if (kind === MessageKind.Move) {
    if (!aligned) return new IpcError(XousError.BadAddress, `move of ${bytes.byteLength} bytes is not whole pages`);
    if (bytes.byteOffset !== 0 || bytes.byteLength !== bytes.buffer.byteLength) {
      return new IpcError(XousError.BadAddress, 'a move must own its whole ArrayBuffer');
    }
    if (!(bytes.buffer instanceof ArrayBuffer))
      return new IpcError(XousError.BadAddress, 'shared memory cannot be moved');
  } else if (!aligned) {
    return new IpcError(
      XousError.BadAlignment,
      `lend of ${bytes.byteLength} bytes at ${bytes.byteOffset} is not page-aligned`,
    );
  }
  const { offset, valid } = buf!;
  if (!isCount(offset) || !isCount(valid) || offset > bytes.byteLength || valid > bytes.byteLength) {
    return new IpcError(XousError.BadAddress, 'offset/valid outside the buffer');
  }
  return undefined;
}

function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0;
}

/** Clamp a server-set offset/valid to the lent length; garbage becomes 0 ("none"). */
export function clampAdvisory(n: unknown, length: number): number {
  return isCount(n) && n <= length ? n : 0;
}
