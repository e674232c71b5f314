/*
 * test_mbuf.c - unit tests for engine/mbuf.c.
 *
 * Allocation failures are simulated with the GNU linker's symbol wrapping,
 * so engine/mbuf.c is compiled exactly as in production:
 *
 *   cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -g \
 *      -fsanitize=address,undefined -fno-omit-frame-pointer -Iengine \
 *      engine/mbuf.c tests/test_mbuf.c \
 *      -Wl,--wrap=realloc -Wl,--wrap=malloc -lcmocka -o test_mbuf
 *
 * With --wrap=realloc every call to realloc() from the objects on the
 * command line goes to __wrap_realloc() below, which can refuse or forward
 * to the real one (__real_realloc). mbuf.c itself only calls realloc() and
 * free(); malloc is wrapped as well because an optimising compiler may turn
 * realloc(NULL, n) into malloc(n).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mongoose.h"

/* ---- allocation control --------------------------------------------- */

static int fail_next;      /* this many upcoming allocations fail */
static size_t alloc_calls; /* allocations attempted since the last reset */

void *__real_realloc(void *p, size_t n);
void *__real_malloc(size_t n);
void *__wrap_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);

void *__wrap_realloc(void *p, size_t n) {
  alloc_calls++;
  if (fail_next > 0) {
    fail_next--;
    return NULL;
  }
  return __real_realloc(p, n);
}

void *__wrap_malloc(size_t n) {
  alloc_calls++;
  if (fail_next > 0) {
    fail_next--;
    return NULL;
  }
  return __real_malloc(n);
}

static int reset_allocs(void **state) {
  (void) state;
  fail_next = 0;
  alloc_calls = 0;
  return 0;
}

/* An mbuf holding exactly `s`, with no spare room, so the next growth must
 * reallocate. */
static void make_tight(struct mbuf *mb, const char *s) {
  mbuf_init(mb, 0);
  assert_int_equal(mbuf_append(mb, s, strlen(s)), strlen(s));
  mbuf_trim(mb);
  assert_int_equal(mb->size, strlen(s));
}

static void assert_contents(const struct mbuf *mb, const char *s) {
  assert_int_equal(mb->len, strlen(s));
  assert_true(mb->size >= mb->len);
  if (mb->len > 0) assert_memory_equal(mb->buf, s, mb->len);
}

/* ---- init / free ------------------------------------------------------ */

static void test_init_zero_does_not_allocate(void **state) {
  struct mbuf mb;
  (void) state;
  mbuf_init(&mb, 0);
  assert_null(mb.buf);
  assert_int_equal(mb.len, 0);
  assert_int_equal(mb.size, 0);
  assert_int_equal(alloc_calls, 0);
  mbuf_free(&mb);
}

static void test_init_with_capacity(void **state) {
  struct mbuf mb;
  (void) state;
  mbuf_init(&mb, 100);
  assert_non_null(mb.buf);
  assert_int_equal(mb.len, 0);
  assert_int_equal(mb.size, 100);
  mbuf_free(&mb);
}

static void test_init_allocation_failure(void **state) {
  struct mbuf mb;
  (void) state;
  fail_next = 1;
  mbuf_init(&mb, 100);
  assert_null(mb.buf);
  assert_int_equal(mb.len, 0);
  assert_int_equal(mb.size, 0);
}

static void test_free_resets_and_is_repeatable(void **state) {
  struct mbuf mb;
  (void) state;
  mbuf_init(&mb, 0);
  mbuf_append(&mb, "data", 4);
  mbuf_free(&mb);
  assert_null(mb.buf);
  assert_int_equal(mb.len, 0);
  assert_int_equal(mb.size, 0);
  mbuf_free(&mb); /* a second free of a freed mbuf must be harmless */
  assert_null(mb.buf);
}

/* ---- append ----------------------------------------------------------- */

