/*
 * scn_regex.h - the POSIX extended regular expressions of `expect order` and
 * `expect peer P got-match`, matched in time linear in the subject.
 *
 * Patterns come from scenario files, which may be hostile (fuzzed, or just
 * careless), so everything is bounded: the pattern's length, its nesting,
 * the size of the compiled program (counted repetitions are expanded), and
 * the memory, which is proportional to that program. A search takes
 * O(program size x subject length) steps and no recursion; the parser's
 * recursion is as deep as the pattern's parentheses, at most SCN_RE_MAX_DEPTH.
 *
 * Semantics are glibc regexec's with REG_EXTENDED and without REG_NEWLINE,
 * in the C locale: '.' and "[^x]" match any byte including newline, '^' and
 * '$' hold only at the subject's start and end, and a match is POSIX
 * leftmost-longest. Subjects and patterns are pointer and length: they may
 * hold NUL bytes, which are ordinary bytes.
 */
#ifndef SCN_REGEX_H
#define SCN_REGEX_H

#include <stddef.h>

#define SCN_RE_MAX_LEN 4096    /* pattern bytes */
#define SCN_RE_MAX_DEPTH 64    /* nested parentheses */
#define SCN_RE_MAX_PROG 16384  /* compiled instructions */
#define SCN_RE_DUP_MAX 255     /* largest count in {m,n} (POSIX RE_DUP_MAX) */

/* Why a pattern was refused. */
enum scn_re_status {
  SCN_RE_OK = 0,
  SCN_RE_ESYNTAX,      /* not a valid ERE */
  SCN_RE_ELIMIT,       /* valid, but over one of the limits above */
  SCN_RE_EUNDEFINED,   /* undefined in POSIX: stacked repetition ("a**") */
  SCN_RE_EUNSUPPORTED, /* GNU extensions and back-references ("\w", "\1") */
  SCN_RE_ENOMEM
};

struct scn_re;

/* Compiles pat (len bytes) into *out. On failure *out is NULL and err holds
 * the reason, with the offset in the pattern where it applies. */
enum scn_re_status scn_re_compile(struct scn_re **out, const char *pat, size_t len,
                                  char *err, size_t errlen);
void scn_re_free(struct scn_re *re);

/* Searches s (len bytes). Returns 1 on a match and sets *so and *eo (either
 * may be NULL) to the leftmost-longest match; 0 if there is none. With
 * so and eo both NULL it stops at the first match found. A compiled
 * expression keeps its working memory: one search at a time.
 *
 * Linear is not cheap when the program is large: 16,384 instructions over a
 * 64 MiB subject would take hours. A search given a budget (the number of
 * thread steps it may take, shared by whoever holds the counter) takes it
 * from *budget and returns -1, without a verdict, once it is spent. */
int scn_re_search(struct scn_re *re, const char *s, size_t len, size_t *so, size_t *eo);
int scn_re_search_budget(struct scn_re *re, const char *s, size_t len, size_t *so,
                         size_t *eo, unsigned long long *budget);

/* The pattern as a scenario string, cut short if long, for messages:
 * "abc\n(((((...((((" (12500 bytes). Always NUL-terminates out. */
void scn_re_quote(const char *pat, size_t len, char *out, size_t outlen);

#endif
