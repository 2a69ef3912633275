// The live IPC trace as a sequence diagram: one lifeline per process, one arrow per message (sender to the
// process hosting the server), labelled with server, opcode, kind, size and result. The newest messages are kept.
const KEEP = 300;
const COL = 16;

export class TraceView {
  constructor(el) {
    this.el = el;
    this.entries = [];
    this.lanes = [];
  }

  add(entries) {
    this.entries.push(...entries);
    if (this.entries.length > KEEP) this.entries.splice(0, this.entries.length - KEEP);
    for (const e of entries) for (const p of [e.from, e.host]) if (!this.lanes.includes(p)) this.lanes.push(p);
    this.render();
  }

  render() {
    const stick = this.el.scrollTop + this.el.clientHeight >= this.el.scrollHeight - 20;
    const width = this.lanes.length * COL;
    const lifelines = () => {
      const row = new Array(width).fill(' ');
      this.lanes.forEach((_, i) => (row[i * COL + 1] = '|'));
      return row;
    };
    const frag = document.createDocumentFragment();
    const line = (text, cls) => {
      const div = document.createElement('div');
      div.textContent = text;
      if (cls) div.className = cls;
      frag.append(div);
    };
    line(this.lanes.map((n) => n.slice(0, COL - 2).padEnd(COL)).join(''));
    for (const e of this.entries) {
      const a = this.lanes.indexOf(e.from) * COL + 1;
      const b = this.lanes.indexOf(e.host) * COL + 1;
      const size = e.bytes ? ` ${e.bytes}B` : '';
      line(`${' '.repeat(Math.min(a, b) + 2)}${e.to}.${e.op} ${e.kind}${size}`, 'label');
      const row = lifelines();
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      for (let i = lo + 1; i < hi; i++) row[i] = '-';
      if (a === b) row.splice(a + 1, 3, '-', '-', '>');
      else row[b < a ? lo + 1 : hi - 1] = b < a ? '<' : '>';
      const ok = e.result === 'ok' || e.result === 'sent';
      line(`${row.join('')}  ${e.result}${e.latencyUs ? ` ${Math.round(e.latencyUs)}us` : ''}`, ok ? '' : 'err');
    }
    this.el.replaceChildren(frag);
    if (stick) this.el.scrollTop = this.el.scrollHeight;
  }
}
