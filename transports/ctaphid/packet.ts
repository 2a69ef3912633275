// Framing: a message as one init packet and up to 128 continuation packets, and one report read back as either.
import { BROADCAST_CID, CONT_DATA, INIT_DATA, MAX_MESSAGE, REPORT_SIZE } from './protocol.ts';

export type Packet =
  | { kind: 'init'; cid: number; cmd: number; bcnt: number; data: Uint8Array }
  | { kind: 'cont'; cid: number; seq: number; data: Uint8Array };

/** Read one 64-byte report (a shorter one is zero-padded, as a HID stack would deliver it). */
export function parsePacket(report: Uint8Array): Packet {
  const r = report.length >= REPORT_SIZE ? report.subarray(0, REPORT_SIZE) : padded(report);
  const dv = new DataView(r.buffer, r.byteOffset, REPORT_SIZE);
  const cid = dv.getUint32(0);
  const b4 = r[4];
  if (b4 & 0x80) return { kind: 'init', cid, cmd: b4 & 0x7f, bcnt: dv.getUint16(5), data: r.subarray(7) };
  return { kind: 'cont', cid, seq: b4, data: r.subarray(5) };
}

/** Split a message into reports; `cmd` without its top bit. */
export function framePackets(cid: number, cmd: number, payload: Uint8Array): Uint8Array[] {
  if (payload.length > MAX_MESSAGE) throw new RangeError(`a CTAPHID message is at most ${MAX_MESSAGE} bytes`);
  const out: Uint8Array[] = [];
  const first = new Uint8Array(REPORT_SIZE);
  const dv = new DataView(first.buffer);
  dv.setUint32(0, cid >>> 0);
  first[4] = 0x80 | cmd;
  dv.setUint16(5, payload.length);
  first.set(payload.subarray(0, INIT_DATA), 7);
  out.push(first);
  for (let off = INIT_DATA, seq = 0; off < payload.length; off += CONT_DATA, seq++) {
    const p = new Uint8Array(REPORT_SIZE);
    new DataView(p.buffer).setUint32(0, cid >>> 0);
    p[4] = seq;
    p.set(payload.subarray(off, off + CONT_DATA), 5);
    out.push(p);
  }
  return out;
}

export function isBroadcast(cid: number): boolean {
  return cid === BROADCAST_CID;
}

function padded(report: Uint8Array): Uint8Array {
  const r = new Uint8Array(REPORT_SIZE);
  r.set(report);
  return r;
}
