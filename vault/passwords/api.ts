// The vault.passwords server's IPC contract. Listings carry no password; Get does (autotype, export, --reveal).
import { codec, MessageKind, t, type Infer, type OpcodeSpec } from '../../transports/ipc/index.ts';
import { BASIS_NAME_MAX } from '../../pddb/format/constants.ts';
import { faultFields } from '../records/wire.ts';
import { PASSWORD_LIMITS, type PasswordRecord } from './record.ts';

export const PASSWORDS_SERVER_NAME = 'vault.passwords';

export enum PasswordOp {
  List = 1,
  Get = 2,
  Add = 3,
  Edit = 4,
  Delete = 5,
  /** Record a use (autotype): atime = now, count + 1, synced. */
  Touch = 6,
  Import = 7,
}

export const LIST_PAGE = 128;
export const IMPORT_MAX = 50_000;

const pub = { public: true };
const basis = t.string(BASIS_NAME_MAX);
const description = t.string(PASSWORD_LIMITS.description);
const username = t.string(PASSWORD_LIMITS.username);

const stats = { ctime: t.u64(pub), atime: t.u64(pub), count: t.u64(pub) };
export const Summary = t.record({
  key: t.string(64),
  basis,
  description,
  username,
  notes: t.string(PASSWORD_LIMITS.notes),
  ...stats,
});
export const FullRecord = t.record({
  version: t.u32(pub),
  description,
  username,
  password: t.string(PASSWORD_LIMITS.password),
  notes: t.string(PASSWORD_LIMITS.notes),
  ...stats,
  extra: t.list(t.record({ tag: t.string(64), value: t.string(1024) }), 16),
});

/** Which entry: by description, and username when several entries share the description. */
const Which = { description, username: t.optional(username), basis: t.optional(basis) };

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
export const WhichRequest = codec(t.record(Which));
export const Entry = codec(
  t.record({ ...faultFields, entry: t.optional(t.record({ key: t.string(64), basis, record: FullRecord })) }),
);
export const AddRequest = codec(t.record({ record: FullRecord, basis: t.optional(basis) }));
export const EditRequest = codec(t.record({ ...Which, record: FullRecord }));
export const ImportRequest = codec(t.record({ records: t.list(FullRecord, IMPORT_MAX), basis: t.optional(basis) }));
export const ImportReply = codec(
  t.record({ ...faultFields, added: t.u32(pub), duplicates: t.list(t.u32(pub), IMPORT_MAX), basis: t.optional(basis) }),
);

const mb = [MessageKind.MutableBorrow];

export const passwordOps = {
  [PasswordOp.List]: { name: 'List', kinds: mb, request: ListRequest, response: ListPage },
  [PasswordOp.Get]: { name: 'Get', kinds: mb, request: WhichRequest, response: Entry },
  [PasswordOp.Add]: { name: 'Add', kinds: mb, request: AddRequest, response: Entry },
  [PasswordOp.Edit]: { name: 'Edit', kinds: mb, request: EditRequest, response: Entry },
  [PasswordOp.Delete]: { name: 'Delete', kinds: mb, request: WhichRequest, response: Result },
  [PasswordOp.Touch]: { name: 'Touch', kinds: mb, request: WhichRequest, response: Entry },
  [PasswordOp.Import]: { name: 'Import', kinds: mb, request: ImportRequest, response: ImportReply },
} satisfies Record<number, OpcodeSpec>;

export type PasswordOps = typeof passwordOps;
export type WireRecord = Infer<typeof FullRecord>;

export function recordToWire(r: PasswordRecord): WireRecord {
  return {
    ...r,
    ctime: BigInt(r.ctime),
    atime: BigInt(r.atime),
    count: BigInt(r.count),
    extra: r.extra.map(([tag, value]) => ({ tag, value })),
  };
}

export function recordFromWire(w: WireRecord): PasswordRecord {
  return {
    ...w,
    ctime: Number(w.ctime),
    atime: Number(w.atime),
    count: Number(w.count),
    extra: w.extra.map((x) => [x.tag, x.value] as const),
  };
}
