// Traces: the list (filters, search, virtualised rows) and one trace's
// waterfall with the chosen span's details.
import { columns, nsToMs } from './arrow_data.js';
import { el, clear, fmtTime, fmtDuration, attrTable, parseJSON, hex, anyValueText } from './dom.js';
import { VirtualList } from './virtual_list.js';

const KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
const SPAN_COLS = ['trace_id', 'span_id', 'parent_span_id', 'name', 'kind', 'start_time_unix_nano',
  'end_time_unix_nano', 'status_code', 'status_message', 'attributes', 'events', 'links',
  'service_name', 'resource_attributes', 'scope_name', 'scope_version'];

export class TraceModel {
  constructor() {
    this.traces = new Map(); // trace id -> trace
    this.services = new Set();
    this.version = 0;
  }

  addBatch(batch) {
    const c = columns(batch, SPAN_COLS);
    for (let i = 0; i < batch.numRows; i++) {
      const startMs = nsToMs(c.start_time_unix_nano.get(i));
      const endMs = nsToMs(c.end_time_unix_nano.get(i));
      const parent = c.parent_span_id.get(i);
      const span = {
        traceId: hex(c.trace_id.get(i)),
        spanId: hex(c.span_id.get(i)),
        parentId: parent ? hex(parent) : '',
        name: c.name.get(i) ?? '',
        kind: c.kind.get(i) ?? 0,
        startMs,
        endMs,
        durMs: Math.max(0, endMs - startMs),
        status: c.status_code.get(i) ?? 0,
        statusMsg: c.status_message.get(i) ?? '',
        attrs: c.attributes.get(i) ?? '{}',
        events: c.events.get(i) ?? '[]',
        links: c.links.get(i) ?? '[]',
        service: c.service_name.get(i) ?? '',
        resource: c.resource_attributes.get(i) ?? '{}',
        scope: `${c.scope_name.get(i) ?? ''} ${c.scope_version.get(i) ?? ''}`.trim(),
      };
      this.add(span);
    }
    this.version++;
  }

  add(span) {
    let t = this.traces.get(span.traceId);
    if (!t) {
      t = { id: span.traceId, spans: [], root: null, startMs: Infinity, endMs: 0, error: false,
        search: '' };
      this.traces.set(span.traceId, t);
    }
    t.spans.push(span);
    if (span.service) this.services.add(span.service);
    t.startMs = Math.min(t.startMs, span.startMs);
    t.endMs = Math.max(t.endMs, span.endMs);
    if (span.status === 2) t.error = true;
    if (!span.parentId && (!t.root || t.root.parentId)) t.root = span;
    else if (!t.root) t.root = span;
    t.search += `\n${span.name}\n${span.attrs}`.toLowerCase();
  }

  spanCount() {
    let n = 0;
    for (const t of this.traces.values()) n += t.spans.length;
    return n;
  }
}

const RANGES = { all: 0, '5m': 5 * 60e3, '15m': 15 * 60e3, '1h': 60 * 60e3 };

