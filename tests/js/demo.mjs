// A demo stream for the dashboard: a few services sending nested spans
// (some with errors), every metric kind and logs linked to their traces,
// continuously, with the pinned OpenTelemetry JS SDK over OTLP/HTTP.
//
//   node tests/js/demo.mjs [--endpoint http://127.0.0.1:4318] [--seconds N]
import { parseArgs } from 'node:util';
import { SpanKind, SpanStatusCode, trace, context } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { TracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace';
import { MeterProvider, PeriodicExportingMetricReader, AggregationType } from '@opentelemetry/sdk-metrics';
import { LoggerProvider, BatchLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';

const { values: args } = parseArgs({
  options: { endpoint: { type: 'string', default: 'http://127.0.0.1:4318' }, seconds: { type: 'string', default: '0' } },
});
const services = ['frontend', 'checkout', 'payments'];
const routes = ['/', '/cart', '/checkout', '/api/products', '/api/pay'];
const rnd = (a, b) => a + Math.random() * (b - a);
const pick = (xs) => xs[Math.floor(Math.random() * xs.length)];

function pipeline(name) {
  const resource = resourceFromAttributes({ 'service.name': name, 'service.version': '1.0.0', 'deployment.environment': 'demo' });
  const tracing = new TracerProvider({ resource, spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${args.endpoint}/v1/traces` }), scheduledDelayMillis: 500 })] });
  const metering = new MeterProvider({ resource, readers: [new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: `${args.endpoint}/v1/metrics` }), exportIntervalMillis: 2000 })],
    views: [{ instrumentName: 'demo.payload.size', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }] });
  const logging = new LoggerProvider({ resource, processors: [new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${args.endpoint}/v1/logs` }), scheduledDelayMillis: 500 })] });
  const meter = metering.getMeter('demo');
  let inflight = 0;
  const m = {
    requests: meter.createCounter('demo.requests', { unit: '{request}', description: 'requests served' }),
    inflight: meter.createUpDownCounter('demo.inflight', { unit: '{request}' }),
    latency: meter.createHistogram('demo.latency', { unit: 'ms', description: 'request latency' }),
    size: meter.createHistogram('demo.payload.size', { unit: 'By' }),
    cpu: meter.createGauge('demo.cpu.utilization', { unit: '1' }),
  };
  meter.createObservableGauge('demo.queue.depth').addCallback((r) => r.observe(Math.round(rnd(0, 40)), { queue: 'orders' }));
  return { name, tracer: tracing.getTracer('demo', '1.0.0'), logger: logging.getLogger('demo'), m, tracing, metering, logging,
    get inflight() { return inflight; }, set inflight(v) { inflight = v; } };
}

const ps = services.map(pipeline);

// One request in 13 fails, the first among them: errors show from the
// first second on, not only when chance allows.
let requests = 0;

function request() {
  const p = pick(ps);
  const route = pick(routes);
  const t0 = Date.now();
  const total = rnd(20, route === '/api/pay' ? 900 : 300);
  const failed = requests++ % 13 === 0;
  const root = p.tracer.startSpan(`GET ${route}`, { kind: SpanKind.SERVER, startTime: t0,
    attributes: { 'http.request.method': 'GET', 'url.path': route, 'http.response.status_code': failed ? 500 : 200 } });
  const ctx = trace.setSpan(context.active(), root);
  let t = t0 + rnd(1, 5);
  for (const step of ['auth', 'load', 'render']) {
    const d = rnd(2, total / 4);
    const s = p.tracer.startSpan(step, { kind: SpanKind.INTERNAL, startTime: t }, ctx);
    if (step === 'load') {
      const db = p.tracer.startSpan('SELECT products', { kind: SpanKind.CLIENT, startTime: t + 1,
        attributes: { 'db.system': 'postgresql', 'db.statement': 'SELECT * FROM products WHERE id = $1' } }, trace.setSpan(ctx, s));
      db.addEvent('rows', { 'db.rows': Math.round(rnd(1, 100)) }, t + d / 2);
      if (failed) db.setStatus({ code: SpanStatusCode.ERROR, message: 'connection reset' });
      db.end(t + d - 1);
    }
    s.end(t + d);
    t += d;
  }
  if (failed) root.setStatus({ code: SpanStatusCode.ERROR, message: 'internal error' });
  root.end(t0 + total);
  const attrs = { 'http.route': route };
  p.m.requests.add(1, attrs);
  p.m.latency.record(total, attrs);
  p.m.size.record(rnd(100, 50000));
  p.m.cpu.record(rnd(0.05, 0.9));
  p.m.inflight.add(Math.random() < 0.5 ? 1 : -1);
  p.logger.emit({ severityNumber: failed ? SeverityNumber.ERROR : SeverityNumber.INFO, severityText: failed ? 'ERROR' : 'INFO',
    body: failed ? `request to ${route} failed: internal error` : `served ${route} in ${total.toFixed(0)} ms`,
    attributes: attrs, context: ctx });
}

const timer = setInterval(() => { for (let i = 0; i < 3; i++) request(); }, 200);
const stop = async () => {
  clearInterval(timer);
  await Promise.all(ps.flatMap((p) => [p.tracing.shutdown(), p.metering.shutdown(), p.logging.shutdown()]));
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
if (Number(args.seconds) > 0) setTimeout(stop, Number(args.seconds) * 1000);
console.log(`demo: sending to ${args.endpoint} (${services.join(', ')}); Ctrl-C to stop`);
