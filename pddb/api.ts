// The PDDB server's IPC contract: names, opcodes, message layouts and the types its clients use. Clients import this
// (through pddb/index.ts) and nothing of the server or the engine.
//
// Opcode numbers, message kinds and result numbers are the original's (services/pddb/src/api.rs: Opcode,
// PddbRequestCode, PddbRetcode) wherever the original has the operation; ours start at 0x1000. Payload bytes are our
// schema codec, not rkyv: the fields are the original's, the encoding is not.
//
// Traces show only what is marked public: opcodes, result codes, sizes and flags. Names of bases, dicts and keys,
// passwords, PINs, values and their lengths, keys and key tokens are marked secret: a trace shows `<secret>`, not even their size (a
// trace naming a secret basis would give it away). Opcodes whose messages carry any of them are marked `wipe`: the
// kernel zeroes every buffer that carried them once the server is done.
import { codec, MessageKind, t, type OpcodeSpec } from '../transports/ipc/index.ts';
import { BASIS_NAME_MAX, DICT_NAME_MAX, KEY_NAME_MAX } from './format/constants.ts';
import { PddbError } from './errors.ts';

export const PDDB_SERVER_NAME = '_Plausibly Deniable Database_';
/** The original's second server: answers "mounted?" at once, even while the main server is busy. */
export const PDDB_POLLER_NAME = '_PDDB Mount Poller_';

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
  KeyCountInDict = 11,
  DictCountInBasis = 13,
  GetDictNameAtIndex = 14,
  KeyRequest = 15,
  ReadKey = 16,
  WriteKey = 17,
  WriteKeyFlush = 18,
  KeyDrop = 20,
  ListKeyV2 = 45,
  DictBulkRead = 52,
  DictBulkDelete = 55,
  BasisMonitor = 54,
  // Ours: the original has no opcode for these.
  Sync = 0x1000,
  FormatBegin = 0x1001,
  FormatStep = 0x1002,
  TruncateKey = 0x1003,
  Suspend = 0x1004,
  RebuildSpace = 0x1005,
  ExportKeys = 0x1006,
  Status = 0x1007,
  Churn = 0x1008,
  /** The boot PIN, as the original's root-keys server would supply it to TryMount. */
  SetBootPin = 0x1009,
  /** Long poll: answered with the tokens of this process's watched keys that changed. */
  KeyWatch = 0x100a,
  /** The caller is done with the PDDB: every token it holds is freed (sent by Pddb.close()). */
  ReleaseTokens = 0x100b,
  /** `pddb check` / `consistency`: the damaged or missing pages of the open bases, and the keys they touch. */
  Check = 0x100c,
}

export enum PollOp {
  Poll = 0,
}

/** TryMount's first reply word, as the original's: 0 mounted, 1 failed (second word: failed attempts). */
export enum MountResult {
  Mounted = 0,
  Failed = 1,
}

/** FormatStep's third reply word. */
export enum FormatState {
  Running = 0,
  Done = 1,
  Failed = 2,
}

/** Bytes of key data per ReadKey/WriteKey message (the original moves 4072 per message; bigger is fewer calls). */
export const KEY_CHUNK = 60 * 1024;
/** ListKeyV2 packs names as u8 length + bytes into this many bytes (MAX_PDDBKLISTLEN). */
export const KEY_LIST_BYTES = 4064;
/** DictBulkDelete packs names as u8 length + UTF-8 into this many bytes (MAX_PDDB_DELETE_LEN). */
export const DELETE_LIST_BYTES = 3800;
/** read_dict's default and largest size limit (the original's DEFAULT_LIMIT and MAX_BUFLEN). */
export const BULK_LIMIT_DEFAULT = 32 * 1024;
export const BULK_LIMIT_MIN = 4096;
export const BULK_PAGE = 64;
/** ListBasis answers at most this many names, with the true count beside them (PddbBasisList). */
export const BASIS_LIST_MAX = 63;
/** Names and passwords travel as bytes up to this length, so an over-long or non-UTF-8 one reaches the server and is
 * refused there with InvalidName/InvalidArgument rather than as an undecodable message. */
export const NAME_WIRE_MAX = 255;
export const TOKEN_BYTES = 16;
export const CAPABILITY_BYTES = 32;

