// Output conventions: human text by default, one JSON document with --json (scripts parse that). A command prints
// once, after its outcome is known (for device commands: after the final sync and power-off), so a failure can
// never follow a success report.
import { readFileSync } from 'node:fs';

/** What a command reports on success: the JSON document, and the text a person reads (bytes are written raw). */
export interface Outcome {
  json: unknown;
  text?: string | Uint8Array;
  /** The exit status when the command ran but reports a problem (pddb check: damage found); 0 when absent. */
  exit?: number;
}

/** Set once a command has parsed its flags; main.ts reads it to print a failure in the same mode. */
export const outputMode = { json: false };

/** Where the CLI reads and writes: the process's streams, swapped by in-process tests and by a served run. */
export const io = {
  out: (s: string | Uint8Array): void => void process.stdout.write(s),
  err: (s: string): void => void process.stderr.write(s),
  /** All of stdin, read once: a command and then its forwarding to a served device both need it. */
  stdin: (): Buffer => (stdinBytes ??= readFileSync(0)),
  /** Whether prompts may ask on a terminal (never in a run that a served device does for another process). */
  interactive: (): boolean => process.stdin.isTTY === true,
};
let stdinBytes: Buffer | undefined;

export function emit(outcome: Outcome): void {
  if (outputMode.json) io.out(JSON.stringify(outcome.json, replacer, 2) + '\n');
  else if (outcome.text instanceof Uint8Array) io.out(outcome.text);
  else if (outcome.text !== undefined && outcome.text !== '') io.out(outcome.text + '\n');
}

/** The common success shape: {"ok":true,...} and a line of text. */
export function done(text: string, extra: Record<string, unknown> = {}): Outcome {
  return { json: { ok: true, ...extra }, text };
}

/** A list: a JSON array, one name per line. */
export function list(names: string[]): Outcome {
  return { json: names, text: names.join('\n') };
}

function replacer(_key: string, v: unknown): unknown {
  return typeof v === 'bigint' ? Number(v) : v;
}

/** A progress bar on stderr (only on a terminal; silent in pipes and CI logs except the final line). */
export function progressBar(label: string): (done: number, total: number) => void {
  let last = -1;
  return (done, total) => {
    const pct = Math.floor((done / total) * 100);
    if (pct === last) return;
    last = pct;
    if (process.stderr.isTTY) {
      const width = 30;
      const fill = Math.round((pct / 100) * width);
      io.err(`\r${label} [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${pct}%`);
      if (done >= total) io.err('\n');
    } else if (done >= total) {
      io.err(`${label}: done\n`);
    }
  };
}