export class TraceListView {
  constructor(model, container, openTrace) {
    this.model = model;
    this.openTrace = openTrace;
    this.filter = { service: '', name: '', status: 'all', minMs: 0, range: 'all', text: '' };
    const f = this.filter;
    const redraw = () => this.refresh();
    this.serviceSel = el('select', { id: 'f-service', onchange: (e) => { f.service = e.target.value; redraw(); } },
      el('option', { value: '', text: 'all services' }));
    this.count = el('span', { class: 'count', id: 'trace-count' });
    const bar = el('div', { class: 'filters' },
      this.serviceSel,
      el('input', { id: 'f-name', placeholder: 'root span name', oninput: (e) => { f.name = e.target.value.toLowerCase(); redraw(); } }),
      el('select', { id: 'f-status', onchange: (e) => { f.status = e.target.value; redraw(); } },
        el('option', { value: 'all', text: 'any status' }), el('option', { value: 'error', text: 'errors' }),
        el('option', { value: 'ok', text: 'no errors' })),
      el('input', { id: 'f-min', type: 'number', min: '0', placeholder: 'min ms', oninput: (e) => { f.minMs = Number(e.target.value) || 0; redraw(); } }),
      el('select', { id: 'f-range', onchange: (e) => { f.range = e.target.value; redraw(); } },
        Object.keys(RANGES).map((k) => el('option', { value: k, text: k === 'all' ? 'all time' : `last ${k}` }))),
      el('input', { id: 'f-text', type: 'search', placeholder: 'search names and attributes', oninput: (e) => { f.text = e.target.value.toLowerCase(); redraw(); } }),
      this.count);
    const head = el('div', { class: 'row head trace-row' },
      el('span', { text: 'start' }), el('span', { text: 'service' }), el('span', { text: 'root span' }),
      el('span', { text: 'duration' }), el('span', { text: 'spans' }), el('span', { text: '' }));
    this.empty = el('div', { class: 'empty' });
    container.append(bar, head, this.empty);
    this.list = new VirtualList(container, 28, (t) => this.row(t));
    this.knownServices = 0;
  }

  row(t) {
    const root = t.root || t.spans[0];
    return el('div', { class: `row trace-row${t.error ? ' error' : ''}`, 'data-trace': t.id, onclick: () => this.openTrace(t.id) },
      el('span', { text: fmtTime(t.startMs) }),
      el('span', { text: root.service || '—' }),
      el('span', { class: 'name', text: root.name }),
      el('span', { text: fmtDuration(t.endMs - t.startMs) }),
      el('span', { text: String(t.spans.length) }),
      el('span', { class: 'badge', text: t.error ? 'error' : '' }));
  }

  refresh() {
    const m = this.model;
    if (m.services.size !== this.knownServices) {
      this.knownServices = m.services.size;
      const cur = this.filter.service;
      clear(this.serviceSel).append(el('option', { value: '', text: 'all services' }),
        ...[...m.services].sort().map((s) => el('option', { value: s, text: s, selected: s === cur })));
    }
    const f = this.filter;
    const now = Date.now();
    const out = [];
    for (const t of m.traces.values()) {
      const root = t.root || t.spans[0];
      if (f.service && !t.spans.some((s) => s.service === f.service)) continue;
      if (f.name && !root.name.toLowerCase().includes(f.name)) continue;
      if (f.status === 'error' && !t.error) continue;
      if (f.status === 'ok' && t.error) continue;
      if (f.minMs && t.endMs - t.startMs < f.minMs) continue;
      if (RANGES[f.range] && t.startMs < now - RANGES[f.range]) continue;
      if (f.text && !t.search.includes(f.text)) continue;
      out.push(t);
    }
    out.sort((a, b) => b.startMs - a.startMs);
    this.count.textContent = `${out.length} of ${m.traces.size} traces`;
    this.empty.textContent = m.traces.size === 0
      ? 'No traces yet. Send OTLP data to otlpd (for example scripts/demo.sh) and they appear here within seconds.'
      : (out.length === 0 ? 'No trace matches the filters.' : '');
    this.list.setItems(out);
  }
}

// Spans of a trace depth-first by parent, children by start time.
function ordered(trace) {
  const byParent = new Map();
  const ids = new Set(trace.spans.map((s) => s.spanId));
  for (const s of trace.spans) {
    const p = s.parentId && ids.has(s.parentId) ? s.parentId : '';
    if (!byParent.has(p)) byParent.set(p, []);
    byParent.get(p).push(s);
  }
  for (const v of byParent.values()) v.sort((a, b) => a.startMs - b.startMs);
  const out = [];
  const walk = (p, depth) => {
    for (const s of byParent.get(p) || []) {
      out.push({ span: s, depth });
      walk(s.spanId, depth + 1);
    }
  };
  walk('', 0);
  return out;
}

