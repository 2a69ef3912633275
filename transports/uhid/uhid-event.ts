// struct uhid_event of <linux/uhid.h>, byte for byte (packed, host byte order: little-endian on every Linux
// machine Node runs on): a u32 type, then the union, 4380 bytes in all. We write CREATE2, INPUT2, DESTROY and the
// replies to GET_REPORT / SET_REPORT; we read whatever the kernel sends and keep what a FIDO key needs.

export const UHID_EVENT_SIZE = 4380;
export const UHID_DATA_MAX = 4096;
export const HID_MAX_DESCRIPTOR_SIZE = 4096;
export const BUS_USB = 0x03;

export enum UhidEventType {
  Destroy = 1,
  Start = 2,
  Stop = 3,
  Open = 4,
  Close = 5,
  Output = 6,
  GetReport = 9,
  GetReportReply = 10,
  Create2 = 11,
  Input2 = 12,
  SetReport = 13,
  SetReportReply = 14,
}

/** Offsets inside the union (after the 4-byte type). */
const U = 4;
const CREATE2 = {
  name: 0,
  phys: 128,
  uniq: 192,
  rdSize: 256,
  bus: 258,
  vendor: 260,
  product: 264,
  version: 268,
  country: 272,
  rdData: 276,
} as const;
const OUTPUT = { data: 0, size: 4096, rtype: 4098 } as const;

export interface Create2 {
  name: string;
  phys?: string;
  uniq?: string;
  bus?: number;
  vendor: number;
  product: number;
  version?: number;
  country?: number;
  descriptor: Uint8Array;
}

export type UhidEvent =
  | { type: UhidEventType.Start | UhidEventType.Stop | UhidEventType.Open | UhidEventType.Close }
  | { type: UhidEventType.Output; data: Uint8Array; rtype: number }
  | { type: UhidEventType.GetReport | UhidEventType.SetReport; id: number }
  | { type: 'other'; code: number };

export class UhidEventError extends Error {
  override name = 'UhidEventError';
}

function event(type: UhidEventType): { buf: Buffer; dv: DataView } {
  const buf = Buffer.alloc(UHID_EVENT_SIZE);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.length);
  dv.setUint32(0, type, true);
  return { buf, dv };
}

function putString(buf: Buffer, at: number, max: number, s: string | undefined, what: string): void {
  const bytes = Buffer.from(s ?? '', 'utf8');
  // NUL-terminated inside its field.
  if (bytes.length >= max) throw new UhidEventError(`${what} is at most ${max - 1} bytes`);
  bytes.copy(buf, U + at);
}

export function encodeCreate2(c: Create2): Buffer {
  if (c.descriptor.length === 0 || c.descriptor.length > HID_MAX_DESCRIPTOR_SIZE)
    throw new UhidEventError(`a report descriptor is 1..${HID_MAX_DESCRIPTOR_SIZE} bytes`);
  const { buf, dv } = event(UhidEventType.Create2);
  putString(buf, CREATE2.name, 128, c.name, 'name');
  putString(buf, CREATE2.phys, 64, c.phys, 'phys');
  putString(buf, CREATE2.uniq, 64, c.uniq, 'uniq');
  dv.setUint16(U + CREATE2.rdSize, c.descriptor.length, true);
  dv.setUint16(U + CREATE2.bus, c.bus ?? BUS_USB, true);
  dv.setUint32(U + CREATE2.vendor, c.vendor, true);
  dv.setUint32(U + CREATE2.product, c.product, true);
  dv.setUint32(U + CREATE2.version, c.version ?? 0, true);
  dv.setUint32(U + CREATE2.country, c.country ?? 0, true);
  buf.set(c.descriptor, U + CREATE2.rdData);
  return buf;
}

/** One input report to the host (no report-ID byte: the FIDO descriptor has no numbered reports). */
export function encodeInput2(report: Uint8Array): Buffer {
  if (report.length > UHID_DATA_MAX) throw new UhidEventError(`an input report is at most ${UHID_DATA_MAX} bytes`);
  const { buf, dv } = event(UhidEventType.Input2);
  dv.setUint16(U, report.length, true);
  buf.set(report, U + 2);
  return buf;
}

export function encodeDestroy(): Buffer {
  return event(UhidEventType.Destroy).buf;
}

/** We keep no feature reports: GET_REPORT is answered with an error (EIO), as the kernel documentation allows. */
export function encodeGetReportReply(id: number, err: number): Buffer {
  const { buf, dv } = event(UhidEventType.GetReportReply);
  dv.setUint32(U, id, true);
  dv.setUint16(U + 4, err, true);
  return buf;
}

export function encodeSetReportReply(id: number, err: number): Buffer {
  const { buf, dv } = event(UhidEventType.SetReportReply);
  dv.setUint32(U, id, true);
  dv.setUint16(U + 4, err, true);
  return buf;
}

/** One event read from /dev/uhid (the kernel writes at most UHID_EVENT_SIZE bytes per read). */
export function decodeEvent(bytes: Uint8Array): UhidEvent {
  if (bytes.length < 4) throw new UhidEventError(`a uhid event is at least 4 bytes (got ${bytes.length})`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const type = dv.getUint32(0, true);
  switch (type) {
    case UhidEventType.Start:
    case UhidEventType.Stop:
    case UhidEventType.Open:
    case UhidEventType.Close:
      return { type };
    case UhidEventType.Output: {
      if (bytes.length < U + OUTPUT.rtype + 1) throw new UhidEventError('a truncated UHID_OUTPUT event');
      const size = dv.getUint16(U + OUTPUT.size, true);
      if (size > UHID_DATA_MAX) throw new UhidEventError(`UHID_OUTPUT size ${size} is over ${UHID_DATA_MAX}`);
      return { type, data: bytes.slice(U, U + size), rtype: bytes[U + OUTPUT.rtype] };
    }
    case UhidEventType.GetReport:
    case UhidEventType.SetReport:
      if (bytes.length < U + 4) throw new UhidEventError('a truncated report request');
      return { type, id: dv.getUint32(U, true) };
    default:
      return { type: 'other', code: type };
  }
}
