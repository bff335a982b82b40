// The writer's files, read back by an independent reader.
//
//   node arrow_files.mjs TEST_ARROW_FILES BENCH_DIR PROTO_DIR
//
// Builds requests with every AnyValue kind, links, exemplars, all five
// metric kinds and invalid items (protobufjs, from the .proto files), then
// has the writer's code (the C program TEST_ARROW_FILES) write them and the
// bench bodies traces_100.pb, metrics_100.pb and logs_100.pb into .arrows
// files, twice: once in one batch per signal, once in batches of 7 rows and
// files rotated at 100 kB. Each time apache-arrow reads every file and every
// field of every row must equal what the protobuf input says
// (arrow_expect.mjs). Exits 0 when all holds, 1 when not, 77 (skipped)
// without node_modules (run `npm ci` in tests/js).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { logRows, metricRows, traceRows } from './arrow_expect.mjs';
import { RICH_LOGS, RICH_METRICS, RICH_TRACES, decodeRequest, encode as encodeWith, loadTypes } from './rich_fixtures.mjs';
import { checkFile, parsedRow, readArrowsFiles } from './arrow_read.mjs';
import { wholeMessagesLength } from '../../dashboard/ui/src/arrow_stream.js';

const ARROW_EOS_LEN = 8;

const [toolPath, benchDir, protoDir] = process.argv.slice(2);
if (!toolPath || !benchDir || !protoDir) {
  console.error('usage: node arrow_files.mjs TEST_ARROW_FILES BENCH_DIR PROTO_DIR');
  process.exit(2);
}

let protobuf;
try {
  protobuf = (await import('protobufjs')).default;
  await import('apache-arrow');
} catch (e) {
  console.log(`SKIP: ${e.message} (run npm ci in tests/js)`);
  process.exit(77);
}

const TYPES = loadTypes(protobuf, protoDir);

const dir = mkdtempSync(join(tmpdir(), 'otlpd-arrow-files-'));
let failures = 0;
let checks = 0;

function check(what, fn) {
  checks++;
  try {
    fn();
  } catch (e) {
    failures++;
    console.error(`FAIL ${what}: ${e.message}`);
  }
}

// The inputs, in the order the writer takes them.
const inputs = [];
function addInput(signal, name, bodyBytes) {
  const path = join(dir, name);
  writeFileSync(path, bodyBytes);
  inputs.push({ signal, path, request: decodeRequest(TYPES, signal, bodyBytes) });
}

const encode = (signal, obj) => encodeWith(TYPES, signal, obj);

addInput('traces', 'traces_100.pb', readFileSync(join(benchDir, 'traces_100.pb')));
addInput('traces', 'rich_traces.pb', encode('traces', RICH_TRACES));
addInput('metrics', 'metrics_100.pb', readFileSync(join(benchDir, 'metrics_100.pb')));
addInput('metrics', 'rich_metrics.pb', encode('metrics', RICH_METRICS));
addInput('logs', 'logs_100.pb', readFileSync(join(benchDir, 'logs_100.pb')));
addInput('logs', 'rich_logs.pb', encode('logs', RICH_LOGS));

const BUILD = { traces: traceRows, metrics: metricRows, logs: logRows };
const expected = {};
for (const signal of Object.keys(BUILD)) {
  const parts = inputs.filter((i) => i.signal === signal).map((i) => BUILD[signal](i.request));
  expected[signal] = { rows: parts.flatMap((p) => p.rows), rejected: parts.reduce((n, p) => n + p.rejected, 0) };
}

