// Through the real otlpd: requests with every field OTLP has
// (rich_fixtures.mjs) and the bench bodies, as sent over OTLP/HTTP, must
// come out of the Arrow files field for field (arrow_expect.mjs).
//
//   node e2e_rich.mjs send URL PROTO_DIR
//       posts the rich requests as protobuf; each must be answered 200 with
//       the partial_success the skipped items call for
//   node e2e_rich.mjs check DATA_DIR PROTO_DIR BENCH_DIR SENT
//       after otlpd stopped: every file is well formed and ended; the rows
//       of the rich requests, and of each post of a bench body (SENT:
//       "traces:3 metrics:2 logs:2", how often each was posted, as
//       protobuf, gzip or JSON), equal what the request says
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { logRows, metricRows, traceRows } from './arrow_expect.mjs';
import { checkFile, parsedRow, readArrowsFiles } from './arrow_read.mjs';
import { RICH_LOGS, RICH_METRICS, RICH_TRACES, decodeRequest, encode, loadTypes } from './rich_fixtures.mjs';

const protobuf = (await import('protobufjs')).default;
const [cmd, ...args] = process.argv.slice(2);
const RICH = { traces: RICH_TRACES, metrics: RICH_METRICS, logs: RICH_LOGS };
const BUILD = { traces: traceRows, metrics: metricRows, logs: logRows };
const REJECTED = { traces: 'rejected_spans', metrics: 'rejected_data_points', logs: 'rejected_log_records' };
const RESPONSE = {
  traces: 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse',
  metrics: 'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse',
  logs: 'opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse',
};

// Which request a stored row came from: rows of different requests differ
// in these columns.
const KEY = {
  traces: (r) => r.trace_id,
  metrics: (r) => `${r.service_name}|${r.scope_name}|${r.metric_name}`,
  logs: (r) => `${r.service_name}|${r.scope_name}`,
};

async function send(url, protoDir) {
  const types = loadTypes(protobuf, protoDir);
  for (const signal of Object.keys(RICH)) {
    const body = encode(types, signal, RICH[signal]);
    const res = await fetch(`${url}/v1/${signal}`, {
      method: 'POST', headers: { 'Content-Type': 'application/x-protobuf' }, body,
    });
    assert.equal(res.status, 200, `rich ${signal}: answered ${res.status}`);
    const responseType = types.traces.root.lookupType(RESPONSE[signal]);
    const answer = responseType.toObject(responseType.decode(Buffer.from(await res.arrayBuffer())),
      { longs: Number });
    const want = BUILD[signal](decodeRequest(types, signal, body)).rejected;
    assert.equal(answer.partial_success?.[REJECTED[signal]] ?? 0, want,
      `rich ${signal}: partial_success ${JSON.stringify(answer.partial_success)}, ${want} rejected expected`);
    console.log(`rich ${signal}: 200, ${want} items rejected as partial_success`);
  }
}

// The rows of expected's requests among all stored rows, in file order,
// cut into groups of one request each.
function groups(all, signal, expected, count) {
  const keys = new Set(expected.map(KEY[signal]));
  const mine = all.filter((r) => keys.has(KEY[signal](r)));
  assert.equal(mine.length, expected.length * count,
    `${signal}: ${mine.length} rows of this request stored, ${expected.length} x ${count} expected`);
  return Array.from({ length: count }, (_, i) => mine.slice(i * expected.length, (i + 1) * expected.length));
}

async function check(dataDir, protoDir, benchDir, sent) {
  const types = loadTypes(protobuf, protoDir);
  const files = await readArrowsFiles(dataDir);
  const problems = files.flatMap(checkFile);
  assert.deepEqual(problems, [], 'files not well formed or not ended');
  console.log(`${files.length} files, each well formed and ended with the end-of-stream marker`);
  const posted = Object.fromEntries(sent.split(' ').map((s) => s.split(':')).map(([k, n]) => [k, Number(n)]));
  for (const signal of Object.keys(RICH)) {
    const all = files.filter((f) => f.signal === signal).flatMap((f) => f.rows);
    const cases = [
      ['rich request', BUILD[signal](decodeRequest(types, signal, encode(types, signal, RICH[signal]))).rows, 1],
      [`${signal}_100 bench body`, BUILD[signal](decodeRequest(types, signal,
        readFileSync(join(benchDir, `${signal}_100.pb`)))).rows, posted[signal]],
    ];
    for (const [what, expected, count] of cases) {
      groups(all, signal, expected, count).forEach((rows, n) => {
        rows.forEach((row, i) => assert.deepStrictEqual(parsedRow(row), expected[i],
          `${signal} ${what} (post ${n + 1}), row ${i}`));
      });
      console.log(`${signal} ${what}: ${expected.length} rows x ${count}, every field as sent`);
    }
  }
}

try {
  if (cmd === 'send' && args.length === 2) await send(...args);
  else if (cmd === 'check' && args.length === 4) await check(...args);
  else {
    console.error('usage: e2e_rich.mjs send URL PROTO_DIR | check DATA_DIR PROTO_DIR BENCH_DIR SENT');
    process.exitCode = 2;
  }
} catch (e) {
  console.error(`FAIL ${e.message}`);
  process.exitCode = 1;
}