export type RetentionPolicy = { kind: 'persist' } | { kind: 'clearAfterSleeps'; sleeps: number };

export interface GetOptions {
  basis?: string;
  createDict?: boolean;
  createKey?: boolean;
  allocHint?: number;
  /**
   * Batched writes: a write is in memory until sync(), flush() or a lock (fast bulk work such as imports). Default
   * false: every write and delete is on flash when it returns, as on the original.
   */
  batched?: boolean;
  /** Called when the key changes through another handle, is deleted, or its basis is locked or another unlocked. */
  onChange?: () => void;
}

export interface KeyAttributes {
  len: number;
  reserved: number;
  age: number;
  dict: string;
  basis: string;
  flags: number;
  index: number;
}

export interface KeyRecord {
  key: string;
  basis: string;
  len: number;
  reserved: number;
  age: number;
  index: number;
  /** Absent when the value exceeds the read's size limit: read it through a handle (get). Empty for an empty key. */
  value?: Uint8Array;
}

export interface FormatProgress {
  done: number;
  total: number;
}

/** What Check answers (the engine's check(), lists cut at CHECK_LIST_MAX with the totals kept). */
export interface PddbCheckReport {
  ok: boolean;
  bases: { basis: string; dicts: number; keys: number; pages: number }[];
  pages: { basis: string; vpage: number; state: PageDamageState; holds: string }[];
  keys: { basis: string; dict: string; key: string; len: number; readable: number; badPages: number }[];
  pagesTotal: number;
  keysTotal: number;
}

/** Why a page cannot be read; on the wire, its index in this list. */
export const PAGE_DAMAGE_STATES = ['missing', 'undecryptable', 'past-end'] as const;
export type PageDamageState = (typeof PAGE_DAMAGE_STATES)[number];
export const CHECK_LIST_MAX = 64;

export interface PddbStatus {
  mounted: boolean;
  size: number;
  dataPages: number;
  freeSpace: number;
  erases: number;
  programs: number;
}

const code = t.u16({ public: true });
const pub32 = t.u32({ public: true });
const secret = { secret: true };
const nameBytes = t.bytes(NAME_WIRE_MAX, secret);
const token = t.bytes(TOKEN_BYTES, secret);
const basisName = t.string(BASIS_NAME_MAX, secret);
const dictName = t.string(DICT_NAME_MAX, secret);
const keyName = t.string(KEY_NAME_MAX, secret);

/** Every memory response starts with a result number (PddbRequestCode, or PddbRetcode for key I/O). */
export const Result = codec(t.record({ code }));
export const Empty = codec(t.record({}));

export const PinRequest = codec(t.record({ pin: nameBytes }));
export const FormatRequest = codec(t.record({ pin: nameBytes, size: t.u64({ public: true }) }));

/** PddbBasisRequest: the name, and for Create/Open a password and a retention policy (absent = Persist). */
export const BasisRequest = codec(
  t.record({ name: nameBytes, password: t.optional(nameBytes), clearAfterSleeps: t.optional(pub32) }),
);

/** PddbBasisList: the first 63 names, and how many bases are open. */
export const BasisList = codec(
  t.record({
    code,
    list: t.optional(t.list(basisName, BASIS_LIST_MAX)),
    num: t.optional(pub32),
    seq: t.optional(pub32),
  }),
);
export const MonitorRequest = codec(t.record({ since: t.optional(pub32) }));
export const LatestBasis = codec(t.record({ code, name: t.optional(basisName) }));

/** PddbKeyRequest (cb_sid becomes `watch`: changes come back on the KeyWatch long poll). */
export const KeyRequest = codec(
  t.record({
    dict: nameBytes,
    key: nameBytes,
    basis: t.optional(nameBytes),
    createDict: t.bool({ public: true }),
    createKey: t.bool({ public: true }),
    allocHint: t.optional(t.u64({ public: true })),
    watch: t.bool({ public: true }),
    batched: t.bool({ public: true }),
  }),
);
export const KeyGrant = codec(t.record({ code, token: t.optional(token), basis: t.optional(basisName) }));

