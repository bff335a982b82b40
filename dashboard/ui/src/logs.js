// Logs: time, severity, body, service; filters by severity and text; a link
// to the trace of a record that has one.
import { columns, nsToMs } from './arrow_data.js';
import { el, fmtTime, hex } from './dom.js';
import { VirtualList } from './virtual_list.js';

const COLS = ['time_unix_nano', 'observed_time_unix_nano', 'severity_number', 'severity_text', 'body',
  'attributes', 'trace_id', 'span_id', 'service_name'];

function severityName(n, text) {
  if (text) return text;
  if (n >= 21) return 'FATAL';
  if (n >= 17) return 'ERROR';
  if (n >= 13) return 'WARN';
  if (n >= 9) return 'INFO';
  if (n >= 5) return 'DEBUG';
  return n > 0 ? 'TRACE' : '—';
}

export class LogModel {
  constructor() {
    this.rows = [];
    this.version = 0;
  }

  addBatch(batch) {
    const c = columns(batch, COLS);
    for (let i = 0; i < batch.numRows; i++) {
      const t = nsToMs(c.time_unix_nano.get(i)) || nsToMs(c.observed_time_unix_nano.get(i));
      const sev = c.severity_number.get(i) ?? 0;
      const tid = c.trace_id.get(i);
      const row = { t, sev, severity: severityName(sev, c.severity_text.get(i)), body: c.body.get(i) ?? '',
        attrs: c.attributes.get(i) ?? '{}', traceId: tid ? hex(tid) : '', service: c.service_name.get(i) ?? '' };
      row.search = `${row.body}\n${row.attrs}\n${row.service}`.toLowerCase();
      this.rows.push(row);
    }
    this.version++;
  }
}

export class LogView {
  constructor(model, container, openTrace) {
    this.model = model;
    this.openTrace = openTrace;
    this.minSev = 0;
    this.text = '';
    this.count = el('span', { class: 'count', id: 'log-count' });
    container.append(el('div', { class: 'filters' },
      el('select', { id: 'f-severity', onchange: (e) => { this.minSev = Number(e.target.value); this.refresh(); } },
        [[0, 'any severity'], [5, 'DEBUG+'], [9, 'INFO+'], [13, 'WARN+'], [17, 'ERROR+'], [21, 'FATAL']]
          .map(([v, t]) => el('option', { value: v, text: t }))),
      el('input', { id: 'f-log-text', type: 'search', placeholder: 'search body and attributes', oninput: (e) => { this.text = e.target.value.toLowerCase(); this.refresh(); } }),
      this.count),
    el('div', { class: 'row head log-row' }, el('span', { text: 'time' }), el('span', { text: 'severity' }),
      el('span', { text: 'service' }), el('span', { text: 'body' }), el('span', { text: 'trace' })));
    this.empty = el('div', { class: 'empty' });
    container.append(this.empty);
    this.list = new VirtualList(container, 28, (r) => el('div', { class: `row log-row sev-${r.severity.toLowerCase()}` },
      el('span', { text: fmtTime(r.t) }), el('span', { class: 'sev', text: r.severity }),
      el('span', { text: r.service }), el('span', { class: 'body', text: r.body, title: r.attrs }),
      r.traceId ? el('a', { class: 'trace-link', href: `#/trace/${r.traceId}`, text: r.traceId.slice(0, 8) + '…' }) : el('span', { text: '' })));
  }

  refresh() {
    const out = this.model.rows.filter((r) => r.sev >= this.minSev && (!this.text || r.search.includes(this.text)));
    out.sort((a, b) => b.t - a.t);
    this.count.textContent = `${out.length} of ${this.model.rows.length} records`;
    this.empty.textContent = this.model.rows.length ? '' : 'No logs yet. Send OTLP logs to otlpd and they appear here.';
    this.list.setItems(out);
  }
}