static void test_append(void **state) {
  struct mbuf mb;
  (void) state;
  mbuf_init(&mb, 0);
  assert_int_equal(mbuf_append(&mb, "hello", 5), 5);
  assert_contents(&mb, "hello");
  assert_int_equal(mbuf_append(&mb, ", world", 7), 7);
  assert_contents(&mb, "hello, world");
  mbuf_free(&mb);
}

static void test_append_zero_length(void **state) {
  struct mbuf mb;
  (void) state;
  mbuf_init(&mb, 0);
  assert_int_equal(mbuf_append(&mb, "x", 0), 0);
  assert_int_equal(mbuf_append(&mb, NULL, 0), 0);
  assert_null(mb.buf);
  assert_int_equal(mb.len, 0);
  assert_int_equal(alloc_calls, 0);

  mbuf_append(&mb, "abc", 3);
  alloc_calls = 0;
  assert_int_equal(mbuf_append(&mb, NULL, 0), 0);
  assert_int_equal(alloc_calls, 0);
  assert_contents(&mb, "abc");
  mbuf_free(&mb);
}

static void test_append_null_data_reserves_zeroed_room(void **state) {
  struct mbuf mb;
  static const char expected[] = {'a', 0, 0, 0};
  (void) state;
  mbuf_init(&mb, 0);
  mbuf_append(&mb, "a", 1);
  assert_int_equal(mbuf_append(&mb, NULL, 3), 3);
  assert_int_equal(mb.len, 4);
  assert_memory_equal(mb.buf, expected, 4);
  mbuf_free(&mb);
}

static void test_append_from_inside_itself(void **state) {
  struct mbuf mb;
  (void) state;
  /* A tight buffer forces a reallocation, after which a plain memcpy from
   * the caller's pointer would read freed memory (ASan would report it). */
  make_tight(&mb, "abcdef");
  assert_int_equal(mbuf_append(&mb, mb.buf, mb.len), 6);
  assert_contents(&mb, "abcdefabcdef");

  mbuf_trim(&mb);
  assert_int_equal(mbuf_append(&mb, mb.buf + 3, 4), 4);
  assert_contents(&mb, "abcdefabcdefdefa");
  mbuf_free(&mb);
}

static void test_append_allocation_failure(void **state) {
  struct mbuf mb;
  char *old_buf;
  (void) state;

  mbuf_init(&mb, 0);
  fail_next = 1000;
  assert_int_equal(mbuf_append(&mb, "abc", 3), 0);
  assert_null(mb.buf);
  assert_int_equal(mb.len, 0);
  assert_int_equal(mb.size, 0);
  fail_next = 0;

  make_tight(&mb, "abc");
  old_buf = mb.buf;
  fail_next = 1000;
  assert_int_equal(mbuf_append(&mb, "defgh", 5), 0);
  fail_next = 0;
  assert_ptr_equal(mb.buf, old_buf);
  assert_int_equal(mb.size, 3);
  assert_contents(&mb, "abc");

  /* And the mbuf still works once memory is back. */
  assert_int_equal(mbuf_append(&mb, "defgh", 5), 5);
  assert_contents(&mb, "abcdefgh");
  mbuf_free(&mb);
}

static void test_append_falls_back_to_exact_size(void **state) {
  struct mbuf mb;
  (void) state;
  make_tight(&mb, "0123456789");
  /* Only the geometric request fails; the exact one may still succeed. */
  fail_next = 1;
  assert_int_equal(mbuf_append(&mb, "ab", 2), 2);
  assert_int_equal(mb.size, 12);
  assert_contents(&mb, "0123456789ab");
  mbuf_free(&mb);
}

static void test_append_size_overflow(void **state) {
  struct mbuf mb;
  char *old_buf;
  (void) state;
  make_tight(&mb, "abc");
  old_buf = mb.buf;
  alloc_calls = 0;
  /* len + n wraps around; the data pointer is never read on this path. */
  assert_int_equal(mbuf_append(&mb, "x", SIZE_MAX), 0);
  assert_int_equal(mbuf_append(&mb, "x", SIZE_MAX - 2), 0);
  assert_int_equal(alloc_calls, 0);
  assert_ptr_equal(mb.buf, old_buf);
  assert_int_equal(mb.size, 3);
  assert_contents(&mb, "abc");
  mbuf_free(&mb);
}