/**
 * PddbBuf: token, position, len, data; the answer carries a PddbRetcode. `more` (ours): further chunks of the same
 * write follow, so a durable handle syncs once, after the last chunk: one write() is then one commit, old or new
 * whole after a cut, and a large key is not copied again for every chunk.
 */
export const KeyIo = codec(
  t.record({
    token,
    position: t.u64({ public: true }),
    len: t.u32(secret),
    data: t.bytes(KEY_CHUNK, secret),
    more: t.optional(t.bool({ public: true })),
  }),
);
export const KeyData = codec(t.record({ code, data: t.optional(t.bytes(KEY_CHUNK, secret)) }));

export const TokenRequest = codec(t.record({ token }));
/** PddbKeyAttrIpc. */
export const Attributes = codec(
  t.record({
    code,
    attributes: t.optional(
      t.record({
        len: t.u64(secret),
        reserved: t.u64({ public: true }),
        age: t.u64({ public: true }),
        dict: dictName,
        basis: basisName,
        flags: pub32,
        index: pub32,
      }),
    ),
  }),
);

/** PddbKeyRequest as DeleteKey/DeleteDict read it (key absent for DeleteDict). */
export const DeleteRequest = codec(
  t.record({
    dict: nameBytes,
    key: t.optional(nameBytes),
    basis: t.optional(nameBytes),
    batched: t.bool({ public: true }),
  }),
);

/** PddbDictRequest, as KeyCountInDict and the dict listing use it. */
export const DictRequest = codec(t.record({ dict: t.optional(nameBytes), basis: t.optional(nameBytes), index: pub32 }));
export const DictAnswer = codec(
  t.record({
    code,
    index: t.optional(pub32),
    dict: t.optional(dictName),
    keyCount: t.optional(pub32),
    foundKeyCount: t.optional(pub32),
  }),
);
/** PddbKeyList: names packed as u8 length + UTF-8, `end` on the last page; the answer carries a PddbRetcode. */
export const KeyList = codec(
  t.record({ code, data: t.optional(t.bytes(KEY_LIST_BYTES, secret)), end: t.optional(t.bool({ public: true })) }),
);

export const BulkRequest = codec(
  t.record({ dict: nameBytes, basis: t.optional(nameBytes), limit: t.optional(pub32), after: t.optional(keyName) }),
);
/** PddbKeyRecord per key; values of the page are concatenated in `data` (a record without `hasData` has none). */
export const BulkEntries = codec(
  t.record({
    code,
    entries: t.optional(
      t.list(
        t.record({
          key: keyName,
          basis: basisName,
          len: t.u64(secret),
          reserved: t.u64({ public: true }),
          age: pub32,
          index: pub32,
          hasData: t.bool({ public: true }),
        }),
        BULK_PAGE,
      ),
    ),
    data: t.optional(t.bytes(BULK_LIMIT_DEFAULT, secret)),
    more: t.optional(t.bool({ public: true })),
  }),
);

/** PddbDeleteList: the keys of one dict to delete, packed as KeyList packs them. Absent keys are no error. */
export const DeleteList = codec(
  t.record({
    dict: nameBytes,
    basis: t.optional(nameBytes),
    data: t.bytes(DELETE_LIST_BYTES, secret),
    batched: t.bool({ public: true }),
  }),
);

export const ExportRequest = codec(
  t.record({ capability: t.bytes(CAPABILITY_BYTES, secret), basis: t.optional(nameBytes) }),
);
export const HostedKeys = codec(
  t.record({
    code,
    bases: t.optional(
      t.list(t.record({ name: basisName, data: t.bytes(32, secret), pt: t.bytes(32, secret) }), BASIS_LIST_MAX + 1),
    ),
  }),
);

