// Metrics: names with unit and type, and a uPlot chart per metric with one
// series per attribute set; histograms as percentiles, summaries by quantile.
import uPlot from 'uplot';
import { columns, nsToMs } from './arrow_data.js';
import { el, clear, parseJSON, anyValueText } from './dom.js';

const COLS = ['metric_name', 'description', 'unit', 'metric_type', 'timestamp_unix_nano', 'value',
  'count', 'sum', 'bucket_counts', 'explicit_bounds', 'quantile_values', 'attributes', 'service_name'];
const MAX_SERIES = 24;
const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1',
  '#ff9da7', '#9c755f', '#bab0ac'];

// The value below which fraction q of a histogram's observations fall,
// interpolated within its bucket.
export function histogramQuantile(q, counts, bounds) {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    if (seen + counts[i] >= rank && counts[i] > 0) {
      const lo = i === 0 ? Math.min(0, bounds[0] ?? 0) : bounds[i - 1];
      const hi = i < bounds.length ? bounds[i] : bounds[bounds.length - 1] ?? lo;
      return lo + (hi - lo) * ((rank - seen) / counts[i]);
    }
    seen += counts[i];
  }
  return bounds[bounds.length - 1] ?? null;
}

export class MetricModel {
  constructor() {
    this.metrics = new Map();
    this.version = 0;
  }

  series(m, key, label) {
    let s = m.series.get(key);
    if (!s) {
      s = { label, points: [] };
      m.series.set(key, s);
    }
    return s;
  }

  addBatch(batch) {
    const c = columns(batch, COLS);
    for (let i = 0; i < batch.numRows; i++) {
      const name = c.metric_name.get(i);
      let m = this.metrics.get(name);
      if (!m) {
        m = { name, unit: c.unit.get(i) ?? '', type: c.metric_type.get(i) ?? '',
          description: c.description.get(i) ?? '', series: new Map(), points: 0 };
        this.metrics.set(name, m);
      }
      m.points++;
      const t = nsToMs(c.timestamp_unix_nano.get(i)) / 1000;
      const attrs = parseJSON(c.attributes.get(i) ?? '{}', {});
      const svc = c.service_name.get(i) ?? '';
      const label = [svc, ...Object.entries(attrs).map(([k, v]) => `${k}=${anyValueText(v)}`)]
        .filter(Boolean).join(' ') || name;
      if (m.type === 'gauge' || m.type === 'sum') {
        this.series(m, label, label).points.push([t, c.value.get(i)]);
      } else if (m.type === 'histogram') {
        const counts = parseJSON(c.bucket_counts.get(i) ?? '[]', []).map(Number);
        const bounds = parseJSON(c.explicit_bounds.get(i) ?? '[]', []).map(Number);
        for (const q of [0.5, 0.9, 0.99]) {
          const k = `${label} p${q * 100}`;
          this.series(m, k, k).points.push([t, histogramQuantile(q, counts, bounds)]);
        }
      } else if (m.type === 'summary') {
        for (const qv of parseJSON(c.quantile_values.get(i) ?? '[]', [])) {
          const k = `${label} q${qv.quantile}`;
          this.series(m, k, k).points.push([t, Number(qv.value)]);
        }
      } else {
        const count = Number(c.count.get(i) ?? 0);
        const k = `${label} mean`;
        this.series(m, k, k).points.push([t, count ? Number(c.sum.get(i) ?? 0) / count : null]);
      }
    }
    this.version++;
  }
}

// uPlot's aligned form: one x array and a y array per series.
function aligned(m) {
  const series = [...m.series.values()].slice(0, MAX_SERIES);
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const ys = series.map((s) => {
    const y = new Array(xs.length).fill(null);
    for (const [x, v] of s.points) y[index.get(x)] = v;
    return y;
  });
  return { series, data: [xs, ...ys] };
}

export class MetricView {
  constructor(model, container, onSelect) {
    this.model = model;
    this.onSelect = onSelect;
    this.nav = el('div', { class: 'metric-list', id: 'metric-list' });
    this.chartBox = el('div', { class: 'metric-chart', id: 'metric-chart' });
    this.empty = el('div', { class: 'empty' });
    container.append(this.empty, el('div', { class: 'metric-body' }, this.nav, this.chartBox));
    this.selected = '';
    this.plot = null;
  }

  select(name) {
    this.selected = name;
    this.refresh(true);
  }

  refresh(force = false) {
    const names = [...this.model.metrics.keys()].sort();
    this.empty.textContent = names.length ? '' : 'No metrics yet. Send OTLP metrics to otlpd and they appear here.';
    clear(this.nav);
    for (const n of names) {
      const m = this.model.metrics.get(n);
      this.nav.append(el('a', { href: `#/metrics/${encodeURIComponent(n)}`, class: n === this.selected ? 'sel' : '', 'data-metric': n },
        el('span', { class: 'name', text: n }), el('span', { class: 'muted', text: ` ${m.type}${m.unit ? ` · ${m.unit}` : ''}` })));
    }
    if (!this.selected && names.length) this.selected = names[0];
    const m = this.model.metrics.get(this.selected);
    if (!m) return;
    const { series, data } = aligned(m);
    if (this.plot && !force && this.plot.series.length === series.length + 1) {
      this.plot.setData(data);
      return;
    }
    if (this.plot) this.plot.destroy();
    clear(this.chartBox);
    this.chartBox.append(el('h3', { text: m.name }),
      el('p', { class: 'muted', text: `${m.type}${m.unit ? `, unit ${m.unit}` : ''} · ${m.points} points${m.description ? ` · ${m.description}` : ''}` }));
    const width = Math.max(400, (this.chartBox.clientWidth || 800) - 20);
    this.plot = new uPlot({
      width, height: 320,
      series: [{}, ...series.map((s, i) => ({ label: s.label, stroke: PALETTE[i % PALETTE.length], spanGaps: true,
        points: { show: true, size: 5 } }))],
      // One point in time alone would stretch the axis over years.
      scales: { x: { time: true, range: (u, lo, hi) => {
        const xs = u.data[0];
        const a = xs.length ? xs[0] : lo;
        const b = xs.length ? xs[xs.length - 1] : hi;
        return a === b ? [a - 60, b + 60] : [a, b];
      } } },
      axes: [{}, { label: m.unit || '' }],
    }, data, this.chartBox);
  }
}
