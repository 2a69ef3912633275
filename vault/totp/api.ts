// The vault.totp server's IPC contract: name, opcodes, message layouts. Clients import this and client.ts only.
// Secrets travel only in Get (export, autotype) and Add/Import; listings carry no secret. Traces show only the
// fields marked public (error codes, counts, flags): entry names can be as telling as basis names.
import { codec, MessageKind, t, type OpcodeSpec } from '../../transports/ipc/index.ts';
import { faultFields } from '../records/wire.ts';
import { TOTP_LIMITS, type TotpAlgorithm, type TotpRecord } from './record.ts';
import type { Infer } from '../../transports/ipc/index.ts';
import { SECRET_MAX_BYTES } from './secret.ts';
import { BASIS_NAME_MAX } from '../../pddb/format/constants.ts';

export const TOTP_SERVER_NAME = 'vault.totp';

export enum TotpOp {
  List = 1,
  Get = 2,
  Add = 3,
  Edit = 4,
  Delete = 5,
  /** A code now (or at a given instant); HOTP: the counter is bumped and synced first. */
  Code = 6,
  /** Add many atomically (an import file). */
  Import = 7,
}

export const LIST_PAGE = 128;
/** Entries per Import message: a file of more fails whole. */
export const IMPORT_MAX = 50_000;

const pub = { public: true };
const basis = t.string(BASIS_NAME_MAX);
const name = t.string(TOTP_LIMITS.name);

const fields = {
  name,
  issuer: t.string(TOTP_LIMITS.issuer),
  algorithm: t.string(8, pub),
  digits: t.u8(pub),
  /** TOTP period, or HOTP next counter. */
  timestep: t.u64(pub),
  hotp: t.bool(pub),
  notes: t.string(TOTP_LIMITS.notes),
  ctime: t.u64(pub),
};

export const Summary = t.record({ key: t.string(64), basis, ...fields });
export const FullRecord = t.record({
  version: t.u32(pub),
  secret: t.string(Math.ceil((SECRET_MAX_BYTES * 8) / 5)),
  ...fields,
  extra: t.list(t.record({ tag: t.string(64), value: t.string(1024) }), 16),
});

export const Result = codec(t.record(faultFields));
export const ListRequest = codec(t.record({ filter: t.optional(t.string(256)), start: t.u32(pub) }));
export const ListPage = codec(
  t.record({
    ...faultFields,
    entries: t.optional(t.list(Summary, LIST_PAGE)),
    total: t.u32(pub),
    unreadable: t.u32(pub),
  }),
);
export const NameRequest = codec(t.record({ name, basis: t.optional(basis) }));
export const Entry = codec(
  t.record({ ...faultFields, entry: t.optional(t.record({ key: t.string(64), basis, record: FullRecord })) }),
);
export const AddRequest = codec(t.record({ record: FullRecord, basis: t.optional(basis), overwrite: t.bool(pub) }));
export const EditRequest = codec(t.record({ name, basis: t.optional(basis), record: FullRecord }));
export const CodeRequest = codec(t.record({ name, basis: t.optional(basis), at: t.optional(t.u64(pub)) }));
export const CodeReply = codec(
  t.record({
    ...faultFields,
    code: t.string(10),
    remaining: t.u32(pub),
    period: t.u64(pub),
    /** HOTP: the counter the code is for. */
    counter: t.optional(t.u64(pub)),
    basis: t.optional(basis),
  }),
);
export const ImportRequest = codec(t.record({ records: t.list(FullRecord, IMPORT_MAX), basis: t.optional(basis) }));
export const ImportReply = codec(
  t.record({ ...faultFields, added: t.u32(pub), duplicates: t.list(t.u32(pub), IMPORT_MAX), basis: t.optional(basis) }),
);

const mb = [MessageKind.MutableBorrow];

export const totpOps = {
  [TotpOp.List]: { name: 'List', kinds: mb, request: ListRequest, response: ListPage },
  [TotpOp.Get]: { name: 'Get', kinds: mb, request: NameRequest, response: Entry },
  [TotpOp.Add]: { name: 'Add', kinds: mb, request: AddRequest, response: Entry },
  [TotpOp.Edit]: { name: 'Edit', kinds: mb, request: EditRequest, response: Entry },
  [TotpOp.Delete]: { name: 'Delete', kinds: mb, request: NameRequest, response: Result },
  [TotpOp.Code]: { name: 'Code', kinds: mb, request: CodeRequest, response: CodeReply },
  [TotpOp.Import]: { name: 'Import', kinds: mb, request: ImportRequest, response: ImportReply },
} satisfies Record<number, OpcodeSpec>;

export type TotpOps = typeof totpOps;

export type WireRecord = Infer<typeof FullRecord>;

export function recordToWire(r: TotpRecord): WireRecord {
  return {
    ...r,
    timestep: BigInt(r.timestep),
    ctime: BigInt(r.ctime),
    extra: r.extra.map(([tag, value]) => ({ tag, value })),
  };
}

export function recordFromWire(w: WireRecord): TotpRecord {
  return {
    ...w,
    algorithm: w.algorithm as TotpAlgorithm,
    timestep: Number(w.timestep),
    ctime: Number(w.ctime),
    extra: w.extra.map((x) => [x.tag, x.value] as const),
  };
}
