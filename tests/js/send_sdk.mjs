// Sends known traces, metrics and logs to otlpd with the OpenTelemetry JS
// SDK's own OTLP exporters, as a real application would, and writes what was
// sent (ids, names, attributes, values) as JSON for the checks to compare.
//
//   node send_sdk.mjs --protocol http/protobuf|http/json|grpc --endpoint URL --out FILE [--tag T]
//
// Exits non-zero unless every export was answered with success.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SpanKind, SpanStatusCode, trace, context } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { TracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { MeterProvider, MetricReader, AggregationType } from '@opentelemetry/sdk-metrics';
import { LoggerProvider, InMemoryLogRecordExporter, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import * as traceProto from '@opentelemetry/exporter-trace-otlp-proto';
import * as traceJson from '@opentelemetry/exporter-trace-otlp-http';
import * as traceGrpc from '@opentelemetry/exporter-trace-otlp-grpc';
import * as metricsProto from '@opentelemetry/exporter-metrics-otlp-proto';
import * as metricsJson from '@opentelemetry/exporter-metrics-otlp-http';
import * as metricsGrpc from '@opentelemetry/exporter-metrics-otlp-grpc';
import * as logsProto from '@opentelemetry/exporter-logs-otlp-proto';
import * as logsJson from '@opentelemetry/exporter-logs-otlp-http';
import * as logsGrpc from '@opentelemetry/exporter-logs-otlp-grpc';

const { values: args } = parseArgs({
  options: {
    protocol: { type: 'string' },
    endpoint: { type: 'string' },
    out: { type: 'string' },
    tag: { type: 'string', default: 'e2e' },
  },
});
const modules = {
  'http/protobuf': [traceProto, metricsProto, logsProto],
  'http/json': [traceJson, metricsJson, logsJson],
  grpc: [traceGrpc, metricsGrpc, logsGrpc],
};
if (!modules[args.protocol] || !args.endpoint || !args.out) {
  console.error('usage: send_sdk.mjs --protocol http/protobuf|http/json|grpc --endpoint URL --out FILE');
  process.exit(2);
}
const [T, M, L] = modules[args.protocol];
const grpc = args.protocol === 'grpc';
const url = (path) => (grpc ? args.endpoint : `${args.endpoint}${path}`);
const tag = args.tag;
const service = `sdk-${tag}`;
const resource = resourceFromAttributes({
  'service.name': service,
  'service.version': '1.4.2',
  'deployment.environment': 'test',
  'host.cores': 2,
});

// Every AnyValue kind an SDK can produce.
const spanAttributes = {
  'http.request.method': 'GET',
  'http.response.status_code': 503,
  'e2e.ratio': 0.25,
  'e2e.flag': true,
  'e2e.big': 9007199254740991,
  'e2e.tags': ['a', 'b', 'ünïcode ✓'],
  'e2e.ints': [1, 2, 3],
  'e2e.tag': tag,
};

function exportOnce(exporter, data) {
  return new Promise((resolve, reject) => {
    exporter.export(data, (result) => {
      if (result.code === 0) resolve();
      else reject(result.error ?? new Error(`export failed with code ${result.code}`));
    });
  });
}

async function sendTraces() {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] });
  const tracer = provider.getTracer(`scope-${tag}`, '2.0.1');
  const t0 = Date.now() - 1000;
  const root = tracer.startSpan(`GET /checkout ${tag}`, { kind: SpanKind.SERVER, attributes: spanAttributes, startTime: t0 });
  const rootCtx = trace.setSpan(context.active(), root);
  const client = tracer.startSpan('SELECT orders', { kind: SpanKind.CLIENT, startTime: t0 + 10, links: [{ context: root.spanContext(), attributes: { 'link.kind': 'same-trace' } }] }, rootCtx);
  client.addEvent('query.start', { 'db.rows': 42, 'db.cached': false }, t0 + 11);
  client.setStatus({ code: SpanStatusCode.ERROR, message: 'deadline exceeded' });
  client.end(t0 + 250);
  const internal = tracer.startSpan('render', { kind: SpanKind.INTERNAL, startTime: t0 + 260 }, rootCtx);
  internal.end(t0 + 300);
  root.setStatus({ code: SpanStatusCode.OK });
  root.end(t0 + 400);
  await provider.forceFlush();
  const spans = memory.getFinishedSpans();
  await exportOnce(new T.OTLPTraceExporter({ url: url('/v1/traces') }), spans);
  return spans.map((s) => ({
    trace_id: s.spanContext().traceId,
    span_id: s.spanContext().spanId,
    parent_span_id: s.parentSpanContext?.spanId ?? null,
    name: s.name,
    kind: s.kind + 1, // the API's enum starts at INTERNAL = 0, OTLP's at INTERNAL = 1
    status_code: s.status.code,
    status_message: s.status.message ?? '',
    start_time_unix_nano: (BigInt(s.startTime[0]) * 1000000000n + BigInt(s.startTime[1])).toString(),
    end_time_unix_nano: (BigInt(s.endTime[0]) * 1000000000n + BigInt(s.endTime[1])).toString(),
    attributes: s.attributes,
    events: s.events.map((e) => ({ name: e.name, attributes: e.attributes })),
    links: s.links.map((l) => ({ trace_id: l.context.traceId, span_id: l.context.spanId, attributes: l.attributes })),
    service_name: service,
    scope_name: `scope-${tag}`,
    scope_version: '2.0.1',
  }));
}

