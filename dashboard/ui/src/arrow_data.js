// Tails the Arrow IPC stream files of one signal: polls the listing, fetches
// only the bytes each file gained (Range), and hands over the rows of the
// record batches not seen before.
import { RecordBatchReader } from 'apache-arrow';
import { getJSON, getRange } from './api.js';
import { wholeMessagesLength } from './arrow_stream.js';

// Polls that fetch an unchanged file's incomplete tail again (a file cut
// short by a crash stays so).
const TAIL_RETRIES = 3;

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
    this.files = new Map(); // name -> { bytes, batches, size, mtime, retries }
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
        st = { bytes: new Uint8Array(0), batches: 0, size: -1, mtime: -1, retries: 0 };
        this.files.set(f.name, st);
      }
      // A batch being written completes without the size changing (its
      // head goes in last): an incomplete tail is fetched again for a few
      // polls, and whenever the file changes.
      const touched = f.size !== st.size || f.mtime_ms !== st.mtime;
      if (!touched && (st.bytes.length >= f.size || st.retries >= TAIL_RETRIES)) continue;
      st.retries = touched ? 0 : st.retries + 1;
      st.size = f.size;
      st.mtime = f.mtime_ms;
      if (f.size <= st.bytes.length) continue;
      const more = await getRange(this.signal, f.name, st.bytes.length);
      if (more.length === 0) continue;
      // Only whole messages are kept: a batch still being written is
      // fetched again, whole, by a later poll.
      const bytes = concat(st.bytes, more);
      st.bytes = bytes.subarray(0, wholeMessagesLength(bytes));
      if (this.readNew(st)) changed = true;
    }
    return changed;
  }

  // Reads the batches after the ones already handed over.
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
      // Not a stream a reader can take (a file cut short by a crash):
      // what was read before stays.
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
