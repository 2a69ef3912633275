// An IPC trace summed up for a person: messages per server, the busiest opcodes, failed replies.
import type { TraceEntry } from '../transports/ipc/index.ts';

export interface TraceSummary {
  messages: number;
  errors: number;
  servers: { server: string; messages: number; ops: string }[];
}

export function summarizeTrace(entries: TraceEntry[] = []): TraceSummary {
  const by = new Map<string, Map<string, number>>();
  let errors = 0;
  for (const e of entries) {
    const ops = by.get(e.to) ?? new Map<string, number>();
    ops.set(e.op, (ops.get(e.op) ?? 0) + 1);
    by.set(e.to, ops);
    if (e.result !== 'ok' && e.result !== 'sent') errors++;
  }
  const servers = [...by].map(([server, ops]) => {
    const total = [...ops.values()].reduce((a, b) => a + b, 0);
    const top = [...ops]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([op, n]) => `${op} ${n}`)
      .join(', ');
    return { server, messages: total, ops: top };
  });
  servers.sort((a, b) => b.messages - a.messages);
  return { messages: entries.length, errors, servers };
}
