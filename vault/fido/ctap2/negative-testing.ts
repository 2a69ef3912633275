// A vendor command (ours, in CTAP's vendor range 0x40-0xBF) for relying-party negative testing, as Chrome's virtual
// authenticator offers: the next signature carries a replayed (the last) or rolled-back (lower) counter, so an RP
// suite can check it rejects a cloned authenticator. Answered only by an authenticator started with
// `negativeTesting` (never on a device a user keeps credentials on); otherwise it is an unknown command.
import type { Authenticator } from '../authenticator.ts';
import type { Params } from '../cbor.ts';
import { CtapStatus, ensure } from '../status.ts';

export enum CounterOverride {
  Replay = 1,
  Rollback = 2,
}

export async function negativeTesting(auth: Authenticator, p: Params): Promise<undefined> {
  ensure(auth.negativeTesting, CtapStatus.InvalidCommand, 'negative testing is off');
  const kind = p.int(1);
  ensure(
    kind === CounterOverride.Replay || kind === CounterOverride.Rollback,
    CtapStatus.InvalidParameter,
    'unknown counter override',
  );
  auth.counterOverride = kind === CounterOverride.Replay ? 'replay' : 'rollback';
  return undefined;
}