export const StatusReport = codec(
  t.record({
    code,
    status: t.optional(
      t.record({
        mounted: t.bool({ public: true }),
        size: t.u64({ public: true }),
        dataPages: pub32,
        freeSpace: pub32,
        erases: t.u64({ public: true }),
        programs: t.u64({ public: true }),
      }),
    ),
  }),
);
const pub64 = t.u64({ public: true });
export const CheckAnswer = codec(
  t.record({
    code,
    report: t.optional(
      t.record({
        ok: t.bool({ public: true }),
        bases: t.list(t.record({ basis: basisName, dicts: pub32, keys: pub32, pages: pub32 }), BASIS_LIST_MAX + 1),
        pages: t.list(
          t.record({ basis: basisName, vpage: pub64, state: t.u8({ public: true }), holds: t.string(400, secret) }),
          CHECK_LIST_MAX,
        ),
        keys: t.list(
          t.record({ basis: basisName, dict: dictName, key: keyName, len: pub64, readable: pub64, badPages: pub32 }),
          CHECK_LIST_MAX,
        ),
        pagesTotal: pub32,
        keysTotal: pub32,
      }),
    ),
  }),
);
/** RebuildSpace lists every page no open basis uses: the caller confirms that every basis is open. */
export const RebuildRequest = codec(t.record({ allBasesPresent: t.bool({ public: true }) }));
export const NameList = codec(t.record({ code, names: t.optional(t.list(basisName, BASIS_LIST_MAX + 1)) }));
/** KeyWatch's answer: tokens whose key changed; `gone`: those among them the server freed (deleted key, locked basis). */
export const ChangedTokens = codec(
  t.record({ code, tokens: t.optional(t.list(token, 256)), gone: t.optional(t.list(token, 256)) }),
);

const mb = [MessageKind.MutableBorrow];
const bs = [MessageKind.BlockingScalar];

export const pddbOps = {
  [PddbOp.IsMounted]: { name: 'IsMounted', kinds: bs, publicArgs: true },
  [PddbOp.TryMount]: { name: 'TryMount', kinds: bs, publicArgs: true },
  [PddbOp.ListBasis]: { name: 'ListBasis', kinds: mb, request: Empty, response: BasisList, wipe: true },
  [PddbOp.LatestBasis]: { name: 'LatestBasis', kinds: mb, request: Empty, response: LatestBasis, wipe: true },
  [PddbOp.CreateBasis]: { name: 'CreateBasis', kinds: mb, request: BasisRequest, response: Result, wipe: true },
  [PddbOp.OpenBasis]: { name: 'OpenBasis', kinds: mb, request: BasisRequest, response: Result, wipe: true },
  [PddbOp.CloseBasis]: { name: 'CloseBasis', kinds: mb, request: BasisRequest, response: Result, wipe: true },
  [PddbOp.DeleteBasis]: { name: 'DeleteBasis', kinds: mb, request: BasisRequest, response: Result, wipe: true },
  [PddbOp.DeleteKey]: { name: 'DeleteKey', kinds: mb, request: DeleteRequest, response: Result, wipe: true },
  [PddbOp.DeleteDict]: { name: 'DeleteDict', kinds: mb, request: DeleteRequest, response: Result, wipe: true },
  [PddbOp.KeyAttributes]: { name: 'KeyAttributes', kinds: mb, request: TokenRequest, response: Attributes, wipe: true },
  [PddbOp.KeyCountInDict]: {
    name: 'KeyCountInDict',
    kinds: mb,
    request: DictRequest,
    response: DictAnswer,
    wipe: true,
  },
  [PddbOp.DictCountInBasis]: { name: 'DictCountInBasis', kinds: mb, request: DictRequest, response: DictAnswer },
  [PddbOp.GetDictNameAtIndex]: {
    name: 'GetDictNameAtIndex',
    kinds: mb,
    request: DictRequest,
    response: DictAnswer,
    wipe: true,
  },
  [PddbOp.KeyRequest]: { name: 'KeyRequest', kinds: mb, request: KeyRequest, response: KeyGrant, wipe: true },
  [PddbOp.ReadKey]: { name: 'ReadKey', kinds: mb, request: KeyIo, response: KeyData, wipe: true },
  [PddbOp.WriteKey]: { name: 'WriteKey', kinds: mb, request: KeyIo, response: Result, wipe: true },
  [PddbOp.WriteKeyFlush]: { name: 'WriteKeyFlush', kinds: bs, publicArgs: true },
  [PddbOp.KeyDrop]: { name: 'KeyDrop', kinds: bs },
  [PddbOp.ListKeyV2]: { name: 'ListKeyV2', kinds: mb, request: Empty, response: KeyList, wipe: true },
  [PddbOp.DictBulkRead]: { name: 'DictBulkRead', kinds: mb, request: BulkRequest, response: BulkEntries, wipe: true },
  [PddbOp.DictBulkDelete]: { name: 'DictBulkDelete', kinds: mb, request: DeleteList, response: Result, wipe: true },
  [PddbOp.BasisMonitor]: { name: 'BasisMonitor', kinds: mb, request: MonitorRequest, response: BasisList, wipe: true },
  [PddbOp.Sync]: { name: 'Sync', kinds: mb, request: Empty, response: Result },
  [PddbOp.FormatBegin]: { name: 'FormatBegin', kinds: mb, request: FormatRequest, response: Result, wipe: true },
  [PddbOp.FormatStep]: { name: 'FormatStep', kinds: bs, publicArgs: true },
  [PddbOp.TruncateKey]: { name: 'TruncateKey', kinds: mb, request: KeyIo, response: Result, wipe: true },
  [PddbOp.Suspend]: { name: 'Suspend', kinds: mb, request: Empty, response: NameList, wipe: true },
  [PddbOp.RebuildSpace]: { name: 'RebuildSpace', kinds: mb, request: RebuildRequest, response: StatusReport },
  [PddbOp.Check]: { name: 'Check', kinds: mb, request: Empty, response: CheckAnswer },
  [PddbOp.ExportKeys]: { name: 'ExportKeys', kinds: mb, request: ExportRequest, response: HostedKeys, wipe: true },
  [PddbOp.Status]: { name: 'Status', kinds: mb, request: Empty, response: StatusReport },
  [PddbOp.Churn]: { name: 'Churn', kinds: mb, request: Empty, response: Result },
  [PddbOp.SetBootPin]: { name: 'SetBootPin', kinds: mb, request: PinRequest, response: Result, wipe: true },
  [PddbOp.KeyWatch]: { name: 'KeyWatch', kinds: mb, request: Empty, response: ChangedTokens, wipe: true },
  [PddbOp.ReleaseTokens]: {
    name: 'ReleaseTokens',
    kinds: [MessageKind.Scalar, MessageKind.BlockingScalar],
    publicArgs: true,
  },
} satisfies Record<number, OpcodeSpec>;

