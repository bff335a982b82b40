// Requests that carry every field OTLP has: every AnyValue kind and its
// corners, events, links, all five metric kinds, exemplars, entity refs,
// and items the writer must skip (bad ids). Used by arrow_files.mjs (the
// writer's code alone) and e2e_rich.mjs (through the real otlpd), which
// compare every field of every row with arrow_expect.mjs.
import { join } from 'node:path';

// The three Export*ServiceRequest types, from the .proto files in protoDir.
export function loadTypes(protobuf, protoDir) {
  const root = new protobuf.Root();
  root.resolvePath = (origin, target) => join(protoDir, target);
  root.loadSync(['trace', 'metrics', 'logs'].map(
    (s) => `opentelemetry/proto/collector/${s}/v1/${s === 'trace' ? 'trace' : s}_service.proto`),
  { keepCase: true });
  return {
    traces: root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest'),
    metrics: root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest'),
    logs: root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest'),
  };
}

// Encodes obj (protobufjs object form) as a request of signal.
export function encode(types, signal, obj) {
  const type = types[signal];
  return type.encode(type.fromObject(obj)).finish();
}

// The request a body decodes to, in the form arrow_expect.mjs takes.
export function decodeRequest(types, signal, body) {
  const type = types[signal];
  return type.toObject(type.decode(body), { longs: String, oneofs: true, defaults: true });
}

const bytes = (...b) => Buffer.from(b);
const id = (n, seed) => Buffer.from(Array.from({ length: n }, (_, i) => (seed * 31 + i * 7 + 1) & 0xff));
const kv = (key, value) => ({ key, value });

// Every AnyValue kind, and the corners of each.
export const EVERY_KIND = [
  kv('str', { string_value: 'plain' }),
  kv('str.escapes', { string_value: 'quote " backslash \\ nl \n tab \t cr \r ctl \u0001 del \u007f é 日本 😀 /' }),
  kv('str.empty', { string_value: '' }),
  kv('bool.true', { bool_value: true }),
  kv('bool.false', { bool_value: false }),
  kv('int.max', { int_value: '9223372036854775807' }),
  kv('int.min', { int_value: '-9223372036854775808' }),
  kv('int.zero', { int_value: '0' }),
  kv('double.pi', { double_value: Math.PI }),
  kv('double.tenth', { double_value: 0.1 }),
  kv('double.negzero', { double_value: -0 }),
  kv('double.big', { double_value: 1e300 }),
  kv('double.tiny', { double_value: 5e-324 }),
  kv('double.two', { double_value: 2 }),
  kv('double.2p53', { double_value: 2 ** 53 + 2 }),
  kv('double.nan', { double_value: NaN }),
  kv('double.inf', { double_value: Infinity }),
  kv('double.ninf', { double_value: -Infinity }),
  kv('bytes', { bytes_value: bytes(0, 255, 16, 32, 1) }),
  kv('bytes.empty', { bytes_value: bytes() }),
  kv('array', { array_value: { values: [
    { string_value: 'a' }, { int_value: '1' }, { double_value: 1.5 }, { bool_value: false },
    { array_value: { values: [{ string_value: 'nested' }] } }, {},
  ] } }),
  kv('array.empty', { array_value: { values: [] } }),
  kv('kvlist', { kvlist_value: { values: [
    kv('inner', { kvlist_value: { values: [kv('deep', { int_value: '42' })] } }),
    kv('list', { array_value: { values: [{ bytes_value: Buffer.from('hi') }] } }),
  ] } }),
  kv('kvlist.empty', { kvlist_value: { values: [] } }),
  kv('empty', {}),
  { key: 'no.value' },
  kv('', { string_value: 'empty key' }),
];

const span = (seed, extra) => ({
  trace_id: id(16, seed), span_id: id(8, seed + 1), name: `span ${seed}`, kind: 1,
  start_time_unix_nano: '1767225600000000000', end_time_unix_nano: '1767225600000001000',
  ...extra,
});

