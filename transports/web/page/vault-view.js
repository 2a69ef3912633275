// The Vault app as the device shows it: three modes (F1 FIDO, F2 TOTP, F3 Passwords), a type-to-filter list,
// item detail, the menu (F4), forms (add, the basis password dialog), and over everything the presence modal
// from the ui server's screen model. State lives here; every change goes through the control API.
import { api } from './api.js';
import { WIDTH, HEIGHT } from './screen.js';

const MODES = { F1: 'fido', F2: 'totp', F3: 'pw' };
const TITLES = { fido: 'FIDO', totp: 'TOTP', pw: 'Passwords' };
const ROW = 40;
const TOP = 34;
const ROWS = Math.floor((HEIGHT - TOP - 30) / ROW);

export class VaultApp {
  constructor(onChange) {
    this.onChange = onChange;
    this.mode = 'totp';
    this.items = { fido: [], totp: [], pw: [] };
    this.codes = new Map();
    this.filter = '';
    this.sel = 0;
    this.view = 'list';
    this.detail = undefined;
    this.menu = undefined;
    this.form = undefined;
    this.message = '';
    this.bases = ['.System'];
    this.presence = { modal: false };
  }

  // --- data ---

  async refresh() {
    try {
      const [totp, pw, fido, bases] = await Promise.all([
        api('/api/totp'),
        api('/api/pw'),
        api('/api/fido/credentials'),
        api('/api/bases'),
      ]);
      this.items = { totp: totp.entries, pw: pw.entries, fido: fido.credentials };
      this.bases = bases.bases;
      for (const name of [...this.codes.keys()])
        if (!totp.entries.some((e) => e.name === name)) this.codes.delete(name);
      this.clampSelection();
      await this.refreshCodes();
    } catch (e) {
      this.say(e);
    }
    this.onChange();
  }

  /** TOTP codes for the shown entries whose period ran out (HOTP codes only on request: each one uses the counter). */
  async refreshCodes() {
    if (this.mode !== 'totp') return;
    const now = Date.now();
    const due = this.visible().filter((e) => !e.hotp && !((this.codes.get(e.name)?.until ?? 0) > now));
    await Promise.all(
      due.map(async (e) => {
        try {
          const c = await api('/api/totp/code', { name: e.name, basis: e.basis });
          this.codes.set(e.name, { code: c.code, period: c.period, until: Date.now() + c.remaining * 1000 });
        } catch (err) {
          this.say(err);
        }
      }),
    );
    if (due.length > 0) this.onChange();
  }

  setBases(bases) {
    this.bases = bases;
    void this.refresh();
  }

  setPresence(screen) {
    const closed = this.presence.modal && !screen.modal;
    this.presence = screen;
    // A request just answered may have stored a credential (or a counter): show the device as it is now.
    if (closed) void this.refresh();
    this.onChange();
  }

  visible() {
    const f = this.filter.toLowerCase();
    const text = (e) =>
      this.mode === 'totp'
        ? `${e.name} ${e.issuer}`
        : this.mode === 'pw'
          ? `${e.description} ${e.username}`
          : `${e.rpId} ${e.userName ?? ''}`;
    return this.items[this.mode].filter((e) => text(e).toLowerCase().includes(f));
  }

  clampSelection() {
    this.sel = Math.max(0, Math.min(this.sel, this.visible().length - 1));
  }

  say(e) {
    this.message = e instanceof Error ? `${e.code ?? 'Error'}: ${e.message}` : String(e);
    this.onChange();
  }

  // --- keys ---

  async key(k) {
    this.message = '';
    if (this.form) return this.formKey(k);
    if (this.menu) return this.menuKey(k);
    if (this.view === 'detail') return this.detailKey(k);
    return this.listKey(k);
  }

  listKey(k) {
    if (MODES[k]) {
      this.mode = MODES[k];
      this.filter = '';
      this.sel = 0;
      void this.refresh();
    } else if (k === 'F4') this.openMainMenu();
    else if (k === 'ArrowDown') this.sel = Math.min(this.sel + 1, this.visible().length - 1);
    else if (k === 'ArrowUp') this.sel = Math.max(this.sel - 1, 0);
    else if (k === 'Enter') {
      const item = this.visible()[this.sel];
      if (item) {
        this.detail = { item, mode: this.mode };
        this.view = 'detail';
      } else this.openMainMenu();
    } else if (k === 'Backspace') this.filter = this.filter.slice(0, -1);
    else if (k === 'Escape') this.filter = '';
    else if (k.length === 1) {
      this.filter += k;
      this.sel = 0;
    }
    this.clampSelection();
    this.onChange();
  }