static void test_append_growth_is_geometric(void **state) {
  struct mbuf mb;
  size_t i;
  const size_t n = 100000;
  (void) state;
  mbuf_init(&mb, 0);
  for (i = 0; i < n; i++) {
    char c = (char) ('a' + i % 26);
    assert_int_equal(mbuf_append(&mb, &c, 1), 1);
  }
  assert_int_equal(mb.len, n);
  assert_int_equal(mb.buf[n - 1], (char) ('a' + (n - 1) % 26));
  /* Exact-size growth would need n reallocations; a factor of 1.5 needs
   * about log(n) / log(1.5), i.e. under 30 here. */
  assert_true(alloc_calls < 40);
  mbuf_free(&mb);
}

/* ---- insert ----------------------------------------------------------- */

static void test_insert_at_start_middle_end(void **state) {
  struct mbuf mb;
  (void) state;
  mbuf_init(&mb, 0);
  assert_int_equal(mbuf_insert(&mb, 0, "world", 5), 5);
  assert_contents(&mb, "world");
  assert_int_equal(mbuf_insert(&mb, 0, "hello", 5), 5);
  assert_contents(&mb, "helloworld");
  assert_int_equal(mbuf_insert(&mb, 5, ", ", 2), 2);
  assert_contents(&mb, "hello, world");
  assert_int_equal(mbuf_insert(&mb, mb.len, "!", 1), 1);
  assert_contents(&mb, "hello, world!");
  mbuf_free(&mb);
}

static void test_insert_past_end_fails(void **state) {
  struct mbuf mb;
  (void) state;
  mbuf_init(&mb, 0);
  mbuf_append(&mb, "abc", 3);
  alloc_calls = 0;
  assert_int_equal(mbuf_insert(&mb, 4, "x", 1), 0);
  assert_int_equal(mbuf_insert(&mb, SIZE_MAX, "x", 1), 0);
  assert_int_equal(alloc_calls, 0);
  assert_contents(&mb, "abc");

  mbuf_free(&mb);
  assert_int_equal(mbuf_insert(&mb, 1, "x", 1), 0);
  assert_null(mb.buf);
}

static void test_insert_zero_length(void **state) {
  struct mbuf mb;
  (void) state;
  make_tight(&mb, "abc");
  alloc_calls = 0;
  assert_int_equal(mbuf_insert(&mb, 1, "xyz", 0), 0);
  assert_int_equal(mbuf_insert(&mb, 1, NULL, 0), 0);
  assert_int_equal(alloc_calls, 0);
  assert_contents(&mb, "abc");
  mbuf_free(&mb);
}

static void test_insert_from_inside_itself(void **state) {
  struct mbuf mb;
  (void) state;

  /* Source entirely before the insertion point. */
  make_tight(&mb, "abcdef");
  assert_int_equal(mbuf_insert(&mb, 4, mb.buf, 2), 2);
  assert_contents(&mb, "abcdabef");
  mbuf_free(&mb);

  /* Source entirely after it: those bytes shift while inserting. */
  make_tight(&mb, "abcdef");
  assert_int_equal(mbuf_insert(&mb, 1, mb.buf + 3, 2), 2);
  assert_contents(&mb, "adebcdef");
  mbuf_free(&mb);

  /* Source straddling it. */
  make_tight(&mb, "abcdef");
  assert_int_equal(mbuf_insert(&mb, 2, mb.buf + 1, 3), 3);
  assert_contents(&mb, "abbcdcdef");
  mbuf_free(&mb);

  /* Same cases with room to spare, so nothing is reallocated. */
  mbuf_init(&mb, 64);
  mbuf_append(&mb, "abcdef", 6);
  assert_int_equal(mbuf_insert(&mb, 2, mb.buf + 1, 3), 3);
  assert_contents(&mb, "abbcdcdef");
  assert_int_equal(mbuf_insert(&mb, 0, mb.buf, mb.len), 9);
  assert_contents(&mb, "abbcdcdefabbcdcdef");
  mbuf_free(&mb);
}

