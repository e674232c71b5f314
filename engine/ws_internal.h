/*
 * ws_internal.h - WebSocket framing (RFC 6455) and what it needs: the
 * handshake's accept key (SHA-1 itself is public: cs_sha1_* in mongoose.h),
 * incremental UTF-8 validation, close-code rules.
 */
#ifndef MG_WS_INTERNAL_H
#define MG_WS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

struct ws_frame {
  int fin;
  int rsv;      /* the three RSV bits, as they were */
  int opcode;
  int masked;
  unsigned char mask[4];
  uint64_t payload_len;
  size_t header_len; /* 2 to 14 bytes */
};

/* A frame header at s[0..n): 1 when complete (the payload may not be), 0
 * when more bytes are needed, -1 for a protocol error: RSV bits set, an
 * unknown opcode, a control frame that is fragmented or longer than 125, a
 * 64-bit length with its top bit set, a length not in its shortest form.
 * An error is reported as soon as the byte showing it has arrived. */
int ws_parse_header(const unsigned char *s, size_t n, struct ws_frame *f);
/* Writes the shortest header for len (7, 16 or 64-bit length: 125 and less,
 * up to 65535, above), masked when mask is not NULL. Returns its size (<= 14). */
size_t ws_write_header(unsigned char *out, int opcode, int fin, uint64_t len,
                       const unsigned char *mask);
/* XORs data with the mask, the first byte being byte `offset` of the
 * payload (so a payload can be unmasked in pieces). */
void ws_apply_mask(unsigned char *data, size_t len, const unsigned char mask[4],
                   uint64_t offset);

/* Incremental UTF-8 (RFC 3629: no overlongs, no surrogates, <= U+10FFFF).
 * Start with WS_UTF8_ACCEPT; feed pieces; the text is valid when the final
 * state is WS_UTF8_ACCEPT, invalid as soon as it is WS_UTF8_REJECT. */
#define WS_UTF8_ACCEPT 0u
#define WS_UTF8_REJECT 1u
uint32_t ws_utf8_feed(uint32_t state, const unsigned char *s, size_t n);

/* A close code a peer may send (RFC 6455 7.4): 1000-1003, 1007-1014,
 * 3000-4999. */
int ws_close_code_valid(int code);

/* Sec-WebSocket-Accept for a Sec-WebSocket-Key: base64(SHA-1(key + GUID)),
 * 28 characters and a NUL. */
void ws_accept_key(const char *key, size_t key_len, char out[29]);

#endif