export function renderTrace(model, id, container, back) {
  const t = model.traces.get(id);
  clear(container);
  if (!t) {
    container.append(el('div', { class: 'empty', text: `Trace ${id} has not arrived (yet).` }),
      el('button', { type: 'button', onclick: back, text: '← all traces' }));
    return;
  }
  const total = Math.max(t.endMs - t.startMs, 1e-6);
  const detail = el('aside', { class: 'detail', id: 'span-detail' });
  const rows = ordered(t);
  const showSpan = (s) => {
    clear(detail);
    const events = parseJSON(s.events, []);
    const links = parseJSON(s.links, []);
    detail.append(
      el('h3', { text: s.name }),
      el('table', { class: 'kv' },
        el('tr', {}, el('th', { text: 'service' }), el('td', { text: s.service })),
        el('tr', {}, el('th', { text: 'span id' }), el('td', { text: s.spanId })),
        el('tr', {}, el('th', { text: 'parent' }), el('td', { text: s.parentId || '(root)' })),
        el('tr', {}, el('th', { text: 'kind' }), el('td', { text: KINDS[s.kind] || String(s.kind) })),
        el('tr', {}, el('th', { text: 'start' }), el('td', { text: fmtTime(s.startMs) })),
        el('tr', {}, el('th', { text: 'duration' }), el('td', { text: fmtDuration(s.durMs) })),
        el('tr', {}, el('th', { text: 'status' }), el('td', { text: ['unset', 'ok', 'error'][s.status] + (s.statusMsg ? `: ${s.statusMsg}` : '') })),
        el('tr', {}, el('th', { text: 'scope' }), el('td', { text: s.scope }))),
      el('h4', { text: 'Attributes' }), attrTable(parseJSON(s.attrs, {})),
      el('h4', { text: `Events (${events.length})` }),
      events.length ? el('ul', { class: 'events' }, events.map((e) => el('li', {},
        el('b', { text: e.name }), ` at +${fmtDuration(nsToMs(BigInt(e.time_unix_nano || '0')) - s.startMs)} `,
        Object.entries(e.attributes || {}).map(([k, v]) => `${k}=${anyValueText(v)} `)))) : el('p', { class: 'muted', text: 'none' }),
      el('h4', { text: `Links (${links.length})` }),
      links.length ? el('ul', {}, links.map((l) => el('li', { text: `${l.trace_id} / ${l.span_id}` }))) : el('p', { class: 'muted', text: 'none' }),
      el('h4', { text: 'Resource' }), attrTable(parseJSON(s.resource, {})));
    for (const r of container.querySelectorAll('.wf-row.selected')) r.classList.remove('selected');
    const row = container.querySelector(`.wf-row[data-span="${s.spanId}"]`);
    if (row) row.classList.add('selected');
  };
  const wf = el('div', { class: 'waterfall', id: 'waterfall' }, rows.map(({ span: s, depth }) => {
    const bar = el('div', { class: `wf-bar${s.status === 2 ? ' error' : ''}` });
    bar.style.left = `${((s.startMs - t.startMs) / total) * 100}%`;
    bar.style.width = `${Math.max((s.durMs / total) * 100, 0.3)}%`;
    const label = el('div', { class: 'wf-label' }, el('span', { class: 'svc', text: s.service }), ' ', s.name);
    label.style.paddingLeft = `${depth * 14 + 4}px`;
    return el('div', { class: 'wf-row', 'data-span': s.spanId, 'data-depth': depth, onclick: () => showSpan(s) },
      label, el('div', { class: 'wf-track' }, bar), el('div', { class: 'wf-dur', text: fmtDuration(s.durMs) }));
  }));
  container.append(
    el('div', { class: 'trace-head' },
      el('button', { type: 'button', onclick: back, text: '← all traces' }),
      el('h2', { text: (t.root || t.spans[0]).name }),
      el('span', { class: 'muted', text: `trace ${t.id} · ${t.spans.length} spans · ${fmtDuration(t.endMs - t.startMs)}` })),
    el('div', { class: 'trace-body' }, wf, detail));
  showSpan(rows[0].span);
}
