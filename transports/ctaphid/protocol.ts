// CTAPHID's vocabulary (CTAP 2.1 section 11.2): report size, commands, error codes, keepalive states, and the
// limits that follow from the framing. Shared by the device side (channels.ts) and the host side (host-client.ts).

/** One HID report: an init or a continuation packet. */
export const REPORT_SIZE = 64;
export const INIT_DATA = REPORT_SIZE - 7;
export const CONT_DATA = REPORT_SIZE - 5;
/** 57 bytes in the init packet, then sequence numbers 0..127 of 59 bytes each. */
export const MAX_MESSAGE = INIT_DATA + 128 * CONT_DATA;
export const BROADCAST_CID = 0xffffffff;

export enum HidCommand {
  Ping = 0x01,
  Msg = 0x03,
  Lock = 0x04,
  Init = 0x06,
  Wink = 0x08,
  Cbor = 0x10,
  Cancel = 0x11,
  Keepalive = 0x3b,
  Error = 0x3f,
}

export enum HidError {
  InvalidCmd = 0x01,
  InvalidPar = 0x02,
  InvalidLen = 0x03,
  InvalidSeq = 0x04,
  MsgTimeout = 0x05,
  ChannelBusy = 0x06,
  LockRequired = 0x0a,
  InvalidChannel = 0x0b,
  Other = 0x7f,
}

export enum KeepaliveStatus {
  Processing = 1,
  UpNeeded = 2,
}

/** INIT response capability bits. */
export const CAPABILITY_WINK = 0x01;
export const CAPABILITY_CBOR = 0x04;
/** "No MSG": set when U2F is absent; we answer MSG, so it stays clear. */
export const CAPABILITY_NMSG = 0x08;

export const PROTOCOL_VERSION = 2;
/** LOCK takes 0..10 seconds. */
export const MAX_LOCK_S = 10;

/** A CTAPHID ERROR answered by the device, as the host side raises it. */
export class CtaphidError extends Error {
  override name = 'CtaphidError';
  constructor(
    readonly code: HidError | number,
    message = `CTAPHID error ${HidError[code] ?? '0x' + code.toString(16)}`,
  ) {
    super(message);
  }
}
