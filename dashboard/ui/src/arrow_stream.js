// Where the whole messages at the start of an Arrow IPC stream end. The
// writer puts the first 8 bytes of a batch (continuation marker, metadata
// length) in last; until they are there a reader finds zeros where the
// batch starts, and the bytes after them must be fetched again once the
// batch is whole. A stream's bytes can come from anywhere, so nothing is
// read outside them.

const CONTINUATION = -1;
const BODY_LENGTH_FIELD = 3; // Message.bodyLength in format/Message.fbs

export function wholeMessagesLength(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  while (at + 8 <= bytes.length && view.getInt32(at, true) === CONTINUATION) {
    const metaLen = view.getInt32(at + 4, true);
    if (metaLen === 0) return at + 8; // the end-of-stream marker
    const meta = at + 8;
    if (metaLen < 0 || meta + metaLen > bytes.length) break;
    const body = bodyLength(view, meta, meta + metaLen);
    if (body < 0 || meta + metaLen + body > bytes.length) break;
    at = meta + metaLen + body;
  }
  return at;
}

// The Message table's bodyLength, or -1 when the metadata is not sound.
function bodyLength(view, start, end) {
  const inside = (pos, len) => pos >= start && pos + len <= end;
  if (!inside(start, 4)) return -1;
  const table = start + view.getUint32(start, true);
  if (!inside(table, 4)) return -1;
  const vtable = table - view.getInt32(table, true);
  if (!inside(vtable, 4)) return -1;
  const slot = 4 + 2 * BODY_LENGTH_FIELD;
  if (slot + 2 > view.getUint16(vtable, true) || !inside(vtable + slot, 2)) return 0;
  const off = view.getUint16(vtable + slot, true);
  if (off === 0) return 0;
  if (!inside(table + off, 8)) return -1;
  const n = view.getBigInt64(table + off, true);
  return n < 0n || n > BigInt(Number.MAX_SAFE_INTEGER) ? -1 : Number(n);
}