  detailKey(k) {
    if (k === 'Escape' || k === 'ArrowLeft' || k === 'Backspace') {
      this.view = 'list';
      this.detail = undefined;
    } else if (k === 'Enter' || k === 'F4') this.openItemMenu();
    this.onChange();
  }

  menuKey(k) {
    const m = this.menu;
    if (k === 'ArrowDown') m.sel = (m.sel + 1) % m.items.length;
    else if (k === 'ArrowUp') m.sel = (m.sel + m.items.length - 1) % m.items.length;
    else if (k === 'Escape' || k === 'ArrowLeft' || k === 'F4') this.menu = undefined;
    else if (k === 'Enter') {
      const [, action] = m.items[m.sel];
      this.menu = undefined;
      void action();
    }
    this.onChange();
  }

  formKey(k) {
    const f = this.form;
    const field = f.fields[f.index];
    if (k === 'Escape') this.form = undefined;
    else if (k === 'Backspace') field.value = field.value.slice(0, -1);
    else if (k === 'ArrowUp') f.index = Math.max(0, f.index - 1);
    else if (k === 'ArrowDown' || k === 'Tab') f.index = Math.min(f.fields.length - 1, f.index + 1);
    else if (k === 'Enter') {
      if (f.index < f.fields.length - 1) f.index++;
      else {
        this.form = undefined;
        void this.run(() => f.submit(Object.fromEntries(f.fields.map((x) => [x.name, x.value]))));
      }
    } else if (k.length === 1) field.value += k;
    this.onChange();
  }

  async run(action) {
    try {
      const note = await action();
      if (note) this.message = note;
    } catch (e) {
      this.say(e);
    }
    await this.refresh();
  }

  // --- menus and forms ---

  openMainMenu() {
    const items = [];
    if (this.mode === 'totp') items.push(['Add TOTP', () => this.addTotpForm()]);
    if (this.mode === 'pw') items.push(['Add password', () => this.addPasswordForm()]);
    items.push(['Unlock basis', () => this.unlockForm()], ['Create basis', () => this.createForm()]);
    for (const b of this.bases.filter((b) => b !== '.System'))
      items.push([
        `Lock basis ${b}`,
        () => this.run(() => api('/api/bases/lock', { name: b }).then(() => `${b} locked`)),
      ]);
    items.push(['Refresh', () => this.refresh()], ['Close menu', () => {}]);
    this.menu = { title: 'Menu', items, sel: 0 };
  }

  openItemMenu() {
    const { item, mode } = this.detail;
    const items = [];
    if (mode === 'pw') items.push(['Show password', () => this.showPassword(item)]);
    if (mode === 'totp' && item.hotp) items.push(['Next HOTP code', () => this.hotpCode(item)]);
    if (mode !== 'fido') items.push(['Delete', () => this.confirmDelete(item, mode)]);
    items.push(['Back', () => {}]);
    this.menu = { title: 'Entry', items, sel: 0 };
  }

  confirmDelete(item, mode) {
    const label = mode === 'totp' ? item.name : item.description;
    const del =
      mode === 'totp'
        ? () => api('/api/totp/delete', { name: item.name, basis: item.basis })
        : () => api('/api/pw/delete', { description: item.description, username: item.username, basis: item.basis });
    this.menu = {
      title: `Delete ${label}?`,
      items: [
        ['No', () => {}],
        [
          'Yes, delete',
          () =>
            this.run(async () => {
              await del();
              this.view = 'list';
              this.detail = undefined;
              return 'deleted';
            }),
        ],
      ],
      sel: 0,
    };
    this.onChange();
  }

  async showPassword(item) {
    await this.run(async () => {
      const r = await api('/api/pw/get', { description: item.description, username: item.username, basis: item.basis });
      this.detail = { ...this.detail, password: r.entry.password };
    });
  }

  async hotpCode(item) {
    await this.run(async () => {
      const r = await api('/api/totp/code', { name: item.name, basis: item.basis });
      this.detail = { ...this.detail, code: r.code };
    });
  }

  addTotpForm() {
    this.form = {
      title: 'Add TOTP',
      fields: [
        field('name', 'Name'),
        field('secret', 'Secret (base32)', true),
        field('issuer', 'Issuer'),
        field('basis', 'Basis (empty: latest)'),
      ],
      index: 0,
      submit: (v) =>
        api('/api/totp', {
          name: v.name,
          secret: v.secret.replace(/\s+/g, ''),
          issuer: v.issuer,
          ...(v.basis ? { basis: v.basis } : {}),
        }).then((r) => `added ${r.entry.name} to ${r.entry.basis}`),
    };
    this.onChange();
  }