class CollectOnce extends MetricReader {
  async onForceFlush() {}
  async onShutdown() {}
}

async function sendMetrics() {
  const reader = new CollectOnce();
  const provider = new MeterProvider({
    resource,
    readers: [reader],
    views: [{ instrumentName: `e2e.exp.${tag}`, aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
  });
  const meter = provider.getMeter(`meter-${tag}`, '3.0.0');
  const attrs = { 'e2e.route': '/checkout', 'e2e.tag': tag };
  meter.createCounter(`e2e.requests.${tag}`, { unit: '{request}', description: 'requests served' }).add(7, attrs);
  meter.createUpDownCounter(`e2e.inflight.${tag}`).add(-3, attrs);
  meter.createGauge(`e2e.temperature.${tag}`, { unit: 'Cel' }).record(21.5, attrs);
  const h = meter.createHistogram(`e2e.latency.${tag}`, { unit: 'ms' });
  for (const v of [3, 7, 12, 120, 480]) h.record(v, attrs);
  const e = meter.createHistogram(`e2e.exp.${tag}`, { unit: 'ms' });
  for (const v of [1, 2, 4, 8, 16]) e.record(v, attrs);
  const { resourceMetrics, errors } = await reader.collect();
  if (errors.length) throw errors[0];
  await exportOnce(new M.OTLPMetricExporter({ url: url('/v1/metrics') }), resourceMetrics);
  return resourceMetrics.scopeMetrics.flatMap((sm) =>
    sm.metrics.map((m) => ({
      metric_name: m.descriptor.name,
      unit: m.descriptor.unit,
      description: m.descriptor.description,
      data_point_type: m.dataPointType,
      points: m.dataPoints.map((p) => ({ value: p.value, attributes: p.attributes })),
    })),
  );
}

async function sendLogs(traceContext) {
  const memory = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter: memory })] });
  const logger = provider.getLogger(`logger-${tag}`, '4.0.0');
  logger.emit({ severityNumber: SeverityNumber.WARN, severityText: 'WARN', body: `disk almost full ${tag}`, attributes: { 'disk.free': 1024, 'e2e.tag': tag } });
  logger.emit({
    severityNumber: SeverityNumber.ERROR,
    severityText: 'ERROR',
    body: { event: 'payment.failed', amount: 12.5, retries: 3 },
    attributes: { 'e2e.tag': tag },
    context: trace.setSpanContext(context.active(), traceContext),
  });
  await provider.forceFlush();
  const records = memory.getFinishedLogRecords();
  await exportOnce(new L.OTLPLogExporter({ url: url('/v1/logs') }), records);
  return records.map((r) => ({
    severity_number: r.severityNumber,
    severity_text: r.severityText,
    body: r.body,
    attributes: r.attributes,
    trace_id: r.spanContext?.traceId ?? null,
    span_id: r.spanContext?.spanId ?? null,
    service_name: service,
    scope_name: `logger-${tag}`,
  }));
}

const sent = { protocol: args.protocol, tag };
sent.spans = await sendTraces();
sent.metrics = await sendMetrics();
const rootSpan = sent.spans.find((s) => s.parent_span_id === null);
sent.logs = await sendLogs({ traceId: rootSpan.trace_id, spanId: rootSpan.span_id, traceFlags: 1 });
writeFileSync(args.out, JSON.stringify(sent, null, 2));
console.log(`sent ${sent.spans.length} spans, ${sent.metrics.length} metrics, ${sent.logs.length} logs over ${args.protocol}`);
process.exit(0);
