// The original's named U2F apps: dict `fido.u2fapps`, key = lowercase hex appId, value `tag:value` lines (name, id,
// ctime, atime, count), in the latest basis. The original asks the user for a name on first approval; the
// emulator names the app after its appId hash (the screen model has no text entry yet).
import { bytesToHex } from '@noble/hashes/utils.js';
import { isPddbError } from '../../../pddb/index.ts';
import type { Authenticator } from '../authenticator.ts';

export const U2F_APPS_DICT = 'fido.u2fapps';

export async function recordU2fApp(auth: Authenticator, app: Uint8Array): Promise<void> {
  const id = bytesToHex(app);
  const pddb = auth.store.pddb;
  const now = Math.floor(auth.now() / 1000);
  let fields = new Map<string, string>([
    ['name', `app ${id.slice(0, 8)}`],
    ['id', id],
    ['ctime', String(now)],
    ['count', '0'],
  ]);
  try {
    const h = await pddb.get(U2F_APPS_DICT, id);
    try {
      fields = new Map([...fields, ...parse(await h.readAll())]);
    } finally {
      await h.close();
    }
  } catch (e) {
    if (!isPddbError(e, 'NotFound')) throw e;
  }
  fields.set('atime', String(now));
  fields.set('count', String((Number(fields.get('count')) || 0) + 1));
  const text = new TextEncoder().encode([...fields].map(([k, v]) => `${k}:${v}\n`).join(''));
  const h = await pddb.get(U2F_APPS_DICT, id, { createDict: true, createKey: true });
  try {
    await h.write(text);
    await h.truncate(text.length);
  } finally {
    await h.close();
  }
}

function parse(bytes: Uint8Array): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of new TextDecoder().decode(bytes).split('\n')) {
    const at = line.indexOf(':');
    if (at > 0) out.set(line.slice(0, at), line.slice(at + 1));
  }
  return out;
}
