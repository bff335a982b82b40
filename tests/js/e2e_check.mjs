// Compares what send_sdk.mjs sent with what otlpd wrote, field by field, by
// reading otlpd's Arrow files with apache-arrow.
//
//   node e2e_check.mjs DATA_DIR SENT.json [SENT2.json ...]
//
// Exits 1 with the first difference found.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readArrowsFiles } from './arrow_read.mjs';

const [dataDir, ...sentFiles] = process.argv.slice(2);
const files = await readArrowsFiles(join(dataDir, 'otlp'));
const rows = { traces: [], metrics: [], logs: [] };
for (const f of files) rows[f.signal].push(...f.rows);

let checks = 0;
function fail(msg) {
  console.error(`FAIL: ${msg}`);
  process.exit(1);
}
function eq(what, got, want) {
  checks++;
  const g = JSON.stringify(got);
  const w = JSON.stringify(want);
  if (g !== w) fail(`${what}: got ${g}, want ${w}`);
}

// readArrowsFiles gives binary as lower-case hex and 64-bit integers as
// decimal strings.
const hex = (v) => v ?? null;

// The writer's attribute JSON keeps types exact (docs/arrow-schema.md): ints
// as {"int":"n"}; the SDK hands integers and doubles as JS numbers, so a
// JS integer may have been sent as either kind.
function plainAnyValue(v) {
  if (Array.isArray(v)) return v.map(plainAnyValue);
  if (v && typeof v === 'object') {
    if ('int' in v) return Number(v.int);
    if ('double' in v) return Number(v.double);
    if ('kvlist' in v) return plainAttributes(v.kvlist);
  }
  return v;
}
function plainAttributes(obj) {
  const out = {};
  for (const [k, v] of Object.entries(obj ?? {})) out[k] = plainAnyValue(v);
  return out;
}
const parse = (text) => (typeof text === 'string' ? JSON.parse(text) : text);

function checkSpans(sent) {
  for (const s of sent.spans) {
    const r = rows.traces.find((row) => hex(row.span_id) === s.span_id);
    if (!r) fail(`span ${s.name} (${s.span_id}) is not in the files`);
    eq(`${s.name}.trace_id`, hex(r.trace_id), s.trace_id);
    eq(`${s.name}.parent_span_id`, hex(r.parent_span_id), s.parent_span_id);
    for (const k of ['name', 'kind', 'status_code', 'status_message', 'service_name', 'scope_name', 'scope_version'])
      eq(`${s.name}.${k}`, r[k], s[k]);
    eq(`${s.name}.start_time_unix_nano`, String(r.start_time_unix_nano), s.start_time_unix_nano);
    eq(`${s.name}.end_time_unix_nano`, String(r.end_time_unix_nano), s.end_time_unix_nano);
    eq(`${s.name}.attributes`, plainAttributes(parse(r.attributes)), s.attributes);
    const events = parse(r.events).map((e) => ({ name: e.name, attributes: plainAttributes(e.attributes) }));
    eq(`${s.name}.events`, events, s.events);
    const links = parse(r.links).map((l) => ({ trace_id: l.trace_id, span_id: l.span_id, attributes: plainAttributes(l.attributes) }));
    eq(`${s.name}.links`, links, s.links);
    const res = plainAttributes(parse(r.resource_attributes));
    eq(`${s.name}.resource service.version`, res['service.version'], '1.4.2');
    eq(`${s.name}.resource host.cores`, res['host.cores'], 2);
  }
}

function checkMetrics(sent) {
  for (const m of sent.metrics) {
    const got = rows.metrics.filter((row) => row.metric_name === m.metric_name);
    if (got.length !== m.points.length) fail(`metric ${m.metric_name}: ${got.length} rows, sent ${m.points.length} points`);
    const r = got[0];
    const p = m.points[0];
    eq(`${m.metric_name}.unit`, r.unit, m.unit);
    eq(`${m.metric_name}.description`, r.description, m.description);
    eq(`${m.metric_name}.attributes`, plainAttributes(parse(r.attributes)), p.attributes);
    eq(`${m.metric_name}.service_name`, r.service_name, `sdk-${sent.tag}`);
    if (typeof p.value === 'number') {
      eq(`${m.metric_name}.value`, r.value, p.value);
      eq(`${m.metric_name}.metric_type`, r.metric_type, m.data_point_type === 2 ? 'gauge' : 'sum');
    } else if (m.data_point_type === 0) {
      eq(`${m.metric_name}.metric_type`, r.metric_type, 'histogram');
      eq(`${m.metric_name}.count`, Number(r.count), p.value.count);
      eq(`${m.metric_name}.sum`, r.sum, p.value.sum);
      eq(`${m.metric_name}.min`, r.min, p.value.min);
      eq(`${m.metric_name}.max`, r.max, p.value.max);
      eq(`${m.metric_name}.explicit_bounds`, parse(r.explicit_bounds), p.value.buckets.boundaries);
      eq(`${m.metric_name}.bucket_counts`, parse(r.bucket_counts).map(Number), p.value.buckets.counts);
    } else {
      eq(`${m.metric_name}.metric_type`, r.metric_type, 'exponential_histogram');
      eq(`${m.metric_name}.count`, Number(r.count), p.value.count);
      eq(`${m.metric_name}.scale`, r.scale, p.value.scale);
      eq(`${m.metric_name}.zero_count`, Number(r.zero_count), p.value.zeroCount);
      eq(`${m.metric_name}.positive_offset`, r.positive_offset, p.value.positive.offset);
      eq(`${m.metric_name}.positive_bucket_counts`, parse(r.positive_bucket_counts).map(Number), p.value.positive.bucketCounts);
    }
  }
}

function checkLogs(sent) {
  for (const l of sent.logs) {
    const body = typeof l.body === 'string' ? l.body : JSON.stringify(l.body);
    const r = rows.logs.find((row) =>
      row.scope_name === l.scope_name &&
      (typeof l.body === 'string' ? row.body === l.body : row.body_type === 'kvlist'));
    if (!r) fail(`log record "${body}" is not in the files`);
    eq(`log ${body}.severity_number`, r.severity_number, l.severity_number);
    eq(`log ${body}.severity_text`, r.severity_text, l.severity_text);
    eq(`log ${body}.attributes`, plainAttributes(parse(r.attributes)), l.attributes);
    eq(`log ${body}.trace_id`, hex(r.trace_id), l.trace_id);
    eq(`log ${body}.span_id`, hex(r.span_id), l.span_id);
    eq(`log ${body}.service_name`, r.service_name, l.service_name);
    if (typeof l.body !== 'string') eq(`log ${body}.body`, plainAnyValue(parse(r.body)), l.body);
  }
}

for (const path of sentFiles) {
  const sent = JSON.parse(readFileSync(path, 'utf8'));
  checkSpans(sent);
  checkMetrics(sent);
  checkLogs(sent);
  console.log(`ok: ${sent.protocol}: ${sent.spans.length} spans, ${sent.metrics.length} metrics, ${sent.logs.length} log records equal in the Arrow files`);
}
console.log(`${checks} field checks passed; rows: ${rows.traces.length} spans, ${rows.metrics.length} data points, ${rows.logs.length} log records`);
console.log(`ROWS traces=${rows.traces.length} metrics=${rows.metrics.length} logs=${rows.logs.length}`);
