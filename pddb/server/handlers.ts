// One handler per opcode. Each names the result space it answers in (PddbRequestCode for requests, PddbRetcode for
// key I/O, as the original) and returns the rest of its answer; dispatch.ts adds the result number, or the failure's.
import type { IncomingOf } from '../../transports/ipc/index.ts';
import { codeNumber, isPddbError, PddbError, type CodeSpace } from '../errors.ts';
import {
  BASIS_LIST_MAX,
  BULK_LIMIT_DEFAULT,
  BULK_LIMIT_MIN,
  BULK_PAGE,
  CHECK_LIST_MAX,
  PAGE_DAMAGE_STATES,
  FormatState,
  KEY_CHUNK,
  KEY_LIST_BYTES,
  PddbOp,
  type PddbOps,
  packNames,
  unpackNames,
  wordsToToken,
} from '../api.ts';
import type { PddbServer } from './pddb-server.ts';
import type { CheckReport } from '../engine/check.ts';
import { bulkRead, listKeysCounted } from './listing.ts';
import { nameFrom, optionalName, secretText } from './results.ts';

type Msg<K extends PddbOp> = Extract<IncomingOf<PddbOps>, { opcode: K }>;

export interface Handler<K extends PddbOp> {
  space: CodeSpace;
  /** The message carries a secret (password, PIN, value, keys) either way: see dispatch.ts. */
  secret?: boolean;
  /** Reply words (BlockingScalar), the answer's fields (MutableBorrow), or nothing (deferred, or Scalar). */
  run(s: PddbServer, msg: Msg<K>): object | readonly number[] | void;
}

