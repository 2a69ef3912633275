// The PDDB server's IPC contract: its name, opcodes (the original's numbers where one exists, ours from 0x1000)
// and message layouts. Clients import this and nothing else of the server.
//
// Traces show only what is marked public: opcodes, result codes, sizes and flags. Basis, dict and key names are
// NOT public: a trace file that named a secret basis would give away that it exists.
import { codec, MessageKind, t, type OpcodeSpec } from '../transports/ipc/index.ts';
import { BASIS_NAME_MAX, DICT_NAME_MAX, KEY_NAME_MAX, PASSWORD_MAX } from './format/constants.ts';

export const PDDB_SERVER_NAME = '_Plausibly Deniable Database_';

export enum PddbOp {
  IsMounted = 0,
  TryMount = 1,
  ListBasis = 2,
  LatestBasis = 3,
  CreateBasis = 4,
  OpenBasis = 5,
  CloseBasis = 6,
  DeleteBasis = 7,
  DeleteKey = 8,
  DeleteDict = 9,
  KeyAttributes = 10,
  KeyRequest = 15,
  ReadKey = 16,
  WriteKey = 17,
  WriteKeyFlush = 18,
  KeyDrop = 20,
  ListDict = 28,
  ListKey = 29,
  DictBulkRead = 52,
  BasisMonitor = 54,
  // Ours: the original has no opcode for these (sync is implicit in every write; format runs inside the server).
  Sync = 0x1000,
  FormatBegin = 0x1001,
  FormatStep = 0x1002,
  TruncateKey = 0x1003,
  Suspend = 0x1004,
  RebuildSpace = 0x1005,
  ExportKeys = 0x1006,
  Status = 0x1007,
  Churn = 0x1008,
}

/** Bytes of key data per ReadKey/WriteKey message (the original moves 4072 per message; bigger is fewer calls). */
export const KEY_CHUNK = 60 * 1024;
export const LIST_PAGE = 256;
export const BULK_PAGE = 32;
/** Values up to this size travel in a bulk read; longer ones come back flagged, to be read through a handle. */
export const BULK_VALUE_MAX = 4064;

const code = t.u16({ public: true });
const message = t.string(256);
const basisName = t.string(BASIS_NAME_MAX);
const dictName = t.string(DICT_NAME_MAX);
const keyName = t.string(KEY_NAME_MAX);

/**
 * Every response starts with a PDDB result: 0 = ok, else a PDDB_CODE_NUMBER; `message` explains it. The rest is
 * optional so a failure can be answered with the result alone.
 */
export const Result = codec(t.record({ code, message }));

export const MountRequest = codec(t.record({ pin: t.string(PASSWORD_MAX) }));
export const FormatRequest = codec(t.record({ pin: t.string(PASSWORD_MAX), size: t.u64({ public: true }) }));

export const BasisRequest = codec(
  t.record({
    name: basisName,
    password: t.optional(t.string(PASSWORD_MAX)),
    /** 0 Persist, 1 ClearAfterSleeps(sleeps): BasisRetentionPolicy. */
    policy: t.u8({ public: true }),
    sleeps: t.u32({ public: true }),
  }),
);

export const NameList = codec(
  t.record({ code, message, names: t.optional(t.list(t.string(DICT_NAME_MAX), LIST_PAGE)), more: t.optional(t.bool({ public: true })) }),
);

export const ListRequest = codec(
  t.record({ dict: t.optional(dictName), basis: t.optional(basisName), after: t.optional(t.string(DICT_NAME_MAX)) }),
);

export const KeyRequest = codec(
  t.record({
    dict: dictName,
    key: keyName,
    basis: t.optional(basisName),
    createDict: t.bool({ public: true }),
    createKey: t.bool({ public: true }),
    allocHint: t.optional(t.u64({ public: true })),
  }),
);
export const KeyGrant = codec(t.record({ code, message, token: t.optional(t.u32({ public: true })), basis: t.optional(basisName) }));

export const KeyIo = codec(
  t.record({ token: t.u32({ public: true }), position: t.u64({ public: true }), len: t.u32({ public: true }), data: t.bytes(KEY_CHUNK) }),
);
export const KeyData = codec(t.record({ code, message, data: t.optional(t.bytes(KEY_CHUNK)) }));

export const TokenRequest = codec(t.record({ token: t.u32({ public: true }) }));
export const Attributes = codec(
  t.record({
    code,
    message,
    attributes: t.optional(
      t.record({
        len: t.u64({ public: true }),
        reserved: t.u64({ public: true }),
        age: t.u32({ public: true }),
        flags: t.u32({ public: true }),
        index: t.u32({ public: true }),
        dict: dictName,
        basis: basisName,
      }),
    ),
  }),
);

export const DeleteRequest = codec(t.record({ dict: dictName, key: t.optional(keyName), basis: t.optional(basisName) }));

