// A process that takes a device folder's lock and holds it until killed: the stand-in for a pvault process that
// is SIGKILLed mid-command (run with `node --import tsx tests/bin/hold-lock.ts DIR`).
import { DeviceLock } from '../../vault/device/device-lock.ts';

await DeviceLock.acquire(process.argv[2]);
process.stdout.write('locked\n');
setInterval(() => {}, 1 << 30);
