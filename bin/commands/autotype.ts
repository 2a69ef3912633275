// `pvault autotype totp|password|username NAME`: type an entry's OTP, password or username as USB HID boot-keyboard
// reports into a file (a gadget device such as /dev/hidg0, or a capture) or a UNIX socket. Typing a password or
// username counts as a use (atime, count), as in the original; every character is checked before any is sent.
import { flag, parseArgs, value, UsageError, type FlagSpec } from '../args.ts';
import { done, emit, io } from '../output.ts';
import { basisFlags, commonFlags, noteOutputMode } from '../session.ts';
import { autotype } from '../../vault/autotype/autotype.ts';
import { getLayout, LAYOUTS } from '../../vault/autotype/layouts.ts';
import { textToReports } from '../../vault/autotype/reports.ts';
import { FileSink, SocketSink, type KeyboardSink } from '../../vault/autotype/sinks.ts';
import { exactly, whole, withVault } from './totp.ts';

export const AUTOTYPE_HELP = `usage: pvault autotype totp|password|username NAME [--username U] [--layout us101|dvorak]
                        (--out FILE | --socket PATH) [--delay MS] [--enter]

Types the entry's current code (TOTP/HOTP), password or username as 8-byte USB HID boot-keyboard reports (key
down, then all keys up; Left Shift where needed) into FILE (appended: a gadget device such as /dev/hidg0, or a
capture) or the UNIX socket PATH. --layout is the layout the HOST uses (default us101). --enter presses Enter
after the text. Text the layout cannot type is refused with the positions of the characters, and nothing is sent.
Typing a password or username bumps the entry's atime and count, as the original does.
`;

const flags = {
  ...commonFlags,
  ...basisFlags,
  username: { value: true },
  layout: { value: true },
  out: { value: true },
  socket: { value: true },
  delay: { value: true },
  enter: {},
} as const satisfies Record<string, FlagSpec>;

export async function autotypeCommand(argv: string[]): Promise<void> {
  const p = parseArgs(argv, flags);
  noteOutputMode(p);
  const [what, ...args] = p.positionals;
  if (flag(p, 'help') || what === undefined) return void io.out(AUTOTYPE_HELP);
  if (what !== 'totp' && what !== 'password' && what !== 'username')
    throw new UsageError('autotype totp, password or username');
  const [name] = exactly(args, 1, 'NAME');
  const layout = value(p, 'layout') ?? 'us101';
  if (!(LAYOUTS as readonly string[]).includes(layout)) throw new UsageError(`--layout is ${LAYOUTS.join(' or ')}`);
  const delayMs = value(p, 'delay') === undefined ? 0 : whole(value(p, 'delay')!, '--delay');
  const out = value(p, 'out');
  const socket = value(p, 'socket');
  if ((out === undefined) === (socket === undefined))
    throw new UsageError('give one keyboard: --out FILE or --socket PATH');
  const suffix = flag(p, 'enter') ? '\n' : '';
  return emit(
    await withVault(p, async (apps) => {
      let text: string;
      const which = { description: name, username: value(p, 'username') };
      if (what === 'totp') text = (await apps.totp.code(name)).code;
      else {
        const r = (await apps.passwords.get(which)).record;
        text = what === 'password' ? r.password : r.username;
      }
      // Refuse untypable text before opening the keyboard or counting a use.
      textToReports(text + suffix, getLayout(layout));
      const sink: KeyboardSink = out !== undefined ? await FileSink.open(out) : await SocketSink.connect(socket!);
      let reports: number;
      try {
        reports = await autotype(text + suffix, sink, { layout, delayMs });
      } finally {
        await sink.close();
      }
      const used = what === 'totp' ? undefined : await apps.passwords.touch(which);
      return done(`typed the ${what} of '${name}' (${reports} reports, ${layout})`, {
        what,
        name,
        reports,
        layout,
        ...(used ? { count: used.record.count } : {}),
      });
    }),
  );
}
