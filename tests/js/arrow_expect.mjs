// What the writer must store for a decoded OTLP request, written from
// docs/arrow-schema.md without looking at the C code: one expected row per
// span / data point / log record, values as arrow_read.mjs's plainRow()
// gives them (64-bit integers as decimal strings, binary as hex) and JSON
// columns already parsed. Requests come from protobufjs's toObject() with
// { longs: String, oneofs: true, defaults: true } and snake_case names.

const hex = (b) => Buffer.from(b ?? []).toString('hex');
const b64 = (b) => Buffer.from(b ?? []).toString('base64');
const len = (b) => (b ? b.length : 0);
const allZero = (b) => !b || b.every((x) => x === 0);

function nonFinite(d) {
  return Number.isNaN(d) ? 'NaN' : d > 0 ? 'Infinity' : '-Infinity';
}

// A double where the place says it is one: non-finite ones as names.
const dbl = (d) => (Number.isFinite(d) ? d : nonFinite(d));

export function anyValue(v) {
  if (!v || !v.value) return null;
  switch (v.value) {
    case 'string_value': return v.string_value;
    case 'bool_value': return v.bool_value;
    case 'int_value': return { int: v.int_value };
    case 'double_value':
      return Number.isFinite(v.double_value) ? v.double_value : { double: nonFinite(v.double_value) };
    case 'bytes_value': return { bytes: b64(v.bytes_value) };
    case 'array_value': return (v.array_value?.values ?? []).map(anyValue);
    case 'kvlist_value': return { kvlist: attributes(v.kvlist_value?.values) };
    case 'string_value_strindex': return { string_index: v.string_value_strindex };
    default: throw new Error(`unknown AnyValue case ${v.value}`);
  }
}

export function attributes(list) {
  const out = {};
  for (const kv of list ?? []) out[kv.key] = anyValue(kv.value);
  return out;
}

function serviceName(resource) {
  for (const kv of resource?.attributes ?? []) {
    if (kv.key === 'service.name' && kv.value?.value === 'string_value') return kv.value.string_value;
  }
  return null;
}

function common(resource, resourceSchemaUrl, scope, scopeSchemaUrl) {
  return {
    service_name: serviceName(resource),
    resource_attributes: attributes(resource?.attributes),
    scope_name: scope?.name ?? '',
    scope_version: scope?.version ?? '',
    resource_dropped_attributes_count: resource?.dropped_attributes_count ?? 0,
    resource_schema_url: resourceSchemaUrl ?? '',
    resource_entity_refs: (resource?.entity_refs ?? []).map((r) => ({
      schema_url: r.schema_url, type: r.type, id_keys: r.id_keys, description_keys: r.description_keys,
    })),
    scope_attributes: attributes(scope?.attributes),
    scope_dropped_attributes_count: scope?.dropped_attributes_count ?? 0,
    scope_schema_url: scopeSchemaUrl ?? '',
  };
}

// The validator's item rules (common/otlp_validate.h).
const idOk = (b, want, optional) =>
  (optional && len(b) === 0) || (len(b) === want && (optional || !allZero(b)));

function spanOk(s) {
  return idOk(s.trace_id, 16, false) && idOk(s.span_id, 8, false) &&
    idOk(s.parent_span_id, 8, true) &&
    s.links.every((l) => idOk(l.trace_id, 16, false) && idOk(l.span_id, 8, false));
}

export function traceRows(req) {
  const rows = [];
  let rejected = 0;
  for (const rs of req.resource_spans) {
    for (const ss of rs.scope_spans) {
      const shared = common(rs.resource, rs.schema_url, ss.scope, ss.schema_url);
      for (const s of ss.spans) {
        if (!spanOk(s)) {
          rejected++;
          continue;
        }
        rows.push({
          trace_id: hex(s.trace_id),
          span_id: hex(s.span_id),
          parent_span_id: len(s.parent_span_id) ? hex(s.parent_span_id) : null,
          trace_state: s.trace_state,
          flags: s.flags,
          name: s.name,
          kind: s.kind,
          start_time_unix_nano: s.start_time_unix_nano,
          end_time_unix_nano: s.end_time_unix_nano,
          status_code: s.status?.code ?? 0,
          status_message: s.status?.message ?? '',
          attributes: attributes(s.attributes),
          events: s.events.map((e) => ({
            time_unix_nano: e.time_unix_nano, name: e.name, attributes: attributes(e.attributes),
            dropped_attributes_count: e.dropped_attributes_count,
          })),
          links: s.links.map((l) => ({
            trace_id: hex(l.trace_id), span_id: hex(l.span_id), trace_state: l.trace_state,
            flags: l.flags, attributes: attributes(l.attributes),
            dropped_attributes_count: l.dropped_attributes_count,
          })),
          dropped_attributes_count: s.dropped_attributes_count,
          dropped_events_count: s.dropped_events_count,
          dropped_links_count: s.dropped_links_count,
          ...shared,
        });
      }
    }
  }
  return { rows, rejected };
}

function exemplars(list) {
  return (list ?? []).map((e) => {
    const out = { time_unix_nano: e.time_unix_nano };
    if (e.value === 'as_double') out.value = dbl(e.as_double);
    if (e.value === 'as_int') out.value_int = e.as_int;
    out.span_id = hex(e.span_id);
    out.trace_id = hex(e.trace_id);
    out.filtered_attributes = attributes(e.filtered_attributes);
    return out;
  });
}

