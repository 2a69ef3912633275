// struct uhid_event byte layout, against the offsets of <linux/uhid.h> (computed with offsetof on x86-64 Linux and
// written here): these run everywhere, /dev/uhid or not.
import { describe, expect, it } from 'vitest';
import {
  decodeEvent,
  encodeCreate2,
  encodeDestroy,
  encodeGetReportReply,
  encodeInput2,
  encodeSetReportReply,
  UHID_EVENT_SIZE,
  UhidEventError,
  UhidEventType,
} from '../../../transports/uhid/uhid-event.ts';
import { FIDO_REPORT_DESCRIPTOR } from '../../../transports/uhid/fido-descriptor.ts';

const U = 4; // the union follows the u32 type
const le32 = (b: Buffer, at: number) => b.readUInt32LE(at);
const le16 = (b: Buffer, at: number) => b.readUInt16LE(at);

describe('uhid_event codec', () => {
  it('CREATE2 puts every field where the kernel reads it', () => {
    const b = encodeCreate2({
      name: 'Precursor',
      phys: 'pvault',
      uniq: 'u-1',
      vendor: 0x1209,
      product: 0x3613,
      version: 0x0100,
      country: 0,
      descriptor: FIDO_REPORT_DESCRIPTOR,
    });
    expect(b.length).toBe(UHID_EVENT_SIZE);
    expect(UHID_EVENT_SIZE).toBe(4380); // sizeof(struct uhid_event)
    expect(le32(b, 0)).toBe(11); // UHID_CREATE2
    expect(b.subarray(U, U + 10).toString('latin1')).toBe('Precursor\0');
    expect(b.subarray(U + 128, U + 135).toString('latin1')).toBe('pvault\0');
    expect(b.subarray(U + 192, U + 196).toString('latin1')).toBe('u-1\0');
    expect(le16(b, U + 256)).toBe(FIDO_REPORT_DESCRIPTOR.length);
    expect(le16(b, U + 258)).toBe(0x03); // BUS_USB
    expect(le32(b, U + 260)).toBe(0x1209);
    expect(le32(b, U + 264)).toBe(0x3613);
    expect(le32(b, U + 268)).toBe(0x0100);
    expect(le32(b, U + 272)).toBe(0);
    expect(
      b.subarray(U + 276, U + 276 + FIDO_REPORT_DESCRIPTOR.length).equals(Buffer.from(FIDO_REPORT_DESCRIPTOR)),
    ).toBe(true);
    expect(b.subarray(U + 276 + FIDO_REPORT_DESCRIPTOR.length).every((x) => x === 0)).toBe(true);
  });

  it('the FIDO descriptor declares usage page 0xF1D0 and 64-byte input and output reports', () => {
    const d = Buffer.from(FIDO_REPORT_DESCRIPTOR);
    expect(d.subarray(0, 3).toString('hex')).toBe('06d0f1');
    expect(d.toString('hex')).toContain('750895408102'); // 8 bits x 64, Input
    expect(d.toString('hex')).toContain('750895409102'); // 8 bits x 64, Output
    expect(d[d.length - 1]).toBe(0xc0);
  });

  it('refuses what the struct cannot hold', () => {
    const base = { name: 'x', vendor: 1, product: 2, descriptor: FIDO_REPORT_DESCRIPTOR };
    expect(() => encodeCreate2({ ...base, name: 'n'.repeat(128) })).toThrow(UhidEventError);
    expect(() => encodeCreate2({ ...base, uniq: 'u'.repeat(64) })).toThrow(UhidEventError);
    expect(() => encodeCreate2({ ...base, descriptor: new Uint8Array(0) })).toThrow(UhidEventError);
    expect(() => encodeCreate2({ ...base, descriptor: new Uint8Array(4097) })).toThrow(UhidEventError);
    expect(() => encodeInput2(new Uint8Array(4097))).toThrow(UhidEventError);
  });

  it('INPUT2, DESTROY and the report replies', () => {
    const report = Uint8Array.from({ length: 64 }, (_, i) => i + 1);
    const i2 = encodeInput2(report);
    expect([le32(i2, 0), le16(i2, U)]).toEqual([12, 64]);
    expect(i2.subarray(U + 2, U + 66).equals(Buffer.from(report))).toBe(true);
    expect(le32(encodeDestroy(), 0)).toBe(1);
    const g = encodeGetReportReply(0xdeadbeef, 5);
    expect([le32(g, 0), le32(g, U), le16(g, U + 4)]).toEqual([10, 0xdeadbeef, 5]);
    const s = encodeSetReportReply(7, 5);
    expect([le32(s, 0), le32(s, U), le16(s, U + 4)]).toEqual([14, 7, 5]);
  });

  it('decodes OUTPUT (data, size at 4096, rtype at 4098), the report requests and the lifecycle events', () => {
    const b = Buffer.alloc(UHID_EVENT_SIZE);
    b.writeUInt32LE(6, 0);
    b.fill(0xab, U + 1, U + 65);
    b.writeUInt16LE(65, U + 4096);
    b[U + 4098] = 1; // UHID_OUTPUT_REPORT
    const ev = decodeEvent(b);
    expect(ev.type).toBe(UhidEventType.Output);
    if (ev.type !== UhidEventType.Output) return;
    expect(ev.data.length).toBe(65);
    expect(ev.data[0]).toBe(0);
    expect(ev.data.subarray(1).every((x) => x === 0xab)).toBe(true);
    expect(ev.rtype).toBe(1);

    const g = Buffer.alloc(12);
    g.writeUInt32LE(9, 0);
    g.writeUInt32LE(42, U);
    expect(decodeEvent(g)).toEqual({ type: UhidEventType.GetReport, id: 42 });
    for (const t of [2, 3, 4, 5]) expect(decodeEvent(new Uint8Array(Uint32Array.of(t).buffer)).type).toBe(t);
    expect(decodeEvent(Buffer.from([99, 0, 0, 0]))).toEqual({ type: 'other', code: 99 });
  });

  it('rejects truncated or oversized events with a typed error', () => {
    expect(() => decodeEvent(new Uint8Array(3))).toThrow(UhidEventError);
    const out = Buffer.alloc(100);
    out.writeUInt32LE(6, 0);
    expect(() => decodeEvent(out)).toThrow(UhidEventError);
    const big = Buffer.alloc(UHID_EVENT_SIZE);
    big.writeUInt32LE(6, 0);
    big.writeUInt16LE(5000, U + 4096);
    expect(() => decodeEvent(big)).toThrow(UhidEventError);
    const req = Buffer.alloc(6);
    req.writeUInt32LE(13, 0);
    expect(() => decodeEvent(req)).toThrow(UhidEventError);
  });
});