export type PddbOps = typeof pddbOps;

export const pollerOps = {
  [PollOp.Poll]: { name: 'Poll', kinds: bs, publicArgs: true },
} satisfies Record<number, OpcodeSpec>;

/** A 16-byte token as the four scalar words KeyDrop carries (little-endian), and back. */
export function tokenToWords(tok: Uint8Array): number[] {
  const v = new DataView(tok.buffer, tok.byteOffset, TOKEN_BYTES);
  return [0, 4, 8, 12].map((i) => v.getUint32(i, true));
}

export function wordsToToken(words: readonly number[]): Uint8Array {
  const out = new Uint8Array(TOKEN_BYTES);
  const v = new DataView(out.buffer);
  for (let i = 0; i < 4; i++) v.setUint32(i * 4, words[i] >>> 0, true);
  return out;
}

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Pack names as the original's key lists do (u8 length + UTF-8) into at most `capacity` bytes: how many fit. */
export function packNames(names: readonly string[], capacity: number): { data: Uint8Array; count: number } {
  const data = new Uint8Array(capacity);
  let at = 0;
  let count = 0;
  for (const name of names) {
    const bytes = utf8.encode(name);
    if (bytes.length > 255) throw new PddbError('InvalidName', 'key name longer than 255 bytes');
    if (at + 1 + bytes.length >= capacity) break;
    data[at] = bytes.length;
    data.set(bytes, at + 1);
    at += 1 + bytes.length;
    count++;
  }
  return { data: data.subarray(0, at), count };
}

/** The names of a packed list; a length past the end is InvalidArgument, bytes that are not UTF-8 InvalidName. */
export function unpackNames(data: Uint8Array): string[] {
  const out: string[] = [];
  for (let at = 0; at < data.length; ) {
    const len = data[at];
    if (len === 0) break;
    if (at + 1 + len > data.length)
      throw new PddbError('InvalidArgument', 'a packed name runs past the end of the list');
    try {
      out.push(strictUtf8.decode(data.subarray(at + 1, at + 1 + len)));
    } catch {
      throw new PddbError('InvalidName', 'key name is not UTF-8');
    }
    at += 1 + len;
  }
  return out;
}