static void test_insert_allocation_failure(void **state) {
  struct mbuf mb;
  char *old_buf;
  (void) state;
  make_tight(&mb, "abcdef");
  old_buf = mb.buf;
  fail_next = 1000;
  assert_int_equal(mbuf_insert(&mb, 3, "XYZ", 3), 0);
  assert_int_equal(mbuf_insert(&mb, 0, "XYZ", 3), 0);
  assert_int_equal(mbuf_insert(&mb, 3, mb.buf, 2), 0);
  fail_next = 0;
  assert_ptr_equal(mb.buf, old_buf);
  assert_int_equal(mb.size, 6);
  assert_contents(&mb, "abcdef");
  mbuf_free(&mb);
}

/* ---- remove ----------------------------------------------------------- */

static void test_remove(void **state) {
  struct mbuf mb;
  size_t size;
  (void) state;
  mbuf_init(&mb, 0);
  mbuf_append(&mb, "0123456789", 10);
  size = mb.size;

  mbuf_remove(&mb, 0);
  assert_contents(&mb, "0123456789");
  mbuf_remove(&mb, 3);
  assert_contents(&mb, "3456789");
  mbuf_remove(&mb, 6);
  assert_contents(&mb, "9");
  /* The allocation is kept for reuse, the consumed bytes in front. */
  assert_int_equal(mb.size + mb.head, size);
  mbuf_remove(&mb, 1);
  assert_int_equal(mb.len, 0);
  assert_int_equal(mb.head, 0);
  assert_int_equal(mb.size, size);
  mbuf_free(&mb);
}

/* Draining from the front moves buf forward without copying or allocating;
 * the consumed room comes back when an append needs it. */
static void test_remove_is_a_pointer_move(void **state) {
  struct mbuf mb;
  char *start;
  size_t calls;
  (void) state;
  mbuf_init(&mb, 0);
  mbuf_append(&mb, "0123456789abcdef", 16);
  start = mb.buf;
  calls = alloc_calls;
  mbuf_remove(&mb, 4);
  assert_ptr_equal(mb.buf, start + 4);
  mbuf_remove(&mb, 8);
  assert_ptr_equal(mb.buf, start + 12);
  assert_contents(&mb, "cdef");
  assert_int_equal(mb.head, 12);
  /* 12 consumed bytes outweigh 4 live ones: an append that would not fit
   * behind them reuses the front instead of growing. */
  assert_true(mb.len + 10 > mb.size);
  assert_true(mb.len + 10 <= mb.size + mb.head);
  assert_int_equal(mbuf_append(&mb, "ghijklmnop", 10), 10);
  assert_int_equal(alloc_calls, calls);
  assert_ptr_equal(mb.buf, start);
  assert_contents(&mb, "cdefghijklmnop");
  mbuf_free(&mb); /* frees the allocation, not buf; ASan checks */
}

/* A queue fed and drained in steps: contents stay exact however the
 * consumed prefix and the appends interleave. */
static void test_remove_and_append_interleaved(void **state) {
  struct mbuf mb;
  unsigned char want = 0, next = 0;
  size_t i, j;
  (void) state;
  mbuf_init(&mb, 0);
  for (i = 0; i < 2000; i++) {
    unsigned char chunk[37];
    size_t take = (i * 7) % 41;
    for (j = 0; j < sizeof(chunk); j++) chunk[j] = next++;
    assert_int_equal(mbuf_append(&mb, chunk, sizeof(chunk)), sizeof(chunk));
    if (take > mb.len) take = mb.len;
    for (j = 0; j < take; j++) {
      assert_int_equal((unsigned char) mb.buf[j], (unsigned char) (want + j));
    }
    want = (unsigned char) (want + take);
    mbuf_remove(&mb, take);
    assert_true(mb.len <= mb.size);
  }
  for (j = 0; j < mb.len; j++) {
    assert_int_equal((unsigned char) mb.buf[j], (unsigned char) (want + j));
  }
  mbuf_free(&mb);
}

