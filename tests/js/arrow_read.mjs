// An independent reader of otlpd's Arrow IPC stream files (apache-arrow).
//
//   node arrow_read.mjs DIR        prints every row of every .arrows file
//                                  under DIR as one JSON line, then checks
//                                  them; exits 1 when a check fails
//
// Checks: a file is one Arrow IPC stream (schema, record batches) that ends
// with the end-of-stream marker; the schema says which signal it holds; a
// non-nullable column has no null; every JSON column parses.
//
// Imported by arrow_files.mjs and e2e_rich.mjs for readArrowsFiles(),
// checkFile() and parsedRow().

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

// Columns that hold JSON text (docs/arrow-schema.md).
export const JSON_COLUMNS = new Set([
  'attributes', 'events', 'links', 'resource_attributes', 'resource_entity_refs',
  'scope_attributes', 'exemplars', 'metric_metadata', 'bucket_counts', 'explicit_bounds',
  'positive_bucket_counts', 'negative_bucket_counts', 'quantile_values',
]);

const EOS = Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);

let arrow;
export async function loadArrow() {
  arrow ??= await import('apache-arrow');
  return arrow;
}

// Every .arrows file below dir (recursively), sorted by path.
export function listArrowsFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listArrowsFiles(path));
    else if (name.endsWith('.arrows')) out.push(path);
  }
  return out;
}

// Arrow values as plain JSON-able values: 64-bit integers as decimal
// strings, binary as lower-case hex.
export function plainValue(v) {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  return v;
}

export function plainRow(row, fields) {
  const out = {};
  for (const f of fields) out[f.name] = plainValue(row[f.name]);
  return out;
}

// Reads one file: { path, signal, fields, rows, batches, ended }.
export async function readArrowsFile(path) {
  const { RecordBatchReader } = await loadArrow();
  const bytes = readFileSync(path);
  const reader = RecordBatchReader.from(bytes);
  reader.open();
  const schema = reader.schema;
  const fields = schema.fields;
  const rows = [];
  let batches = 0;
  for (const batch of reader) {
    batches++;
    for (let i = 0; i < batch.numRows; i++) rows.push(plainRow(batch.get(i), fields));
  }
  return {
    path,
    signal: schema.metadata.get('otlpd.signal'),
    schemaVersion: schema.metadata.get('otlpd.schema_version'),
    fields,
    rows,
    batches,
    ended: bytes.length >= 8 && bytes.subarray(bytes.length - 8).equals(EOS),
  };
}

export async function readArrowsFiles(dir) {
  const files = [];
  for (const path of listArrowsFiles(dir)) files.push(await readArrowsFile(path));
  return files;
}

// A row with its JSON columns parsed, as arrow_expect.mjs builds them.
export function parsedRow(row) {
  const out = { ...row };
  for (const [k, v] of Object.entries(row)) {
    const isJson = JSON_COLUMNS.has(k) || (k === 'body' && row.body_type !== 'string');
    if (isJson && v !== null) out[k] = JSON.parse(v);
  }
  return out;
}

// Problems found in one file, in words.
export function checkFile(file) {
  const problems = [];
  if (!file.ended) problems.push(`${file.path}: no end-of-stream marker`);
  if (!['traces', 'metrics', 'logs'].includes(file.signal))
    problems.push(`${file.path}: schema metadata otlpd.signal is ${file.signal}`);
  file.rows.forEach((row, i) => {
    for (const f of file.fields) {
      const v = row[f.name];
      if (v === null) {
        if (!f.nullable) problems.push(`${file.path} row ${i}: ${f.name} is null`);
        continue;
      }
      const isJson = JSON_COLUMNS.has(f.name) || (f.name === 'body' && row.body_type !== 'string');
      if (isJson) {
        try {
          JSON.parse(v);
        } catch (e) {
          problems.push(`${file.path} row ${i}: ${f.name} is not JSON (${e.message})`);
        }
      }
    }
  });
  return problems;
}

async function main() {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: node arrow_read.mjs DIR');
    process.exit(2);
  }
  const files = await readArrowsFiles(dir);
  const problems = [];
  for (const file of files) {
    for (const row of file.rows) console.log(JSON.stringify({ file: file.path, row }));
    problems.push(...checkFile(file));
  }
  for (const p of problems) console.error(p);
  console.error(`${files.length} files, ${files.reduce((n, f) => n + f.rows.length, 0)} rows, ` +
    `${problems.length} problems`);
  process.exitCode = problems.length ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await main();
