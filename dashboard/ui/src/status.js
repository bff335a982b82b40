// The pipeline status line from /api/stats: what each process counts.
import { getJSON } from './api.js';
import { el, clear } from './dom.js';

function sumWhere(proc, pred) {
  let n = 0;
  for (const [k, v] of Object.entries(proc || {})) if (pred(k)) n += v;
  return n;
}

export async function updateStatus(box) {
  let s;
  try {
    s = await getJSON('/api/stats');
  } catch {
    clear(box).append(el('span', { class: 'bad', text: 'dashboard unreachable' }));
    return;
  }
  const p = s.processes || {};
  clear(box);
  if (s.snapshots === 0) {
    box.append(el('span', { class: 'muted', text: 'waiting for pipeline counters…' }));
    return;
  }
  const sup = p.supervisor || {};
  const items = [];
  for (const name of ['receiver', 'writer', 'forwarder']) {
    if (!(`${name}_up` in sup)) continue;
    items.push(el('span', { class: sup[`${name}_up`] ? 'ok' : 'bad', text: `${name} ${sup[`${name}_up`] ? 'up' : 'down'}` }));
  }
  const r = p.receiver || {};
  const w = p.writer || {};
  const f = p.forwarder || {};
  const counter = (label, v) => el('span', { class: 'counter', title: label }, `${label} `, el('b', { text: String(v) }));
  items.push(counter('received', sumWhere(r, (k) => k.includes('_items_accepted_'))));
  items.push(counter('rejected', sumWhere(r, (k) => k.includes('_items_rejected_')) + sumWhere(w, (k) => k.endsWith('.rejected_rows'))));
  items.push(counter('written', sumWhere(w, (k) => /^(traces|metrics|logs)\.rows$/.test(k))));
  if (p.forwarder) {
    items.push(counter('forwarded', f.forwarded ?? 0));
    items.push(counter('dropped', (f.forward_dropped ?? 0) + sumWhere(r, (k) => k.endsWith('forward_dropped'))));
    if ('breaker_state' in f) {
      const st = ['closed', 'open', 'half-open'][f.breaker_state] ?? String(f.breaker_state);
      items.push(el('span', { class: f.breaker_state ? 'bad' : 'ok', id: 'breaker', text: `breaker ${st}` }));
    }
  }
  items.push(counter('queued', (w.waiting_messages ?? 0) + sumWhere(w, (k) => k.endsWith('.buffered_rows')) +
    (f.queue_items ?? 0) + sumWhere(r, (k) => k.endsWith('_in_flight'))));
  box.append(...items);
  box.title = JSON.stringify(p, null, 1);
}