/* resize, trim and a failed growth all keep the contents of a buffer whose
 * front was consumed. */
static void test_remove_then_resize_trim_and_fail(void **state) {
  struct mbuf mb;
  (void) state;
  mbuf_init(&mb, 64);
  mbuf_append(&mb, "0123456789", 10);
  mbuf_remove(&mb, 2);
  fail_next = 1;
  mbuf_resize(&mb, 1000);
  assert_contents(&mb, "23456789");
  mbuf_resize(&mb, 1000);
  assert_int_equal(mb.size, 1000);
  assert_int_equal(mb.head, 0);
  assert_contents(&mb, "23456789");
  mbuf_remove(&mb, 3);
  mbuf_trim(&mb);
  assert_int_equal(mb.size, 5);
  assert_contents(&mb, "56789");
  mbuf_remove(&mb, 1);
  fail_next = 2;
  assert_int_equal(mbuf_append(&mb, "xxxxxxxx", 8), 0);
  assert_contents(&mb, "6789");
  mbuf_free(&mb);
}

static void test_remove_more_than_len(void **state) {
  struct mbuf mb;
  (void) state;
  mbuf_init(&mb, 0);
  mbuf_append(&mb, "abc", 3);
  mbuf_remove(&mb, 4);
  assert_int_equal(mb.len, 0);
  mbuf_append(&mb, "abc", 3);
  mbuf_remove(&mb, SIZE_MAX);
  assert_int_equal(mb.len, 0);
  assert_non_null(mb.buf);
  mbuf_free(&mb);

  mbuf_remove(&mb, 10); /* on a never-allocated mbuf */
  assert_int_equal(mb.len, 0);
  assert_null(mb.buf);
}

/* ---- resize / trim / clear ------------------------------------------- */

static void test_resize(void **state) {
  struct mbuf mb;
  (void) state;
  mbuf_init(&mb, 0);
  mbuf_append(&mb, "abcdef", 6);

  mbuf_resize(&mb, 100);
  assert_int_equal(mb.size, 100);
  assert_contents(&mb, "abcdef");

  mbuf_resize(&mb, 3); /* below len: refused */
  assert_int_equal(mb.size, 100);
  assert_contents(&mb, "abcdef");

  mbuf_resize(&mb, 6);
  assert_int_equal(mb.size, 6);
  assert_contents(&mb, "abcdef");

  mbuf_clear(&mb);
  mbuf_resize(&mb, 0);
  assert_null(mb.buf);
  assert_int_equal(mb.size, 0);
  mbuf_free(&mb);
}

static void test_resize_allocation_failure(void **state) {
  struct mbuf mb;
  char *old_buf;
  (void) state;
  make_tight(&mb, "abc");
  old_buf = mb.buf;
  fail_next = 1;
  mbuf_resize(&mb, 1000);
  assert_int_equal(fail_next, 0); /* the allocation was attempted */
  assert_ptr_equal(mb.buf, old_buf);
  assert_int_equal(mb.size, 3);
  assert_contents(&mb, "abc");
  mbuf_free(&mb);
}

static void test_trim(void **state) {
  struct mbuf mb;
  char *old_buf;
  (void) state;
  mbuf_init(&mb, 64);
  mbuf_append(&mb, "hello", 5);
  mbuf_trim(&mb);
  assert_int_equal(mb.size, 5);
  assert_contents(&mb, "hello");

  /* A failed shrink keeps the old, larger allocation intact. */
  mbuf_resize(&mb, 64);
  old_buf = mb.buf;
  fail_next = 1;
  mbuf_trim(&mb);
  assert_ptr_equal(mb.buf, old_buf);
  assert_int_equal(mb.size, 64);
  assert_contents(&mb, "hello");

  /* Trimming an empty mbuf releases the memory altogether. */
  mbuf_clear(&mb);
  mbuf_trim(&mb);
  assert_null(mb.buf);
  assert_int_equal(mb.size, 0);
  mbuf_free(&mb);
}