export const RICH_TRACES = { resource_spans: [
  {
    resource: {
      attributes: [kv('service.name', { string_value: 'rich-service' }), kv('host.id', { bytes_value: bytes(0, 1, 2, 255) })],
      dropped_attributes_count: 3,
      entity_refs: [{ schema_url: 'https://example.com/s', type: 'service', id_keys: ['service.name'], description_keys: ['host.id'] }],
    },
    schema_url: 'https://opentelemetry.io/schemas/1.30.0',
    scope_spans: [{
      scope: { name: 'rich.scope', version: '9.9', attributes: [kv('scope.attr', { int_value: '-5' })], dropped_attributes_count: 1 },
      schema_url: 'https://scope.example/schema',
      spans: [
        span(1, {
          parent_span_id: id(8, 9), trace_state: 'vendor=1,other=2', flags: 0x301, kind: 5,
          start_time_unix_nano: '18446744073709551615', end_time_unix_nano: '0',
          attributes: EVERY_KIND, dropped_attributes_count: 1,
          events: [
            { time_unix_nano: '1767225600000000500', name: 'event "one"', attributes: EVERY_KIND.slice(0, 5), dropped_attributes_count: 2 },
            { time_unix_nano: '0', name: '' },
          ],
          dropped_events_count: 2,
          links: [
            { trace_id: id(16, 20), span_id: id(8, 21), trace_state: 'k=v', flags: 0x301,
              attributes: [kv('link.attr', { double_value: 2.5 })], dropped_attributes_count: 2 },
            { trace_id: id(16, 22), span_id: id(8, 23) },
          ],
          dropped_links_count: 3,
          status: { code: 2, message: 'boom "quoted"' },
        }),
        span(2, { status: { code: 1 } }),
        span(3, { trace_id: id(3, 3) }),
        span(4, { span_id: Buffer.alloc(8) }),
        span(5, { parent_span_id: id(4, 5) }),
        span(6, { links: [{ trace_id: id(15, 6), span_id: id(8, 7) }] }),
      ],
    }],
  },
  { scope_spans: [{ spans: [span(7, { kind: 0 })] }] },
] };

const gaugePoint = (extra) => ({
  time_unix_nano: '1767225601000000000', start_time_unix_nano: '1767225600000000000', ...extra,
});

export const RICH_METRICS = { resource_metrics: [{
  resource: { attributes: [kv('service.name', { string_value: 'rich-metrics' })] },
  schema_url: 'https://opentelemetry.io/schemas/1.30.0',
  scope_metrics: [{
    scope: { name: 'rich.meter', version: '1' },
    metrics: [
      { name: 'g.int', description: 'd', unit: 'By', metadata: [kv('meta', { string_value: 'data' })], gauge: { data_points: [
        gaugePoint({ as_int: '-9223372036854775808', attributes: EVERY_KIND.slice(5, 8), exemplars: [
          { time_unix_nano: '5', as_int: '7', span_id: id(8, 30), trace_id: id(16, 31), filtered_attributes: [kv('f', { string_value: 'x' })] },
          { time_unix_nano: '6', as_double: NaN },
          { time_unix_nano: '7' },
        ] }),
        gaugePoint({ as_double: 1.25 }),
        gaugePoint({ flags: 1 }),
        gaugePoint({ as_int: '9007199254740993' }),
        gaugePoint({ as_int: '1', exemplars: [{ span_id: id(7, 1) }] }),
      ] } },
      { name: 's.double', sum: { aggregation_temporality: 1, is_monotonic: false, data_points: [
        gaugePoint({ as_double: -Infinity }), gaugePoint({ as_double: 0.1 }),
      ] } },
      { name: 'h', histogram: { aggregation_temporality: 2, data_points: [
        gaugePoint({ count: '18446744073709551615', bucket_counts: ['18446744073709551615', '0'], explicit_bounds: [1e-9] }),
        gaugePoint({ count: '3', sum: 4.5, min: -1, max: Infinity }),
        gaugePoint({ count: '1', bucket_counts: ['1', '2', '3'], explicit_bounds: [1] }),
      ] } },
      { name: 'eh', exponential_histogram: { aggregation_temporality: 1, data_points: [
        gaugePoint({ count: '9', sum: 12.5, min: 0.5, max: 8, scale: -3, zero_count: '1', zero_threshold: 1e-6,
          positive: { offset: -2, bucket_counts: ['1', '0', '7'] } }),
        gaugePoint({ count: '0', negative: { offset: 5, bucket_counts: [] } }),
      ] } },
      { name: 'sm', summary: { data_points: [
        gaugePoint({ count: '4', sum: 10, quantile_values: [{ quantile: 0, value: 0.5 }, { quantile: 1, value: NaN }] }),
        gaugePoint({}),
      ] } },
      { name: '', gauge: { data_points: [gaugePoint({ as_int: '1' }), gaugePoint({ as_int: '2' })] } },
      { name: 'no.data' },
      { name: 'no.points', sum: { data_points: [] } },
    ],
  }],
}] };

const record = (extra) => ({
  time_unix_nano: '1767225600000000000', observed_time_unix_nano: '1767225600000000001',
  severity_number: 9, severity_text: 'INFO', ...extra,
});

export const RICH_LOGS = { resource_logs: [{
  resource: { attributes: [kv('service.name', { int_value: '5' })] },
  scope_logs: [{
    scope: { name: 'rich.logger' },
    schema_url: 'https://scope.example/logs',
    log_records: [
      ...EVERY_KIND.map((a) => record({ body: a.value ?? null, attributes: [a] })),
      record({ event_name: 'rich.event', dropped_attributes_count: 4, flags: 1, trace_id: id(16, 40), span_id: id(8, 41),
        severity_number: 24, severity_text: '', body: { string_value: 'line\nbreak' } }),
      record({ span_id: id(8, 42) }),
      record({ trace_id: id(8, 43) }),
    ],
  }],
}] };

