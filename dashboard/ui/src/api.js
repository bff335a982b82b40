// The dashboard's own HTTP API (same origin only).

export async function getJSON(path) {
  const r = await fetch(path, { cache: 'no-store' });
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return r.json();
}

// Bytes [from, size) of a data file; only what is new since the last read.
export async function getRange(signal, name, from) {
  const headers = from > 0 ? { Range: `bytes=${from}-` } : {};
  const r = await fetch(`/data/${signal}/${encodeURIComponent(name)}`, { headers, cache: 'no-store' });
  if (r.status === 416) return new Uint8Array(0);
  if (!r.ok) throw new Error(`data ${name}: HTTP ${r.status}`);
  const b = new Uint8Array(await r.arrayBuffer());
  // A server that ignored the Range sends everything again.
  return r.status === 200 && from > 0 ? b.subarray(from) : b;
}
