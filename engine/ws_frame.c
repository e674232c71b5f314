/*
 * ws_frame.c - WebSocket frame headers (RFC 6455 section 5.2), masking
 * (5.3) and the close codes a peer may send (7.4).
 *
 * A header is
 *
 *   byte 0      FIN (0x80), RSV1-3 (0x70), opcode (0x0f)
 *   byte 1      MASK (0x80), 7-bit length (0x7f)
 *   then        2 more length bytes if the 7-bit length is 126,
 *               8 more if it is 127 (both big-endian)
 *   then        the 4-byte masking key if MASK is set
 *
 * so it is 2 to 14 bytes long. The parser works on whatever prefix of the
 * stream has arrived: a header split across reads is simply "not yet".
 */
#include <string.h>

#include "ws_internal.h"

/* Opcodes 0-2 are data frames, 8-10 control frames; RFC 6455 reserves the
 * others (3-7, 11-15) for extensions we never negotiate, so they are
 * protocol errors. */
static int opcode_known(int op) { return op <= 2 || (op >= 8 && op <= 10); }

/* Control frames have the high bit of the opcode set (5.5). */
static int opcode_is_control(int op) { return (op & 0x08) != 0; }

/*
 * Errors are reported as soon as the bytes that show them are present, even
 * when the header is not complete yet, so that a bad peer is dropped without
 * waiting for more of its data.
 *
 * Besides the errors listed in ws_internal.h, an extended length that is not
 * in its shortest form (a 16-bit length below 126, a 64-bit length below
 * 65536) is rejected: RFC 6455 5.2 says "the minimal number of bytes MUST be
 * used to encode the length", and accepting other forms would let the same
 * frame be spelled several ways.
 *
 * On 0 and -1 the fields of f that could be read are filled in, the others
 * are zero; only a return of 1 makes f meaningful as a whole.
 */
int ws_parse_header(const unsigned char *s, size_t n, struct ws_frame *f) {
  size_t need = 2; /* header bytes known to be needed so far */
  unsigned len7;

  memset(f, 0, sizeof(*f));
  if (n < 1) return 0;

  f->fin = (s[0] & 0x80) != 0;
  f->rsv = (s[0] >> 4) & 0x07;
  f->opcode = s[0] & 0x0f;
  /* No extension is ever negotiated, so any RSV bit is an error (5.2). */
  if (f->rsv != 0 || !opcode_known(f->opcode)) return -1;
  /* Control frames may be interleaved with a fragmented message, which only
   * works if they are never fragmented themselves (5.5). */
  if (opcode_is_control(f->opcode) && !f->fin) return -1;
  if (n < 2) return 0;

  f->masked = (s[1] & 0x80) != 0;
  len7 = s[1] & 0x7f;
  /* Control payloads are at most 125 bytes, i.e. always in the 7-bit form. */
  if (opcode_is_control(f->opcode) && len7 > 125) return -1;

  if (len7 == 126) {
    need += 2;
    if (n < need) return 0;
    f->payload_len = (uint64_t) s[2] << 8 | s[3];
    if (f->payload_len < 126) return -1; /* fits in 7 bits: not minimal */
  } else if (len7 == 127) {
    int i;
    /* The top bit must be zero (5.2): lengths are 63-bit quantities. */
    if (n > 2 && (s[2] & 0x80)) return -1;
    need += 8;
    if (n < need) return 0;
    for (i = 0; i < 8; i++) f->payload_len = f->payload_len << 8 | s[2 + i];
    if (f->payload_len <= 0xffff) return -1; /* fits in 16 bits */
  } else {
    f->payload_len = len7;
  }

  if (f->masked) {
    if (n < need + 4) return 0;
    memcpy(f->mask, s + need, 4);
    need += 4;
  }
  f->header_len = need;
  return 1;
}

size_t ws_write_header(unsigned char *out, int opcode, int fin, uint64_t len,
                       const unsigned char *mask) {
  size_t n = 2;
  unsigned char mask_bit = mask != NULL ? 0x80 : 0x00;

  out[0] = (unsigned char) ((fin ? 0x80 : 0x00) | (opcode & 0x0f));
  /* The shortest form that holds len, which is also the only one
   * ws_parse_header accepts. */
  if (len <= 125) {
    out[1] = (unsigned char) (mask_bit | len);
  } else if (len <= 0xffff) {
    out[1] = (unsigned char) (mask_bit | 126);
    out[2] = (unsigned char) (len >> 8);
    out[3] = (unsigned char) len;
    n = 4;
  } else {
    int i;
    out[1] = (unsigned char) (mask_bit | 127);
    for (i = 0; i < 8; i++) out[2 + i] = (unsigned char) (len >> (56 - 8 * i));
    n = 10;
  }
  if (mask != NULL) {
    memcpy(out + n, mask, 4);
    n += 4;
  }
  return n;
}

void ws_apply_mask(unsigned char *data, size_t len, const unsigned char mask[4],
                   uint64_t offset) {
  /* Payload byte i is XORed with mask[i % 4] (5.3); counting from the
   * payload's start rather than from data lets a payload that arrives in
   * pieces be unmasked piece by piece. */
  size_t i;
  for (i = 0; i < len; i++) data[i] ^= mask[(offset + i) & 3];
}

int ws_close_code_valid(int code) {
  /* 1004 is reserved; 1005, 1006 and 1015 stand for "no code", "no close
   * frame" and "TLS failure" in local reports and must never be sent;
   * 1016-2999 are unassigned (reserved for future RFCs), 3000-3999 are
   * registered with IANA and 4000-4999 are for private use (7.4.1, 7.4.2). */
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
         (code >= 3000 && code <= 4999);
}
