// Tails the Arrow IPC stream files of one signal: polls the listing, fetches
// only the bytes each file gained (Range), and hands over the rows of the
// record batches not seen before.
import { RecordBatchReader } from 'apache-arrow';
import { getJSON, getRange } from './api.js';

function concat(a, b) {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

export class SignalStore {
  constructor(signal, onBatch) {
    this.signal = signal;
    this.onBatch = onBatch; // (batch) => void, for each new record batch
    this.files = new Map(); // name -> { bytes, batches }
    this.knownFiles = 0;
  }

  async poll() {
    const list = await getJSON(`/api/files?signal=${this.signal}`);
    this.knownFiles = list.files.length;
    let changed = false;
    // Oldest first, so rows arrive in the order they were written.
    for (const f of [...list.files].reverse()) {
      let st = this.files.get(f.name);
      if (!st) {
        st = { bytes: new Uint8Array(0), batches: 0 };
        this.files.set(f.name, st);
      }
      if (f.size <= st.bytes.length) continue;
      const more = await getRange(this.signal, f.name, st.bytes.length);
      if (more.length === 0) continue;
      st.bytes = concat(st.bytes, more);
      if (this.readNew(st)) changed = true;
    }
    return changed;
  }

  // Reads the batches after the ones already handed over; a batch still
  // being written (cut short) is left for the next poll.
  readNew(st) {
    let i = 0;
    let any = false;
    try {
      const reader = RecordBatchReader.from(st.bytes);
      for (const batch of reader) {
        if (i++ < st.batches) continue;
        st.batches++;
        this.onBatch(batch);
        any = true;
      }
    } catch {
      // The tail of the file is incomplete: whole batches were taken.
    }
    return any;
  }
}

// Column accessors of a record batch.
export function columns(batch, names) {
  const out = {};
  for (const n of names) out[n] = batch.getChild(n);
  return out;
}

export function nsToMs(v) {
  if (v === null || v === undefined) return 0;
  return typeof v === 'bigint' ? Number(v / 1000n) / 1000 : Number(v) / 1e6;
}
