// The PDDB contract against the original's numbers (services/pddb/src/api.rs: Opcode, PddbRequestCode,
// PddbRetcode): a renumbering here would break every client ported from the original.
import { describe, expect, it } from 'vitest';
import { MessageKind } from '../../transports/ipc/index.ts';
import { PddbOp, pddbOps, tokenToWords, wordsToToken } from '../../pddb/api.ts';
import { codeFromNumber, codeNumber, REQUEST_OK, RETCODE_OK, type PddbCode } from '../../pddb/errors.ts';

describe('PDDB contract', () => {
  it('uses the original opcode numbers, and ours only from 0x1000', () => {
    const original: Record<string, number> = {
      IsMounted: 0,
      TryMount: 1,
      ListBasis: 2,
      LatestBasis: 3,
      CreateBasis: 4,
      OpenBasis: 5,
      CloseBasis: 6,
      DeleteBasis: 7,
      DeleteKey: 8,
      DeleteDict: 9,
      KeyAttributes: 10,
      KeyCountInDict: 11,
      DictCountInBasis: 13,
      GetDictNameAtIndex: 14,
      KeyRequest: 15,
      ReadKey: 16,
      WriteKey: 17,
      WriteKeyFlush: 18,
      KeyDrop: 20,
      ListKeyV2: 45,
      DictBulkRead: 52,
      BasisMonitor: 54,
      DictBulkDelete: 55,
    };
    for (const [op, spec] of Object.entries(pddbOps)) {
      const n = Number(op);
      if (spec.name in original) expect(n, spec.name).toBe(original[spec.name]);
      else expect(n, spec.name).toBeGreaterThanOrEqual(0x1000);
    }
    expect(Object.keys(pddbOps).map(Number)).not.toContain(28); // ListDictStd
    expect(Object.keys(pddbOps).map(Number)).not.toContain(29); // ListKeyStd
  });

  it('uses the original message kinds where the original has the opcode', () => {
    const bs = [MessageKind.BlockingScalar];
    for (const op of [PddbOp.IsMounted, PddbOp.TryMount, PddbOp.WriteKeyFlush, PddbOp.KeyDrop])
      expect(pddbOps[op].kinds, pddbOps[op].name).toEqual(bs);
    for (const op of [
      PddbOp.ListBasis,
      PddbOp.KeyRequest,
      PddbOp.ReadKey,
      PddbOp.WriteKey,
      PddbOp.BasisMonitor,
      PddbOp.ListKeyV2,
    ]) {
      expect(pddbOps[op].kinds, pddbOps[op].name).toEqual([MessageKind.MutableBorrow]);
    }
  });

  it('answers in the original result numbers: PddbRequestCode for requests, PddbRetcode for key I/O', () => {
    expect(REQUEST_OK).toBe(4);
    expect(RETCODE_OK).toBe(1);
    const request: [PddbCode, number][] = [
      ['NotMounted', 5],
      ['NoFreeSpace', 6],
      ['NotFound', 7],
      ['InternalError', 8],
      ['AccessDenied', 9],
      ['DuplicateEntry', 11],
    ];
    const retcode: [PddbCode, number][] = [
      ['BasisLost', 2],
      ['AccessDenied', 3],
      ['UnexpectedEof', 4],
      ['InternalError', 5],
      ['DiskFull', 6],
    ];
    for (const [c, n] of request) expect([codeNumber(c, 'request'), codeFromNumber(n, 'request')]).toEqual([n, c]);
    for (const [c, n] of retcode) expect([codeNumber(c, 'retcode'), codeFromNumber(n, 'retcode')]).toEqual([n, c]);
    // Codes a space lacks sit at 0x100 and up, the same in both; they round-trip.
    for (const c of [
      'InvalidName',
      'LimitExceeded',
      'BadImage',
      'InvalidArgument',
      'BasisLost',
      'NotFound',
    ] as PddbCode[]) {
      for (const space of ['request', 'retcode'] as const) {
        expect(codeFromNumber(codeNumber(c, space), space)).toBe(c);
        if (!request.some(([x]) => x === c) && !retcode.some(([x]) => x === c))
          expect(codeNumber(c, space)).toBeGreaterThanOrEqual(0x100);
      }
    }
    // A dry free-space cache is not a full device: key I/O keeps them apart (DiskFull is the original's 6).
    expect(codeFromNumber(codeNumber('NoFreeSpace', 'retcode'), 'retcode')).toBe('NoFreeSpace');
    expect(codeFromNumber(REQUEST_OK, 'request')).toBeNull();
    expect(codeFromNumber(RETCODE_OK, 'retcode')).toBeNull();
    expect(codeFromNumber(0xbeef, 'request')).toBe('InternalError'); // unknown numbers are never success
    expect(codeFromNumber(0, 'retcode')).toBe('InternalError'); // Uninit
  });

  it('a token crosses KeyDrop as four scalar words and back', () => {
    const token = Uint8Array.from({ length: 16 }, (_, i) => i * 17 + 3);
    const words = tokenToWords(token);
    expect(words).toHaveLength(4);
    expect(Buffer.from(wordsToToken(words)).equals(Buffer.from(token))).toBe(true);
  });
});
