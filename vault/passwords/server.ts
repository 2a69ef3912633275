// The vault.passwords server: password entries in the PDDB's `vault.passwords` dict, through the Pddb client only.
import type { IncomingOf, ProcessContext } from '../../transports/ipc/index.ts';
import { Pddb } from '../../pddb/index.ts';
import { DeviceClock } from '../clock.ts';
import { RecordStore, type RecordKind, type Stored } from '../records/store.ts';
import { OK, toFault } from '../records/wire.ts';
import { VaultError } from '../records/errors.ts';
import type { VaultServerInit } from '../totp/server.ts';
import {
  decodePasswordRecord,
  encodePasswordRecord,
  PASSWORD_ALLOC_HINT,
  PASSWORD_DICT,
  passwordKeyName,
  validatePassword,
  type PasswordRecord,
} from './record.ts';
import { LIST_PAGE, PasswordOp, passwordOps, PASSWORDS_SERVER_NAME, recordFromWire, recordToWire } from './api.ts';

export const passwordKind: RecordKind<PasswordRecord> = {
  dict: PASSWORD_DICT,
  allocHint: PASSWORD_ALLOC_HINT,
  noun: 'password entry',
  keyName: (r) => passwordKeyName(r.description, r.username),
  encode: encodePasswordRecord,
  decode: decodePasswordRecord,
  validate: validatePassword,
};

type Msg = IncomingOf<typeof passwordOps>;

const collator = new Intl.Collator();

export default async function passwordsProcess(ctx: ProcessContext, init: VaultServerInit = {}): Promise<void> {
  const store = new RecordStore(await Pddb.connect(ctx), passwordKind);
  const clock = new DeviceClock({ dir: init.dir });
  await ctx.registerServer({
    name: PASSWORDS_SERVER_NAME,
    opcodes: passwordOps,
    handle: async (msg) => {
      try {
        await handle(msg, store, clock);
      } catch (e) {
        // One failure shape for every opcode: the fault plus the fields its response cannot omit.
        const extra =
          msg.opcode === PasswordOp.List
            ? { total: 0, unreadable: 0 }
            : msg.opcode === PasswordOp.Import
              ? { added: 0, duplicates: [] }
              : {};
        (msg.respond as (v: object) => void)({ ...toFault(e), ...extra });
      }
    },
  });
}

async function handle(msg: Msg, store: RecordStore<PasswordRecord>, clock: DeviceClock): Promise<void> {
  switch (msg.opcode) {
    case PasswordOp.List: {
      const needle = msg.value.filter?.toLowerCase() ?? '';
      const { hits, unreadable } = await store.query(
        needle,
        ({ record: r }) =>
          needle === '' || [r.description, r.username, r.notes].some((f) => f.toLowerCase().includes(needle)),
        (a, b) =>
          collator.compare(a.record.description, b.record.description) ||
          collator.compare(a.record.username, b.record.username),
      );
      const page = hits.slice(msg.value.start, msg.value.start + LIST_PAGE).map(({ key, basis, record: r }) => ({
        key,
        basis,
        description: r.description,
        username: r.username,
        notes: r.notes,
        ctime: BigInt(r.ctime),
        atime: BigInt(r.atime),
        count: BigInt(r.count),
      }));
      return msg.respond({ ...OK, entries: page, total: hits.length, unreadable });
    }
    case PasswordOp.Get:
      return msg.respond({ ...OK, entry: wire(await find(store, msg.value)) });
    case PasswordOp.Add: {
      const r = { ...recordFromWire(msg.value.record), ctime: clock.now(), atime: 0, count: 0 };
      return msg.respond({ ...OK, entry: wire(await store.put(r, { basis: msg.value.basis })) });
    }
    case PasswordOp.Edit: {
      const s = await find(store, msg.value);
      // Delete + create, as the original: ctime restarts, usage stats carry over, a new description or username
      // moves the key.
      const r = {
        ...recordFromWire(msg.value.record),
        ctime: clock.now(),
        atime: s.record.atime,
        count: s.record.count,
      };
      return msg.respond({ ...OK, entry: wire(await store.replace(s, r)) });
    }
    case PasswordOp.Delete:
      await store.remove(await find(store, msg.value));
      return msg.respond(OK);
    case PasswordOp.Touch: {
      const s = await find(store, msg.value);
      return msg.respond({
        ...OK,
        entry: wire(await store.rewrite(s, { ...s.record, atime: clock.now(), count: s.record.count + 1 })),
      });
    }
    case PasswordOp.Import: {
      const now = clock.now();
      const records = msg.value.records.map((w) => ({ ...recordFromWire(w), ctime: now, atime: 0, count: 0 }));
      const r = await store.putMany(records, { basis: msg.value.basis });
      return msg.respond({ ...OK, added: r.added.length, duplicates: r.duplicates, basis: r.added[0]?.basis });
    }
  }
}

/** The entry a user names: by description (and username when given); several matches need the username. */
async function find(
  store: RecordStore<PasswordRecord>,
  w: { description: string; username?: string; basis?: string },
): Promise<Stored<PasswordRecord>> {
  let hits: Stored<PasswordRecord>[];
  if (w.username !== undefined) {
    const s = await store.find(passwordKeyName(w.description, w.username));
    hits = s && s.record.description === w.description && s.record.username === w.username ? [s] : [];
  } else {
    hits = (await store.all()).entries.filter((s) => s.record.description === w.description);
  }
  if (w.basis !== undefined) hits = hits.filter((s) => s.basis === w.basis);
  if (hits.length === 0) throw new VaultError('NotFound', 'no such password entry');
  if (hits.length > 1)
    throw new VaultError('InvalidInput', `${hits.length} entries have this description: name the username too`);
  return hits[0];
}

function wire(s: Stored<PasswordRecord>) {
  return { key: s.key, basis: s.basis, record: recordToWire(s.record) };
}
