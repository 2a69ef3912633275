// control.json in the device folder: how other pvault commands find the control API of the `pvault serve` that
// holds the folder's lock. {"version":1,"url":"http://localhost:PORT","token":"...","pid":N}, mode 0600 (the token
// is the device's), written once the server listens, removed when it stops.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const CONTROL_FILE = 'control.json';

export interface ControlInfo {
  version: 1;
  url: string;
  token: string;
  pid: number;
}

export function writeControlFile(dir: string, info: Omit<ControlInfo, 'version'>): () => void {
  const path = join(dir, CONTROL_FILE);
  writeFileSync(path, JSON.stringify({ version: 1, ...info }) + '\n', { mode: 0o600 });
  return () => rmSync(path, { force: true });
}

/** The advertised API, or undefined when there is none or the file is not one we wrote. */
export function readControlFile(dir: string): ControlInfo | undefined {
  let v: Partial<ControlInfo>;
  try {
    v = JSON.parse(readFileSync(join(dir, CONTROL_FILE), 'utf8'));
  } catch {
    return undefined;
  }
  const ok = v?.version === 1 && typeof v.url === 'string' && typeof v.token === 'string' && Number.isInteger(v.pid);
  return ok ? (v as ControlInfo) : undefined;
}
