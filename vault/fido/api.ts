// The FIDO server's IPC contract: CTAP2 messages (command byte | CBOR) and U2F APDUs travel as bytes and come back
// as bytes (status | CBOR, or data | SW1 SW2). A transport (CTAPHID) frames them; this server never sees a channel.
// Payloads are not public: they carry PIN material, credential IDs, user names.
import {
  codec,
  MessageKind,
  t,
  type ClientProcess,
  type Connection,
  type OpcodeSpec,
} from '../../transports/ipc/index.ts';

export const FIDO_SERVER_NAME = '_FIDO authenticator_';

export enum FidoOp {
  /** CTAPHID_CBOR: command byte | CBOR parameters -> status byte | CBOR response. */
  Cbor = 1,
  /** CTAPHID_MSG: a U2F (CTAP1) APDU -> response data | SW1 SW2. */
  Msg = 2,
}

/** CTAPHID's largest message (57 + 128 * 59 bytes); an APDU response is smaller still. */
export const MAX_MESSAGE = 7609;

export const Message = codec(t.record({ data: t.bytes(MAX_MESSAGE) }));

const mb = [MessageKind.MutableBorrow];
export const fidoOps = {
  [FidoOp.Cbor]: { name: 'Cbor', kinds: mb, request: Message, response: Message },
  [FidoOp.Msg]: { name: 'Msg', kinds: mb, request: Message, response: Message },
} satisfies Record<number, OpcodeSpec>;

export type FidoOps = typeof fidoOps;

/** Typed client: what a CTAPHID transport or a test holds. */
export class FidoClient {
  private constructor(private readonly conn: Connection<FidoOps>) {}

  static async connect(proc: ClientProcess, timeoutMs?: number): Promise<FidoClient> {
    return new FidoClient(await proc.connect(FIDO_SERVER_NAME, { api: fidoOps, timeoutMs }));
  }

  async cbor(message: Uint8Array): Promise<Uint8Array> {
    return (await this.conn.request(FidoOp.Cbor, { data: message })).data;
  }

  async msg(apdu: Uint8Array): Promise<Uint8Array> {
    return (await this.conn.request(FidoOp.Msg, { data: apdu })).data;
  }
}
