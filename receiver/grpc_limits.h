#ifndef OTLPD_GRPC_LIMITS_H
#define OTLPD_GRPC_LIMITS_H

/* The fixed limits of OTLP/gRPC (practice 13). Those an operator may need to
 * change come from receiver.* config keys (max_request_bytes,
 * max_header_bytes, max_headers, max_connections, the timeouts and
 * receiver.grpc.max_concurrent_streams); these are fixed because no honest
 * client comes near them. */

/* The :path we keep; the longest service path we serve is 63 bytes, so a
 * longer one is simply not ours. */
#define GRPC_PATH_MAX 96u

/* A message buffer starts this large (or at the declared length, if smaller)
 * and doubles as bytes arrive, so a prefix that declares a large message pins
 * no memory the client has not sent. */
#define GRPC_MESSAGE_INITIAL_BYTES (16u * 1024u)

/* nghttp2's own memory per connection (HPACK tables, stream state, frames
 * waiting to be sent), counted by our allocator; past it the connection is
 * closed. Message bodies are not part of it: they count in the shared body
 * budget (receiver.max_buffered_bytes). */
#define GRPC_SESSION_MEM_MAX (4u * 1024u * 1024u)

/* Flow-control windows we grant: per stream (SETTINGS_INITIAL_WINDOW_SIZE)
 * and for the connection. Bytes are consumed as they arrive, so these only
 * decide how fast a client may send, never how much we hold. */
#define GRPC_STREAM_WINDOW (1u << 20)
#define GRPC_CONNECTION_WINDOW (16u << 20)

/* SETTINGS_MAX_FRAME_SIZE we announce: the protocol's minimum, so that one
 * frame never holds more than this much of anything. */
#define GRPC_MAX_FRAME_BYTES 16384u
/* Entries in one SETTINGS frame (there are 7 settings defined). */
#define GRPC_MAX_SETTINGS_ENTRIES 16u
/* Size of the HPACK table our encoder may use, whatever the client allows
 * (nghttp2_option_set_max_deflate_dynamic_table_size); the decoder's table is
 * the default 4096 we announce. */
#define GRPC_DEFLATE_TABLE_BYTES 4096u
/* SETTINGS and PING acknowledgements nghttp2 may hold unsent before it
 * calls the peer a flood (nghttp2_option_set_max_outbound_ack). */
#define GRPC_MAX_OUTBOUND_ACK 256u
/* CONTINUATION frames after one HEADERS frame. */
#define GRPC_MAX_CONTINUATIONS 8u

/* Flood protection: token buckets per connection, refilled at PER_S tokens
 * a second up to BURST. A frame of the kind takes one token; with none left
 * the connection ends with GOAWAY ENHANCE_YOUR_CALM. */
#define GRPC_SETTINGS_BURST 32u
#define GRPC_SETTINGS_PER_S 4u
#define GRPC_PING_BURST 64u
#define GRPC_PING_PER_S 8u
/* RST_STREAM received, and streams closed with an error for the client's
 * fault (nghttp2's own reset limiter gets the same numbers). */
#define GRPC_RESET_BURST 128u
#define GRPC_RESET_PER_S 32u
/* Frames that carry nothing: empty DATA without END_STREAM, PRIORITY. */
#define GRPC_EMPTY_BURST 256u
#define GRPC_EMPTY_PER_S 64u

/* Bytes read from a socket at once, into one buffer shared by every
 * connection (each read is handled before the next). */
#define GRPC_READ_BYTES (64u * 1024u)

/* Bytes of output waiting for the socket past which a connection stops
 * reading (a client that does not read cannot make us queue answers). */
#define GRPC_WRITE_QUEUE_MAX (256u * 1024u)
/* Connections over receiver.max_connections that are sent GOAWAY before
 * closing (refused newcomers and idle ones evicted to make room); past
 * this, newcomers are closed at once and nothing is evicted. */
#define GRPC_OVERFLOW_MAX 64u
/* After GOAWAY the client's bytes are read and dropped for this long, so
 * that closing does not reset the connection before it read the GOAWAY. */
#define GRPC_LINGER_MS 1000u

/* Seconds a client is asked to wait in google.rpc.RetryInfo with UNAVAILABLE. */
#define GRPC_RETRY_AFTER_S 1u

#endif