static void test_clear(void **state) {
  struct mbuf mb;
  char *old_buf;
  (void) state;
  mbuf_init(&mb, 0);
  mbuf_append(&mb, "hello", 5);
  old_buf = mb.buf;
  mbuf_clear(&mb);
  assert_int_equal(mb.len, 0);
  assert_ptr_equal(mb.buf, old_buf);
  assert_true(mb.size >= 5);
  alloc_calls = 0;
  mbuf_append(&mb, "bye", 3); /* reuses the kept allocation */
  assert_int_equal(alloc_calls, 0);
  assert_contents(&mb, "bye");
  mbuf_free(&mb);
}

/* ---- move ------------------------------------------------------------- */

static void test_move(void **state) {
  struct mbuf from, to;
  char *from_buf;
  size_t from_size;
  (void) state;
  mbuf_init(&from, 0);
  mbuf_init(&to, 0);
  mbuf_append(&from, "payload", 7);
  mbuf_append(&to, "old contents", 12); /* must be freed, not leaked */
  from_buf = from.buf;
  from_size = from.size;

  mbuf_move(&from, &to);
  assert_ptr_equal(to.buf, from_buf);
  assert_int_equal(to.size, from_size);
  assert_contents(&to, "payload");
  assert_null(from.buf);
  assert_int_equal(from.len, 0);
  assert_int_equal(from.size, 0);

  mbuf_move(&to, &to); /* onto itself: nothing happens */
  assert_contents(&to, "payload");
  mbuf_free(&to);
  mbuf_free(&from);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup(test_init_zero_does_not_allocate, reset_allocs),
      cmocka_unit_test_setup(test_init_with_capacity, reset_allocs),
      cmocka_unit_test_setup(test_init_allocation_failure, reset_allocs),
      cmocka_unit_test_setup(test_free_resets_and_is_repeatable,
                             reset_allocs),
      cmocka_unit_test_setup(test_append, reset_allocs),
      cmocka_unit_test_setup(test_append_zero_length, reset_allocs),
      cmocka_unit_test_setup(test_append_null_data_reserves_zeroed_room,
                             reset_allocs),
      cmocka_unit_test_setup(test_append_from_inside_itself, reset_allocs),
      cmocka_unit_test_setup(test_append_allocation_failure, reset_allocs),
      cmocka_unit_test_setup(test_append_falls_back_to_exact_size,
                             reset_allocs),
      cmocka_unit_test_setup(test_append_size_overflow, reset_allocs),
      cmocka_unit_test_setup(test_append_growth_is_geometric, reset_allocs),
      cmocka_unit_test_setup(test_insert_at_start_middle_end, reset_allocs),
      cmocka_unit_test_setup(test_insert_past_end_fails, reset_allocs),
      cmocka_unit_test_setup(test_insert_zero_length, reset_allocs),
      cmocka_unit_test_setup(test_insert_from_inside_itself, reset_allocs),
      cmocka_unit_test_setup(test_insert_allocation_failure, reset_allocs),
      cmocka_unit_test_setup(test_remove, reset_allocs),
      cmocka_unit_test_setup(test_remove_is_a_pointer_move, reset_allocs),
      cmocka_unit_test_setup(test_remove_and_append_interleaved, reset_allocs),
      cmocka_unit_test_setup(test_remove_then_resize_trim_and_fail,
                             reset_allocs),
      cmocka_unit_test_setup(test_remove_more_than_len, reset_allocs),
      cmocka_unit_test_setup(test_resize, reset_allocs),
      cmocka_unit_test_setup(test_resize_allocation_failure, reset_allocs),
      cmocka_unit_test_setup(test_trim, reset_allocs),
      cmocka_unit_test_setup(test_clear, reset_allocs),
      cmocka_unit_test_setup(test_move, reset_allocs),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
