// Small DOM helpers. Text always goes in as text nodes: data from the files
// is never parsed as HTML.

export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

export function clear(e) {
  while (e.firstChild) e.removeChild(e.firstChild);
  return e;
}

export function fmtTime(ms) {
  if (!ms) return '—';
  const d = new Date(ms);
  const p = (n, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ` +
    `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

export function fmtDuration(ms) {
  if (!(ms >= 0)) return '—';
  if (ms < 1) return `${(ms * 1000).toFixed(0)} µs`;
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

// An attribute object of the files' JSON encoding as displayable pairs.
export function anyValueText(v) {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return '[' + v.map(anyValueText).join(', ') + ']';
  if (typeof v === 'object') {
    if ('int' in v) return String(v.int);
    if ('double' in v) return String(v.double);
    if ('bytes' in v) return `bytes:${v.bytes}`;
    if ('kvlist' in v) return '{' + Object.entries(v.kvlist).map(([k, x]) => `${k}: ${anyValueText(x)}`).join(', ') + '}';
    if ('string_index' in v) return `#${v.string_index}`;
  }
  return JSON.stringify(v);
}

export function parseJSON(text, fallback) {
  try { return JSON.parse(text); } catch { return fallback; }
}

export function attrTable(obj) {
  const entries = Object.entries(obj || {});
  if (entries.length === 0) return el('p', { class: 'muted', text: 'none' });
  return el('table', { class: 'kv' },
    entries.map(([k, v]) => el('tr', {}, el('th', { text: k }), el('td', { text: anyValueText(v) }))));
}

export function hex(u8) {
  if (!u8) return '';
  let s = '';
  for (const b of u8) s += b.toString(16).padStart(2, '0');
  return s;
}
