// Keyboard layouts for autotype: which USB HID usage (boot keyboard, usage page 7), with or without Shift, types a
// character when the HOST interprets keys with that layout. The device sends physical key positions; a host set
// to Dvorak reads the same position as a different character, so each layout is a table over physical keys.
export type LayoutName = 'us101' | 'dvorak';
export const LAYOUTS: readonly LayoutName[] = ['us101', 'dvorak'];

/** Usage -> [unshifted, shifted] character. */
type KeyTable = ReadonlyMap<number, readonly [string, string]>;

export const USAGE = { enter: 0x28, tab: 0x2b, space: 0x2c } as const;

const shared: [number, string, string][] = [
  [0x1e, '1', '!'],
  [0x1f, '2', '@'],
  [0x20, '3', '#'],
  [0x21, '4', '$'],
  [0x22, '5', '%'],
  [0x23, '6', '^'],
  [0x24, '7', '&'],
  [0x25, '8', '*'],
  [0x26, '9', '('],
  [0x27, '0', ')'],
  [0x35, '`', '~'],
  [0x31, '\\', '|'],
];

// Letters in the order of their usages 0x04 (A) .. 0x1d (Z) on a US keyboard.
const qwertyLetters = 'abcdefghijklmnopqrstuvwxyz';

function table(letters: Record<string, [string, string]>, punctuation: [number, string, string][]): KeyTable {
  const m = new Map<number, readonly [string, string]>();
  for (const [u, a, b] of [...shared, ...punctuation]) m.set(u, [a, b]);
  for (let i = 0; i < 26; i++) m.set(0x04 + i, letters[qwertyLetters[i]]);
  return m;
}

const same = (c: string): [string, string] => (/[a-z]/.test(c) ? [c, c.toUpperCase()] : SHIFTED[c]);
const SHIFTED: Record<string, [string, string]> = {
  "'": ["'", '"'],
  ',': [',', '<'],
  '.': ['.', '>'],
  ';': [';', ':'],
  '/': ['/', '?'],
  '-': ['-', '_'],
  '=': ['=', '+'],
  '[': ['[', '{'],
  ']': [']', '}'],
};

const US101 = table(Object.fromEntries([...qwertyLetters].map((c) => [c, same(c)])), [
  [0x2d, '-', '_'],
  [0x2e, '=', '+'],
  [0x2f, '[', '{'],
  [0x30, ']', '}'],
  [0x33, ';', ':'],
  [0x34, "'", '"'],
  [0x36, ',', '<'],
  [0x37, '.', '>'],
  [0x38, '/', '?'],
]);

// ANSI Dvorak: the character each QWERTY position produces.
const dvorakAt = "a x j e . u i d c h t n m b r l ' p o y g k , q f ;".split(' ');
const DVORAK = table(Object.fromEntries([...qwertyLetters].map((c, i) => [c, same(dvorakAt[i])])), [
  [0x2d, '[', '{'],
  [0x2e, ']', '}'],
  [0x2f, '/', '?'],
  [0x30, '=', '+'],
  [0x33, 's', 'S'],
  [0x34, '-', '_'],
  [0x36, 'w', 'W'],
  [0x37, 'v', 'V'],
  [0x38, 'z', 'Z'],
]);

export interface Layout {
  name: LayoutName;
  keys: KeyTable;
  /** Character -> the key that types it. */
  byChar: ReadonlyMap<string, { usage: number; shift: boolean }>;
}

function layout(name: LayoutName, keys: KeyTable): Layout {
  const byChar = new Map<string, { usage: number; shift: boolean }>([
    ['\n', { usage: USAGE.enter, shift: false }],
    ['\t', { usage: USAGE.tab, shift: false }],
    [' ', { usage: USAGE.space, shift: false }],
  ]);
  for (const [usage, [plain, shifted]] of keys) {
    byChar.set(plain, { usage, shift: false });
    byChar.set(shifted, { usage, shift: true });
  }
  return { name, keys, byChar };
}

const BUILT = { us101: layout('us101', US101), dvorak: layout('dvorak', DVORAK) };

export function getLayout(name: string): Layout {
  if (!(LAYOUTS as readonly string[]).includes(name)) throw new RangeError(`unknown layout '${name}'`);
  return BUILT[name as LayoutName];
}
