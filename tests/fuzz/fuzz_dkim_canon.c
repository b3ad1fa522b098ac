/*
 * fuzz_dkim_canon.c - DKIM body canonicalization and hashing fed in
 * random chunkings, and header field selection by h= names.
 * Input: byte 0 picks simple/relaxed, SHA-1/SHA-256 and whether l= is
 * set; bytes 1-2 are l=; byte 3 seeds the chunk sizes; the rest is the
 * body (and, split at lines, a header block and an h= list).
 * Invariants: the hash and length do not depend on how the body is cut
 * into chunks; l= bounds the hashed length.
 */
#include "config.h"

#include "core/dkim_canon.h"
#include "fuzz.h"

#define FUZZ_CANON_HEADERS 64

/* body_hash - hash the body, cut into chunks of sizes from seed (0: one
 * chunk); returns the hash length and the canonical length */
static size_t
body_hash(enum dkim_canon c, enum crypto_hash h, bool limited, uint64_t l,
    const uint8_t *p, size_t n, unsigned seed, unsigned char *out,
    uint64_t *len_r)
{
	struct dkim_body *b = dkim_body_new(c, h, limited, l);
	size_t hl;

	while (n > 0) {
		size_t k = n;

		if (seed != 0) {
			seed = seed * 1103515245u + 12345u;
			k = (seed >> 16) % 7;	/* 0..6 bytes: CR/LF splits */
			if (k > n)
				k = n;
		}
		/* copy so a read past a chunk's end is caught */
		unsigned char *chunk = fuzz_copy(p, k);
		dkim_body_update(b, chunk, k);
		free(chunk);
		p += k;
		n -= k;
	}
	*len_r = dkim_body_length(b);
	hl = dkim_body_final(b, out);
	dkim_body_free(&b);
	return hl;
}

static void
headers(enum dkim_canon c, const uint8_t *p, size_t n)
{
	struct dkim_header hdrs[FUZZ_CANON_HEADERS];
	struct dkim_name names[FUZZ_CANON_HEADERS];
	char *lines[FUZZ_CANON_HEADERS];
	size_t nh = 0, nn = 0, i, len;
	struct buf out, crlf;

	buf_init(&out);
	buf_init(&crlf);
	while (n > 0 && nh < FUZZ_CANON_HEADERS) {
		char *line = fuzz_next_line(&p, &n, &len);
		char *colon = memchr(line, ':', len);

		lines[nh] = line;
		if (colon == NULL) {
			/* a line without a colon names a field for h= */
			names[nn].p = (unsigned char *)line;
			names[nn].len = len;
			nn++;
			hdrs[nh].name = NULL;
			nh++;
			continue;
		}
		hdrs[nh].name = (unsigned char *)line;
		hdrs[nh].name_len = (size_t)(colon - line);
		hdrs[nh].value = (unsigned char *)colon + 1;
		hdrs[nh].value_len = len - hdrs[nh].name_len - 1;
		nh++;
	}
	/* drop the name-only lines from the field list */
	len = 0;
	for (i = 0; i < nh; i++)
		if (hdrs[i].name != NULL)
			hdrs[len++] = hdrs[i];
	dkim_canon_select(c, hdrs, len, len > 0 ? 0 : SIZE_MAX, names, nn,
	    &out);
	for (i = 0; i < len; i++) {
		buf_reset(&crlf);
		dkim_canon_crlf(hdrs[i].value, hdrs[i].value_len, &crlf);
		(void)dkim_canon_name_is(&hdrs[i], nn > 0 ? &names[0] :
		    &(struct dkim_name){ (const unsigned char *)"from", 4 });
	}
	for (i = 0; i < nh; i++)
		free(lines[i]);
	buf_deinit(&out);
	buf_deinit(&crlf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char one[CRYPTO_DIGEST_MAX], cut[CRYPTO_DIGEST_MAX];
	enum dkim_canon c;
	enum crypto_hash h;
	bool limited;
	uint64_t l, len1, len2;
	unsigned seed;
	size_t n1, n2;

	if (size < 4)
		return 0;
	c = (data[0] & 1) ? DKIM_CANON_RELAXED : DKIM_CANON_SIMPLE;
	h = (data[0] & 2) ? CRYPTO_HASH_SHA1 : CRYPTO_HASH_SHA256;
	limited = (data[0] & 4) != 0;
	l = (uint64_t)data[1] << 8 | data[2];
	seed = data[3] | 1u;
	data += 4;
	size -= 4;
	n1 = body_hash(c, h, limited, l, data, size, 0, one, &len1);
	n2 = body_hash(c, h, limited, l, data, size, seed, cut, &len2);
	if (n1 != n2 || n1 == 0 || memcmp(one, cut, n1) != 0 || len1 != len2)
		abort();
	headers(c, data, size);
	return 0;
}
