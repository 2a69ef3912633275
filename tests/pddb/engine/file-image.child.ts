// The middle "process" of file-image.test.ts: a separate Node process that boots the device folder the test made,
// checks what the first process wrote, changes it, syncs and exits. Prints one JSON object on stdout.
// Usage: node --import tsx file-image.child.ts DIR PIN
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PddbEngine } from '../../../pddb/engine/engine.ts';
import { isPddbError } from '../../../pddb/errors.ts';
import { FileFlash } from '../../../pddb/flash/file.ts';

const [dir, pin] = process.argv.slice(2);
const td = new TextDecoder();
const te = new TextEncoder();
const flash = FileFlash.open(join(dir, 'pddb.bin'));
const engine = PddbEngine.mount(flash, new Uint8Array(readFileSync(join(dir, 'keybox.bin'))), pin);
const read = (dict: string, key: string, basis?: string) => td.decode(engine.readAll(engine.get(dict, key, { basis })));
const out: Record<string, unknown> = {};

out.bootBases = engine.listBasis();
out.systemDicts = engine.listDicts();
out.systemShared = read('shared', 'who');
let wrong = 'no error';
try {
  engine.unlockBasis('alpha', 'not the password');
} catch (e) {
  wrong = isPddbError(e) ? e.code : `untyped: ${String(e)}`;
}
out.wrongPassword = wrong;
engine.unlockBasis('alpha', 'alpha password');
engine.unlockBasis('beta', 'beta password');
out.bases = engine.listBasis();
out.union = engine.listDicts();
out.sharedNewest = read('shared', 'who');
out.alphaNote = read('notes', 'n1', 'alpha');
out.betaLargeLength = engine.readAll(engine.get('blobs', 'large', { basis: 'beta' })).length;
// Changes made by this process, for the third to find.
engine.write(engine.get('notes', 'n1', { basis: 'alpha' }), 0, te.encode('NOTE'));
engine.deleteKey('blobs', 'large', 'beta');
engine.write(engine.get('shared', 'child', { basis: '.System', createKey: true }), 0, te.encode(`pid ${process.pid}`));
engine.close();
flash.close();
out.pid = process.pid;
process.stdout.write(JSON.stringify(out));