const NO_KIND_FIELDS = {
  value: null, value_int: null, aggregation_temporality: null, is_monotonic: null, count: null,
  sum: null, min: null, max: null, bucket_counts: null, explicit_bounds: null, scale: null,
  zero_count: null, zero_threshold: null, positive_offset: null, positive_bucket_counts: null,
  negative_offset: null, negative_bucket_counts: null, quantile_values: null,
};

function numberFields(p) {
  if (p.value === 'as_double') return { value: p.as_double };
  if (p.value === 'as_int') return { value: Number(BigInt(p.as_int)), value_int: p.as_int };
  return {};
}

const opt = (p, name) => (p[`_${name}`] === name ? p[name] : null);

function pointFields(metric, p) {
  switch (metric.data) {
    case 'gauge':
      return numberFields(p);
    case 'sum':
      return { ...numberFields(p), aggregation_temporality: metric.sum.aggregation_temporality,
        is_monotonic: metric.sum.is_monotonic };
    case 'histogram':
      return { aggregation_temporality: metric.histogram.aggregation_temporality, count: p.count,
        sum: opt(p, 'sum'), min: opt(p, 'min'), max: opt(p, 'max'),
        bucket_counts: p.bucket_counts, explicit_bounds: p.explicit_bounds.map(dbl) };
    case 'exponential_histogram': {
      const buckets = (b) => (b ? [b.offset, b.bucket_counts] : [null, null]);
      const [po, pc] = buckets(p.positive);
      const [no, nc] = buckets(p.negative);
      return { aggregation_temporality: metric.exponential_histogram.aggregation_temporality,
        count: p.count, sum: opt(p, 'sum'), min: opt(p, 'min'), max: opt(p, 'max'),
        scale: p.scale, zero_count: p.zero_count, zero_threshold: p.zero_threshold,
        positive_offset: po, positive_bucket_counts: pc, negative_offset: no, negative_bucket_counts: nc };
    }
    case 'summary':
      return { count: p.count, sum: p.sum,
        quantile_values: p.quantile_values.map((q) => ({ quantile: dbl(q.quantile), value: dbl(q.value) })) };
    default:
      throw new Error(`unknown metric kind ${metric.data}`);
  }
}

function pointOk(metric, p) {
  if (!metric.name) return false;
  if (metric.data === 'histogram' && p.bucket_counts.length !== 0 &&
      p.bucket_counts.length !== p.explicit_bounds.length + 1) return false;
  return (p.exemplars ?? []).every((e) => idOk(e.trace_id, 16, true) && idOk(e.span_id, 8, true));
}

export function metricRows(req) {
  const rows = [];
  let rejected = 0;
  for (const rm of req.resource_metrics) {
    for (const sm of rm.scope_metrics) {
      const shared = common(rm.resource, rm.schema_url, sm.scope, sm.schema_url);
      for (const m of sm.metrics) {
        if (!m.data) {
          rejected++;
          continue;
        }
        for (const p of m[m.data].data_points) {
          if (!pointOk(m, p)) {
            rejected++;
            continue;
          }
          rows.push({
            metric_name: m.name,
            description: m.description,
            unit: m.unit,
            metric_type: m.data,
            timestamp_unix_nano: p.time_unix_nano,
            start_time_unix_nano: p.start_time_unix_nano,
            ...NO_KIND_FIELDS,
            ...pointFields(m, p),
            exemplars: exemplars(p.exemplars),
            flags: p.flags,
            attributes: attributes(p.attributes),
            metric_metadata: attributes(m.metadata),
            ...shared,
          });
        }
      }
    }
  }
  return { rows, rejected };
}

function bodyType(b) {
  if (!b) return null;
  if (!b.value) return 'empty';
  return { string_value: 'string', bool_value: 'bool', int_value: 'int', double_value: 'double',
    bytes_value: 'bytes', array_value: 'array', kvlist_value: 'kvlist',
    string_value_strindex: 'string_index' }[b.value];
}

export function logRows(req) {
  const rows = [];
  let rejected = 0;
  for (const rl of req.resource_logs) {
    for (const sl of rl.scope_logs) {
      const shared = common(rl.resource, rl.schema_url, sl.scope, sl.schema_url);
      for (const r of sl.log_records) {
        if (!idOk(r.trace_id, 16, true) || !idOk(r.span_id, 8, true)) {
          rejected++;
          continue;
        }
        const type = bodyType(r.body);
        rows.push({
          time_unix_nano: r.time_unix_nano,
          observed_time_unix_nano: r.observed_time_unix_nano,
          severity_number: r.severity_number,
          severity_text: r.severity_text,
          // A string body is stored as it is; others as their AnyValue JSON.
          body: type === null ? null : type === 'string' ? r.body.string_value : anyValue(r.body),
          body_type: type,
          attributes: attributes(r.attributes),
          trace_id: len(r.trace_id) ? hex(r.trace_id) : null,
          span_id: len(r.span_id) ? hex(r.span_id) : null,
          flags: r.flags,
          event_name: r.event_name,
          dropped_attributes_count: r.dropped_attributes_count,
          ...shared,
        });
      }
    }
  }
  return { rows, rejected };
}