export const handlers: { [K in PddbOp]: Handler<K> } = {
  [PddbOp.IsMounted]: { space: 'request', run: (s, msg) => s.isMounted(msg) },
  [PddbOp.TryMount]: { space: 'request', run: (s) => s.tryMount() },
  [PddbOp.SetBootPin]: {
    space: 'request',
    secret: true,
    run(s, msg) {
      s.setBootPin(msg.value.pin);
      return {};
    },
  },
  [PddbOp.ListBasis]: {
    space: 'request',
    run(s) {
      const list = s.need().listBasis();
      return { list: list.slice(0, BASIS_LIST_MAX), num: list.length };
    },
  },
  [PddbOp.LatestBasis]: { space: 'request', run: (s) => ({ name: s.need().latestBasis() }) },
  [PddbOp.CreateBasis]: {
    space: 'request',
    secret: true,
    run(s, msg) {
      const { name, password } = msg.value;
      s.need().createBasis(nameFrom(name, 'basis'), secretText(password ?? new Uint8Array()));
      return {};
    },
  },
  [PddbOp.OpenBasis]: {
    space: 'request',
    secret: true,
    run(s, msg) {
      const { name, password, clearAfterSleeps } = msg.value;
      const policy =
        clearAfterSleeps === undefined
          ? { kind: 'persist' as const }
          : { kind: 'clearAfterSleeps' as const, sleeps: clearAfterSleeps };
      s.need().unlockBasis(nameFrom(name, 'basis'), secretText(password ?? new Uint8Array()), policy);
      return {};
    },
  },
  [PddbOp.CloseBasis]: {
    space: 'request',
    run(s, msg) {
      s.need().lockBasis(nameFrom(msg.value.name, 'basis'));
      return {};
    },
  },
  [PddbOp.DeleteBasis]: {
    space: 'request',
    run(s, msg) {
      s.need().deleteBasis(nameFrom(msg.value.name, 'basis'));
      return {};
    },
  },
  [PddbOp.DeleteKey]: {
    space: 'request',
    run(s, msg) {
      const { dict, key, basis, batched } = msg.value;
      if (key === undefined) throw new PddbError('InvalidArgument', 'DeleteKey names a key');
      s.bulkCursors.clear();
      const engine = s.need();
      const [d, k, b] = [nameFrom(dict, 'dict'), nameFrom(key, 'key'), optionalName(basis, 'basis')];
      const target = b ?? engine.latestBasis();
      engine.deleteKey(d, k, b);
      s.keysDeleted(target, d, k);
      if (!batched) engine.sync();
      return {};
    },
  },
  [PddbOp.DeleteDict]: {
    space: 'request',
    run(s, msg) {
      const { dict, basis, batched } = msg.value;
      s.bulkCursors.clear();
      const engine = s.need();
      const [d, b] = [nameFrom(dict, 'dict'), optionalName(basis, 'basis')];
      const target = b ?? engine.latestBasis();
      engine.deleteDict(d, b);
      s.keysDeleted(target, d, undefined);
      if (!batched) engine.sync();
      return {};
    },
  },
  [PddbOp.KeyAttributes]: {
    space: 'request',
    run(s, msg) {
      const a = s.need().attributes(s.tokens.get(msg.sender, msg.value.token).handle);
      return { attributes: { ...a, len: BigInt(a.len), reserved: BigInt(a.reserved), age: BigInt(a.age) } };
    },
  },
  [PddbOp.KeyCountInDict]: {
    space: 'request',
    run(s, msg) {
      const { dict, basis } = msg.value;
      if (dict === undefined) throw new PddbError('InvalidArgument', 'KeyCountInDict names a dict');
      const b = optionalName(basis, 'basis');
      const { names, keyCount } = listKeysCounted(s.need(), nameFrom(dict, 'dict'), b);
      s.keyLists.set(msg.sender, { basis: b, names });
      return { index: names.length, keyCount, foundKeyCount: keyCount };
    },
  },
  [PddbOp.ListKeyV2]: {
    space: 'retcode',
    run(s, msg) {
      const session = s.keyLists.get(msg.sender);
      if (!session) throw new PddbError('AccessDenied', 'no key listing in progress (KeyCountInDict first)');
      const { data, count } = packNames(session.names, KEY_LIST_BYTES);
      session.names.splice(0, count);
      const end = session.names.length === 0;
      if (end) s.keyLists.delete(msg.sender);
      return { data, end };
    },
  },
  [PddbOp.DictCountInBasis]: {
    space: 'request',
    run(s, msg) {
      const b = optionalName(msg.value.basis, 'basis');
      const names = s.need().listDicts(b);
      if (names.length > 0) s.dictLists.set(msg.sender, { basis: b, names });
      else s.dictLists.delete(msg.sender);
      return { index: names.length };
    },
  },
  [PddbOp.GetDictNameAtIndex]: {
    space: 'request',
    run(s, msg) {
      const session = s.dictLists.get(msg.sender);
      if (!session) throw new PddbError('AccessDenied', 'no dict listing in progress (DictCountInBasis first)');
      const { index } = msg.value;
      if (index >= session.names.length) throw new PddbError('InternalError', 'index past the end of the listing');
      // As the original: asking for the last index ends the session.
      if (index === session.names.length - 1) s.dictLists.delete(msg.sender);
      return { index, dict: session.names[index] };
    },
  },
  [PddbOp.KeyRequest]: {
    space: 'request',
    run(s, msg) {
      const v = msg.value;
      if (v.createDict || v.createKey) s.bulkCursors.clear();
      const allocHint = v.allocHint === undefined ? undefined : safeNumber(v.allocHint);
      const h = s.need().get(nameFrom(v.dict, 'dict'), nameFrom(v.key, 'key'), {
        basis: optionalName(v.basis, 'basis'),
        createDict: v.createDict,
        createKey: v.createKey,
        allocHint,
      });
      const rec = s.tokens.issue(msg.sender, h, { batched: v.batched, watch: v.watch });
      // As the original, a key created here reaches flash with its first write (or a sync): no commit of its own.
      return { token: rec.token, basis: h.basis };
    },
  },
  [PddbOp.ReadKey]: {
    space: 'retcode',
    secret: true,
    run(s, msg) {
      const { token, position, len } = msg.value;
      const data = s
        .need()
        .read(s.tokens.get(msg.sender, token).handle, safeNumber(position), Math.min(len, KEY_CHUNK));
      return { data };
    },
  },
  [PddbOp.WriteKey]: {
    space: 'retcode',
    secret: true,
    run(s, msg) {
      const { token, position, data, more } = msg.value;
      const rec = s.tokens.get(msg.sender, token);
      s.need().write(rec.handle, safeNumber(position), data);
      if (!rec.batched && !more) s.syncHandle(rec.handle);
      s.keyChanged(rec);
      return {};
    },
  },
  [PddbOp.TruncateKey]: {
    space: 'retcode',
    run(s, msg) {
      const rec = s.tokens.get(msg.sender, msg.value.token);
      s.need().truncate(rec.handle, safeNumber(msg.value.position));
      if (!rec.batched) s.syncHandle(rec.handle);
      s.keyChanged(rec);
      return {};
    },
  },
  [PddbOp.WriteKeyFlush]: {
    space: 'retcode',
    run(s) {
      // The original syncs every open basis here (its `cleanup` word also prunes its cache, which we do not keep).
      s.need().sync();
      return [1];
    },
  },
  [PddbOp.KeyDrop]: {
    space: 'retcode',
    // The original answers Ok for a token it held, BasisLost for any other.
    run: (s, msg) => [s.tokens.drop(msg.sender, wordsToToken(msg.args)) ? 1 : 2],
  },
  [PddbOp.ReleaseTokens]: {
    space: 'request',
    run(s, msg) {
      s.release(msg.sender);
      return [4];
    },
  },
  [PddbOp.KeyWatch]: { space: 'request', run: (s, msg) => s.watches.poll(msg.sender, msg) },
  [PddbOp.DictBulkRead]: {
    space: 'request',
    secret: true,
    run(s, msg) {
      const { dict, basis, limit, after } = msg.value;
      const budget = Math.min(Math.max(limit ?? BULK_LIMIT_DEFAULT, BULK_LIMIT_MIN), BULK_LIMIT_DEFAULT);
      const engine = s.need();
      const [d, b] = [nameFrom(dict, 'dict'), optionalName(basis, 'basis')];
      const { names, from } = s.bulkCursors.open(msg.sender, engine, d, b, after);
      const records = bulkRead(engine, d, b, names, from, BULK_PAGE, budget);
      s.bulkCursors.advance(msg.sender, d, b, names, records.next);
      const data = new Uint8Array(records.entries.reduce((n, e) => n + (e.value?.length ?? 0), 0));
      let at = 0;
      const entries = records.entries.map((e) => {
        if (e.value) data.set(e.value, at), (at += e.value.length), e.value.fill(0);
        return {
          key: e.key,
          basis: e.basis,
          len: BigInt(e.len),
          reserved: BigInt(e.reserved),
          age: e.age,
          index: e.index,
          hasData: e.value !== undefined,
        };
      });
      return { entries, data, more: records.more };
    },
  },
  [PddbOp.DictBulkDelete]: {
    space: 'retcode',
    run(s, msg) {
      const { dict, basis, data, batched } = msg.value;
      s.bulkCursors.clear();
      const engine = s.need();
      const [d, b] = [nameFrom(dict, 'dict'), optionalName(basis, 'basis')];
      const target = b ?? engine.latestBasis();
      const names = unpackNames(data);
      let present: Set<string>;
      try {
        present = new Set(engine.listKeys(d, target));
      } catch (e) {
        // As the original (key_list_remove): a dict that is not there is AccessDenied; absent keys are no error.
        throw isPddbError(e, 'NotFound') ? new PddbError('AccessDenied', 'no such dict') : e;
      }
      for (const k of names) {
        if (!present.has(k)) continue;
        engine.deleteKey(d, k, target);
        s.keysDeleted(target, d, k);
      }
      if (!batched) engine.sync();
      return {};
    },
  },
  [PddbOp.BasisMonitor]: { space: 'request', run: (s, msg) => s.monitor(msg, msg.value.since) },
  [PddbOp.Sync]: {
    space: 'request',
    run(s) {
      s.need().sync();
      return {};
    },
  },
  [PddbOp.FormatBegin]: {
    space: 'request',
    secret: true,
    run(s, msg) {
      s.beginFormat(msg.value.pin, safeNumber(msg.value.size));
      return {};
    },
  },
  [PddbOp.FormatStep]: {
    space: 'request',
    run(s) {
      if (!s.format) return [0, 0, FormatState.Failed, codeNumber('InvalidArgument', 'request')];
      const { words, finished } = s.format.step();
      if (finished) s.format = null;
      return words;
    },
  },
  [PddbOp.Suspend]: { space: 'request', run: (s) => ({ names: s.need().suspend() }) },
  [PddbOp.RebuildSpace]: {
    space: 'request',
    run(s, msg) {
      s.need().rebuildSpace({ allBasesPresent: msg.value.allBasesPresent });
      return { status: status(s) };
    },
  },
  [PddbOp.Check]: { space: 'request', run: (s) => ({ report: checkReport(s.need().check()) }) },
  [PddbOp.Status]: { space: 'request', run: (s) => ({ status: status(s) }) },
  [PddbOp.Churn]: {
    space: 'request',
    run(s) {
      s.need().churn();
      return {};
    },
  },
  [PddbOp.ExportKeys]: {
    space: 'request',
    secret: true,
    run(s, msg) {
      s.checkCapability(msg.value.capability);
      const only = optionalName(msg.value.basis, 'basis');
      const bases = s
        .need()
        .exportKeys()
        .filter((b) => only === undefined || b.name === only);
      return { bases: bases.map((b) => ({ name: b.name, data: b.keys.data, pt: b.keys.pt })) };
    },
  },
};

/** The engine's report on the wire: lists cut at CHECK_LIST_MAX, with the totals. */
function checkReport(r: CheckReport) {
  return {
    ok: r.ok,
    bases: r.bases,
    pages: r.pages
      .slice(0, CHECK_LIST_MAX)
      .map((p) => ({ ...p, vpage: BigInt(p.vpage), state: PAGE_DAMAGE_STATES.indexOf(p.state) })),
    keys: r.keys.slice(0, CHECK_LIST_MAX).map((k) => ({ ...k, len: BigInt(k.len), readable: BigInt(k.readable) })),
    pagesTotal: r.pages.length,
    keysTotal: r.keys.length,
  };
}

function status(s: PddbServer) {
  const f = s.flashStats;
  return {
    mounted: s.mounted,
    size: BigInt(f.size),
    dataPages: s.engine?.layout.dataPages ?? 0,
    freeSpace: s.engine?.freeSpace ?? 0,
    erases: BigInt(f.erases),
    programs: BigInt(f.programs),
  };
}

function safeNumber(x: bigint): number {
  if (x > BigInt(Number.MAX_SAFE_INTEGER)) throw new PddbError('InvalidArgument', 'offset or size too large');
  return Number(x);
}
