// maxCredentialCountInList (getInfo 0x07 = 8) is enforced: an excludeList or allowList of more descriptors is
// LIMIT_EXCEEDED before anything is looked up or asked of the user; exactly 8 is served, the held credential found
// wherever it sits in the list.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAuthenticator, type InProcessAuthenticator } from '../../../vault/fido/in-process.ts';
import { MAX_CREDENTIAL_COUNT_IN_LIST } from '../../../vault/fido/limits.ts';
import { CtapStatus as S } from '../../../vault/fido/status.ts';
import { PolicyMode } from '../../../vault/ui/api.ts';
import { authenticate, ctap, register } from './platform.ts';

let dev: InProcessAuthenticator;
let held: Uint8Array;
const strangers = (n: number) => Array.from({ length: n }, (_, i) => new Uint8Array(48).fill(i + 1));

beforeAll(async () => {
  dev = await startAuthenticator({ seed: 'list-limit' });
  await dev.ui.setPolicy({ mode: PolicyMode.Approve });
  const reg = await register(dev.fido);
  if (!reg.ok) throw new Error(`makeCredential ${reg.status}`);
  held = reg.id;
}, 30_000);
afterAll(() => dev.shutdown());

describe('maxCredentialCountInList', () => {
  it('getInfo advertises 8', async () => {
    const info = await ctap(dev.fido, 0x04);
    expect(info.body?.get(7)).toBe(MAX_CREDENTIAL_COUNT_IN_LIST);
    expect(MAX_CREDENTIAL_COUNT_IN_LIST).toBe(8);
  });

  it('getAssertion: 9 allowed credentials is LIMIT_EXCEEDED, even with the held one among them; 8 signs with the held one', async () => {
    expect((await authenticate(dev.fido, { allow: [...strangers(8), held] })).status).toBe(S.LimitExceeded);
    expect((await authenticate(dev.fido, { allow: strangers(9) })).status).toBe(S.LimitExceeded);
    const ok = await authenticate(dev.fido, { allow: [...strangers(7), held] });
    expect(ok.status).toBe(S.Ok);
  });

  it('makeCredential: 9 excluded credentials is LIMIT_EXCEEDED; 8 with the held one is CREDENTIAL_EXCLUDED; 8 strangers register', async () => {
    expect((await register(dev.fido, { excludeList: [held, ...strangers(8)] })).status).toBe(S.LimitExceeded);
    expect((await register(dev.fido, { excludeList: strangers(9) })).status).toBe(S.LimitExceeded);
    expect((await register(dev.fido, { excludeList: [...strangers(7), held] })).status).toBe(S.CredentialExcluded);
    expect((await register(dev.fido, { excludeList: strangers(8) })).status).toBe(S.Ok);
  });

  it('the limit counts every descriptor, of any type', async () => {
    const m = new Map<number, unknown>([
      [1, 'example.com'],
      [2, new Uint8Array(32)],
      [
        3,
        [...Array(9).keys()].map(
          (i) =>
            new Map<string, unknown>([
              ['id', new Uint8Array(16).fill(i)],
              ['type', i === 0 ? 'public-key' : 'other'],
            ]),
        ),
      ],
    ]);
    expect((await ctap(dev.fido, 0x02, m)).status).toBe(S.LimitExceeded);
  });
});