  addPasswordForm() {
    this.form = {
      title: 'Add password',
      fields: [
        field('description', 'Description'),
        field('username', 'Username'),
        field('password', 'Password', true),
        field('basis', 'Basis (empty: latest)'),
      ],
      index: 0,
      submit: (v) =>
        api('/api/pw', {
          description: v.description,
          username: v.username,
          password: v.password,
          ...(v.basis ? { basis: v.basis } : {}),
        }).then((r) => `added ${r.entry.description} to ${r.entry.basis}`),
    };
    this.onChange();
  }

  createForm() {
    this.form = {
      title: 'Create basis',
      fields: [
        field('name', 'New basis name'),
        field('password', 'Password', true),
        field('again', 'Password again', true),
      ],
      index: 0,
      submit: (v) => {
        if (v.password !== v.again) throw new Error('the passwords differ');
        return api('/api/bases/create', { name: v.name, password: v.password }).then(
          () => `${v.name} created (locked: unlock it to use it)`,
        );
      },
    };
    this.onChange();
  }

  unlockForm() {
    this.form = {
      title: 'Unlock basis',
      fields: [field('name', 'Basis name'), field('password', 'Password', true)],
      index: 0,
      submit: (v) => api('/api/bases/unlock', { name: v.name, password: v.password }).then(() => `${v.name} unlocked`),
    };
    this.onChange();
  }

  // --- drawing ---

  draw(s) {
    s.begin();
    const latest = this.bases.at(-1);
    s.text(6, 6, TITLES[this.mode], { bold: true, invert: true, size: 18 });
    s.text(WIDTH - 6, 8, latest === '.System' ? '' : `[${latest}]`, {
      align: 'right',
      white: true,
      size: 14,
      width: 160,
    });
    if (this.view === 'detail' && this.detail) this.drawDetail(s);
    else this.drawList(s);
    s.hline(HEIGHT - 28);
    s.text(
      6,
      HEIGHT - 22,
      this.message || (this.filter ? `filter: ${this.filter}_` : 'F1 FIDO F2 TOTP F3 Pass F4 menu'),
      { size: 14 },
    );
    if (this.menu) this.drawMenu(s);
    if (this.form) this.drawForm(s);
    if (this.presence.modal) this.drawPresence(s);
    s.end();
  }

  drawList(s) {
    const items = this.visible();
    if (items.length === 0) {
      s.text(12, TOP + 20, this.filter ? 'no match' : 'no entries', { size: 16 });
      if (!this.filter && this.mode !== 'fido') s.text(12, TOP + 44, 'F4: add, or unlock a basis', { size: 14 });
      return;
    }
    const first = Math.max(0, Math.min(this.sel - Math.floor(ROWS / 2), items.length - ROWS));
    items.slice(first, first + ROWS).forEach((e, i) => {
      const y = TOP + 6 + i * ROW;
      const selected = first + i === this.sel;
      if (selected) s.rect(0, y - 3, WIDTH, ROW - 2, { fill: true });
      const o = { invert: false, size: 16 };
      const row = (x, yy, text, opts) => drawOn(s, selected, x, yy, text, opts);
      if (this.mode === 'totp') {
        const c = this.codes.get(e.name);
        row(8, y, e.issuer ? `${e.name} (${e.issuer})` : e.name, { ...o, width: 220 });
        if (e.hotp) row(WIDTH - 8, y, 'HOTP', { align: 'right', size: 14 });
        else if (c) {
          const left = Math.max(0, Math.ceil((c.until - Date.now()) / 1000));
          row(WIDTH - 8, y, c.code, { align: 'right', size: 18, bold: true });
          row(8, y + 20, `${left}s`, { size: 12 });
          const w = Math.round(((WIDTH - 60) * left) / (c.period || 30));
          s.rect(44, y + 24, w, 4, { fill: !selected });
          if (selected) s.blank(44, y + 24, w, 4);
        }
      } else if (this.mode === 'pw') {
        row(8, y, e.description, { ...o, width: 200 });
        row(8, y + 20, e.username, { size: 12 });
        row(WIDTH - 8, y + 20, e.basis, { align: 'right', size: 12, width: 120 });
      } else {
        row(8, y, e.rpId, { ...o, width: 240 });
        row(8, y + 20, e.userName ?? '', { size: 12 });
        row(WIDTH - 8, y + 20, e.basis, { align: 'right', size: 12, width: 120 });
      }
    });
  }

