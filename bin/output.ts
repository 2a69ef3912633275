// Output conventions: human text by default, one JSON document with --json (scripts parse that).
export interface Out {
  json: boolean;
  /** A result: printed as JSON with --json, else by `human`. */
  result(value: unknown, human: () => void): void;
  info(line: string): void;
}

export function makeOut(json: boolean): Out {
  return {
    json,
    result(value, human) {
      if (json) process.stdout.write(JSON.stringify(value, replacer, 2) + '\n');
      else human();
    },
    info(line) {
      if (!json) process.stdout.write(line + '\n');
    },
  };
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
      process.stderr.write(`\r${label} [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${pct}%`);
      if (done >= total) process.stderr.write('\n');
    } else if (done >= total) {
      process.stderr.write(`${label}: done\n`);
    }
  };
}