export const BulkEntries = codec(
  t.record({
    code,
    message,
    entries: t.optional(
      t.list(t.record({ key: keyName, basis: basisName, len: t.u64({ public: true }), value: t.optional(t.bytes(BULK_VALUE_MAX)) }), BULK_PAGE),
    ),
    more: t.optional(t.bool({ public: true })),
  }),
);

export const HostedKeys = codec(
  t.record({ code, message, bases: t.optional(t.list(t.record({ name: basisName, data: t.bytes(32), pt: t.bytes(32) }), 64)) }),
);

export const StatusReport = codec(
  t.record({
    code,
    message,
    status: t.optional(
      t.record({
        mounted: t.bool({ public: true }),
        size: t.u64({ public: true }),
        dataPages: t.u32({ public: true }),
        freeSpace: t.u32({ public: true }),
        erases: t.u64({ public: true }),
        programs: t.u64({ public: true }),
      }),
    ),
  }),
);

const mb = [MessageKind.MutableBorrow];
const bs = [MessageKind.BlockingScalar];

export const pddbOps = {
  [PddbOp.IsMounted]: { name: 'IsMounted', kinds: bs, publicArgs: true },
  [PddbOp.TryMount]: { name: 'TryMount', kinds: mb, request: MountRequest, response: Result },
  [PddbOp.ListBasis]: { name: 'ListBasis', kinds: mb, request: ListRequest, response: NameList },
  [PddbOp.LatestBasis]: { name: 'LatestBasis', kinds: mb, request: ListRequest, response: NameList },
  [PddbOp.CreateBasis]: { name: 'CreateBasis', kinds: mb, request: BasisRequest, response: Result },
  [PddbOp.OpenBasis]: { name: 'OpenBasis', kinds: mb, request: BasisRequest, response: Result },
  [PddbOp.CloseBasis]: { name: 'CloseBasis', kinds: mb, request: BasisRequest, response: Result },
  [PddbOp.DeleteBasis]: { name: 'DeleteBasis', kinds: mb, request: BasisRequest, response: Result },
  [PddbOp.DeleteKey]: { name: 'DeleteKey', kinds: mb, request: DeleteRequest, response: Result },
  [PddbOp.DeleteDict]: { name: 'DeleteDict', kinds: mb, request: DeleteRequest, response: Result },
  [PddbOp.KeyAttributes]: { name: 'KeyAttributes', kinds: mb, request: TokenRequest, response: Attributes },
  [PddbOp.KeyRequest]: { name: 'KeyRequest', kinds: mb, request: KeyRequest, response: KeyGrant },
  [PddbOp.ReadKey]: { name: 'ReadKey', kinds: mb, request: KeyIo, response: KeyData },
  [PddbOp.WriteKey]: { name: 'WriteKey', kinds: mb, request: KeyIo, response: Result },
  [PddbOp.WriteKeyFlush]: { name: 'WriteKeyFlush', kinds: mb, request: TokenRequest, response: Result },
  [PddbOp.KeyDrop]: { name: 'KeyDrop', kinds: [MessageKind.Scalar, MessageKind.BlockingScalar], publicArgs: true },
  [PddbOp.ListDict]: { name: 'ListDict', kinds: mb, request: ListRequest, response: NameList },
  [PddbOp.ListKey]: { name: 'ListKey', kinds: mb, request: ListRequest, response: NameList },
  [PddbOp.DictBulkRead]: { name: 'DictBulkRead', kinds: mb, request: ListRequest, response: BulkEntries },
  [PddbOp.BasisMonitor]: { name: 'BasisMonitor', kinds: bs, publicArgs: true },
  [PddbOp.Sync]: { name: 'Sync', kinds: mb, request: ListRequest, response: Result },
  [PddbOp.FormatBegin]: { name: 'FormatBegin', kinds: mb, request: FormatRequest, response: Result },
  [PddbOp.FormatStep]: { name: 'FormatStep', kinds: bs, publicArgs: true },
  [PddbOp.TruncateKey]: { name: 'TruncateKey', kinds: mb, request: KeyIo, response: Result },
  [PddbOp.Suspend]: { name: 'Suspend', kinds: mb, request: ListRequest, response: NameList },
  [PddbOp.RebuildSpace]: { name: 'RebuildSpace', kinds: mb, request: ListRequest, response: StatusReport },
  [PddbOp.ExportKeys]: { name: 'ExportKeys', kinds: mb, request: ListRequest, response: HostedKeys },
  [PddbOp.Status]: { name: 'Status', kinds: mb, request: ListRequest, response: StatusReport },
  [PddbOp.Churn]: { name: 'Churn', kinds: mb, request: ListRequest, response: Result },
} satisfies Record<number, OpcodeSpec>;

export type PddbOps = typeof pddbOps;