async function run(label, maxRows, maxFileBytes) {
  const out = join(dir, label);
  const stdout = execFileSync(toolPath, [out, String(maxRows), String(maxFileBytes),
    ...inputs.map((i) => `${i.signal}:${i.path}`)], { encoding: 'utf8' });
  const result = JSON.parse(stdout);
  const files = await readArrowsFiles(out);
  check(`${label}: messages taken`, () => assert.equal(result.messages, inputs.length));
  for (const file of files) check(`${label}: ${file.path} is well formed`, () => assert.deepEqual(checkFile(file), []));
  for (const signal of Object.keys(BUILD)) {
    const mine = files.filter((f) => f.signal === signal);
    const rows = mine.flatMap((f) => f.rows);
    const want = expected[signal];
    check(`${label}: ${signal} row count`, () => assert.equal(rows.length, want.rows.length));
    check(`${label}: ${signal} rows written`, () => assert.equal(result[signal].rows, want.rows.length));
    check(`${label}: ${signal} rows rejected`, () => assert.equal(result[signal].rejected_rows, want.rejected));
    check(`${label}: ${signal} files in the directory`, () => assert.equal(mine.length, result[signal].files));
    check(`${label}: ${signal} files in their directory`, () =>
      assert.ok(mine.every((f) => f.path.includes(`/otlp/${signal}/otlp_${signal}_20260101_000000_`))));
    for (let i = 0; i < Math.min(rows.length, want.rows.length); i++)
      check(`${label}: ${signal} row ${i}`, () => assert.deepStrictEqual(parsedRow(rows[i]), want.rows[i]));
  }
  return { result, files };
}

const whole = await run('whole', 10000, 64 * 1024 * 1024);
const small = await run('small', 7, 100000);
check('whole: one batch per signal', () =>
  assert.deepEqual(['traces', 'metrics', 'logs'].map((s) => whole.result[s].batches), [1, 1, 1]));
check('small: batches of at most 7 rows', () =>
  assert.ok(['traces', 'metrics', 'logs'].every((s) => small.result[s].batches >= Math.ceil(expected[s].rows.length / 7))));
check('small: traces rotated into several files', () => assert.ok(small.result.traces.files > 1));

// The writer puts the first 8 bytes of a batch (its dictionary batches,
// then the record batch) in last. A file caught before that, the batch
// there but for zeros where it starts, must read as the batches before it,
// without an error (apache-arrow takes the zeros for an end of stream), and
// the dashboard's tail reader must stop there.
{
  const { DataType, RecordBatchReader } = await import('apache-arrow');
  const file = small.files.find((f) => f.signal === 'traces' && f.batches > 2);
  const full = readFileSync(file.path);
  const end = full.length - ARROW_EOS_LEN;
  const rowsOf = (bytes) => [...RecordBatchReader.from(bytes)].flatMap((b) => b.toArray().map((r) => r.span_id));
  check('whole messages of an ended file: all of it', () => assert.equal(wholeMessagesLength(full), full.length));
  // Where each message starts: the prefixes that are whole messages.
  const starts = [0];
  for (let at = 8; at <= end; at += 8)
    if (wholeMessagesLength(full.subarray(0, at)) === at) starts.push(at);
  const perBatch = file.fields.filter((f) => DataType.isDictionary(f.type)).length + 1;
  const groupStart = starts[starts.length - 1 - perBatch];
  const mid = Buffer.concat([full.subarray(0, groupStart), Buffer.alloc(8), full.subarray(groupStart + 8, end)]);
  check('a batch without its head is unseen', () => {
    assert.equal(perBatch, 9);
    assert.ok(groupStart > 0 && groupStart < end);
    assert.equal(wholeMessagesLength(mid), groupStart);
    const before = rowsOf(mid);
    const all = rowsOf(full);
    assert.ok(before.length > 0 && before.length < all.length);
    assert.deepEqual(before, all.slice(0, before.length));
    assert.equal([...RecordBatchReader.from(mid)].length, file.batches - 1);
  });
  check('a batch cut anywhere is unseen', () => {
    for (let cut = groupStart; cut < end; cut += 97) {
      const whole = wholeMessagesLength(full.subarray(0, cut));
      assert.ok(whole >= groupStart && whole <= cut);
      assert.equal([...RecordBatchReader.from(full.subarray(0, whole))].length, file.batches - 1);
    }
  });
}

if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });
const rows = Object.values(expected).reduce((n, e) => n + e.rows.length, 0);
console.log(`${rows} rows checked field by field in two layouts; ${checks - failures} passed, ${failures} failed`);
process.exitCode = failures ? 1 : 0;