  drawDetail(s) {
    const { item, mode, password, code } = this.detail;
    const lines =
      mode === 'totp'
        ? [
            ['Name', item.name],
            ['Issuer', item.issuer],
            ['Type', item.hotp ? `HOTP, counter ${item.timestep}` : `TOTP, ${item.timestep}s`],
            ['Digits', String(item.digits)],
            ['Algorithm', item.algorithm],
            ['Basis', item.basis],
            ['Notes', item.notes],
            ...(code ? [['Code', code]] : []),
          ]
        : mode === 'pw'
          ? [
              ['Site', item.description],
              ['User', item.username],
              ['Password', password ?? '********'],
              ['Used', `${item.count} times`],
              ['Basis', item.basis],
              ['Notes', item.notes],
            ]
          : [
              ['RP', item.rpId],
              ['User', item.userName ?? ''],
              ['Name', item.displayName ?? ''],
              ['Algorithm', String(item.alg)],
              ['Resident', item.discoverable ? 'yes' : 'no'],
              ['Basis', item.basis],
            ];
    lines.forEach(([k, v], i) => {
      s.text(8, TOP + 10 + i * 44, k, { size: 12 });
      s.text(8, TOP + 26 + i * 44, v || '-', { size: 16 });
    });
    s.text(8, HEIGHT - 52, 'Enter: actions  Esc: back', { size: 12 });
  }

  drawMenu(s) {
    const m = this.menu;
    const h = 40 + m.items.length * 28;
    const y0 = Math.max(40, (HEIGHT - h) / 2);
    s.blank(20, y0, WIDTH - 40, h);
    s.rect(20, y0, WIDTH - 40, h);
    s.text(32, y0 + 10, m.title, { bold: true, width: WIDTH - 70 });
    m.items.forEach(([label], i) => {
      const y = y0 + 38 + i * 28;
      if (i === m.sel) s.rect(24, y - 4, WIDTH - 48, 26, { fill: true });
      drawOn(s, i === m.sel, 36, y, label, { width: WIDTH - 80 });
    });
  }

  drawForm(s) {
    const f = this.form;
    const h = 60 + f.fields.length * 56;
    const y0 = Math.max(40, (HEIGHT - h) / 2);
    s.blank(12, y0, WIDTH - 24, h);
    s.rect(12, y0, WIDTH - 24, h);
    s.text(24, y0 + 10, f.title, { bold: true });
    f.fields.forEach((x, i) => {
      const y = y0 + 40 + i * 56;
      s.text(24, y, x.label, { size: 12 });
      s.rect(22, y + 16, WIDTH - 44, 28);
      const shown = x.secret ? '*'.repeat(x.value.length) : x.value;
      s.text(30, y + 22, shown + (i === f.index ? '_' : ''), { size: 14, width: WIDTH - 64 });
    });
    s.text(24, y0 + h - 20, 'Enter: next/OK  Esc: cancel', { size: 12 });
  }

  drawPresence(s) {
    const p = this.presence;
    const y0 = 120;
    const h = 260;
    s.blank(8, y0, WIDTH - 16, h);
    s.rect(8, y0, WIDTH - 16, h);
    s.rect(12, y0 + 4, WIDTH - 24, h - 8);
    s.text(WIDTH / 2, y0 + 18, 'FIDO request', { bold: true, size: 18, align: 'center' });
    s.text(WIDTH / 2, y0 + 50, p.reason, { align: 'center', size: 14 });
    s.text(24, y0 + 84, 'Site', { size: 12 });
    s.text(24, y0 + 100, p.rp, { size: 16, width: WIDTH - 48 });
    s.text(24, y0 + 128, 'User', { size: 12 });
    s.text(24, y0 + 144, p.user || '-', { size: 16, width: WIDTH - 48 });
    s.text(WIDTH / 2, y0 + 182, `${p.secondsLeft}s left${p.queued ? ` (+${p.queued} waiting)` : ''}`, {
      align: 'center',
      size: 14,
    });
    s.text(WIDTH / 2, y0 + 210, 'Any key approves', { align: 'center', size: 14, bold: true });
    s.text(WIDTH / 2, y0 + 230, 'F1 denies', { align: 'center', size: 14 });
  }
}

function field(name, label, secret = false) {
  return { name, label, value: '', secret };
}

/** Text on a selected (black) row is drawn white. */
function drawOn(s, selected, x, y, text, opts = {}) {
  s.text(x, y, text, { ...opts, white: selected });
}
