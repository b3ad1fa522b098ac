/* test_dns_fake.c - DNS result mapping, rdata decoding and the table fake */
#include "config.h"

#include <ctype.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dns/dns.h"
#include "dns/dns_int.h"
#include "util/xmalloc.h"

/* Table of wire rdata cases: label, type, rdata, expected ok/text. */
struct rdata_case {
	const char *label;
	uint16_t type;
	const char *wire;
	size_t len;
	bool ok;
	const char *text;
	size_t text_len;
	uint16_t pref;
};

static const struct rdata_case rdata_cases[] = {
	{ "txt one string", DNS_T_TXT, "\x05hello", 6, true, "hello", 5, 0 },
	{ "txt strings joined without space", DNS_T_TXT,
	  "\x07v=spf1 \x04-all", 13, true, "v=spf1 -all", 11, 0 },
	{ "txt empty string", DNS_T_TXT, "\x00", 1, true, "", 0, 0 },
	{ "txt embedded nul kept", DNS_T_TXT, "\x03" "a\0b", 4, true, "a\0b", 3, 0 },
	{ "txt string overruns rdata", DNS_T_TXT, "\x09short", 6, false, NULL, 0, 0 },
	{ "txt second string overruns", DNS_T_TXT, "\x02" "ok\x09" "abc", 7, false,
	  NULL, 0, 0 },
	{ "mx pref and name", DNS_T_MX, "\x00\x0a\x02mx\x07" "example\x03" "com\x00",
	  18, true, "mx.example.com", 14, 10 },
	{ "mx null, RFC 7505: the root", DNS_T_MX, "\x00\x00\x00", 3, true, "", 0, 0 },
	{ "mx too short", DNS_T_MX, "\x00\x0a", 2, false, NULL, 0, 0 },
	{ "ptr name", DNS_T_PTR, "\x04host\x04test\x00", 11, true, "host.test", 9, 0 },
	{ "ptr dot inside label escaped", DNS_T_PTR, "\x03" "a.b\x04test\x00", 10,
	  true, "a\\046b.test", 11, 0 },
	{ "ptr one-letter first label", DNS_T_PTR, "\x01" "a\x04test\x00", 8,
	  true, "a.test", 6, 0 },
	{ "ptr space and DEL escaped", DNS_T_PTR, "\x03" "a b\x01\x7f\x00", 7,
	  true, "a\\032b.\\127", 11, 0 },
	{ "ptr root name", DNS_T_PTR, "\x00", 1, true, "", 0, 0 },
	{ "ptr empty rdata refused", DNS_T_PTR, "", 0, false, NULL, 0, 0 },
	{ "ptr name without its root refused", DNS_T_PTR, "\x01" "a", 2, false,
	  NULL, 0, 0 },
	{ "ptr compression pointer refused", DNS_T_PTR, "\xc0\x0c", 2, false, NULL, 0, 0 },
	{ "ptr trailing junk refused", DNS_T_PTR, "\x01" "a\x00X", 4, false, NULL, 0, 0 },
	{ "ptr label overruns", DNS_T_PTR, "\x3f" "abc", 4, false, NULL, 0, 0 },
	{ "a wrong length", DNS_T_A, "\x01\x02\x03", 3, false, NULL, 0, 0 },
	{ "unknown type refused", 255, "\x00", 1, false, NULL, 0, 0 },
};

static void
test_rdata_decoding_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rdata_cases) / sizeof(rdata_cases[0]); i++) {
		const struct rdata_case *c = &rdata_cases[i];
		struct dns_answer *a = dns_answer_new(DNS_R_ANSWER);
		/* exactly len bytes, so a read past the rdata is an ASan
		 * report rather than the literal's NUL */
		unsigned char *rd = xmalloc(c->len);
		bool ok;

		memcpy(rd, c->wire, c->len);
		ok = dns_answer_from_rdata(a, c->type, rd, c->len);
		free(rd);

		print_message("# %s\n", c->label);
		assert_int_equal(ok, c->ok);
		if (c->ok) {
			assert_int_equal(a->count, 1);
			assert_int_equal(a->rr[0].text_len, c->text_len);
			assert_memory_equal(a->rr[0].text, c->text, c->text_len + 1);
			assert_int_equal(a->rr[0].pref, c->pref);
		} else {
			assert_int_equal(a->count, 0);
		}
		dns_answer_free(&a);
		assert_null(a);
	}
}

/* wire_name - labels of 'a' of the given lengths, then the root */
static size_t
wire_name(unsigned char *w, const size_t *labels, size_t n)
{
	size_t len = 0, i;

	for (i = 0; i < n; i++) {
		w[len++] = (unsigned char)labels[i];
		memset(w + len, 'a', labels[i]);
		len += labels[i];
	}
	w[len++] = 0;
	return len;
}

/* RFC 1035 3.1: a name is 255 octets or less, length octets and the
 * root's zero octet included */
static void
test_rdata_name_length_limit(void **state)
{
	static const size_t longest[] = { 63, 63, 63, 61 };
	static const size_t over[] = { 63, 63, 63, 62 };
	static const size_t label_over = 64;	/* RFC 1035 2.3.4: labels 63 */
	unsigned char w[300];
	struct dns_answer *a = dns_answer_new(DNS_R_ANSWER);
	size_t len;

	(void)state;
	len = wire_name(w, longest, 4);
	assert_int_equal(len, 255);
	assert_true(dns_answer_from_rdata(a, DNS_T_PTR, w, len));
	assert_int_equal(a->rr[0].text_len, 253);
	len = wire_name(w, over, 4);
	assert_int_equal(len, 256);
	assert_false(dns_answer_from_rdata(a, DNS_T_PTR, w, len));
	len = wire_name(w, &label_over, 1);
	assert_false(dns_answer_from_rdata(a, DNS_T_PTR, w, len));
	assert_int_equal(a->count, 1);
	dns_answer_free(&a);
}

/* an answer keeps at most 1024 records (DNS_MAX_RRS in dns.c); one more
 * is refused, not counted as added */
static void
test_rdata_records_bounded(void **state)
{
	struct dns_answer *a = dns_answer_new(DNS_R_ANSWER);
	const unsigned char v4[4] = { 192, 0, 2, 1 };
	size_t i;

	(void)state;
	for (i = 0; i < 1024; i++)
		assert_true(dns_answer_from_rdata(a, DNS_T_A, v4, 4));
	assert_false(dns_answer_from_rdata(a, DNS_T_A, v4, 4));
	assert_int_equal(a->count, 1024);
	dns_answer_free(&a);
}

static void
test_rdata_addresses(void **state)
{
	struct dns_answer *a = dns_answer_new(DNS_R_ANSWER);
	const unsigned char v4[4] = { 192, 0, 2, 1 };
	const unsigned char v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };

	(void)state;
	assert_true(dns_answer_from_rdata(a, DNS_T_A, v4, 4));
	assert_true(dns_answer_from_rdata(a, DNS_T_AAAA, v6, 16));
	assert_false(dns_answer_from_rdata(a, DNS_T_AAAA, v6, 15));
	assert_int_equal(a->count, 2);
	assert_memory_equal(a->rr[0].addr, v4, 4);
	assert_memory_equal(a->rr[1].addr, v6, 16);
	assert_null(a->rr[0].text);
	dns_answer_free(&a);
}

static void
test_status_names(void **state)
{
	(void)state;
	assert_string_equal(dns_status_name(DNS_R_ANSWER), "answer");
	assert_string_equal(dns_status_name(DNS_R_NXDOMAIN), "nxdomain");
	assert_string_equal(dns_status_name(DNS_R_NODATA), "nodata");
	assert_string_equal(dns_status_name(DNS_R_SERVFAIL), "servfail");
	assert_string_equal(dns_status_name(DNS_R_TIMEOUT), "timeout");
	assert_string_equal(dns_status_name(DNS_R_BOGUS), "bogus");
	assert_string_equal(dns_status_name(DNS_R_ERROR), "error");
	assert_string_equal(dns_status_name((enum dns_status)99), "unknown");
}

static void
test_name_checks(void **state)
{
	char label64[80], long_name[300];

	(void)state;
	memset(label64, 'a', 64);
	strcpy(label64 + 64, ".test");
	memset(long_name, 'a', sizeof(long_name));
	for (size_t i = 10; i < 290; i += 10)
		long_name[i] = '.';
	long_name[299] = '\0';
	assert_true(dns_name_ok("example.com"));
	assert_true(dns_name_ok("example.com."));
	assert_true(dns_name_ok("localhost"));
	assert_false(dns_name_ok(""));
	assert_false(dns_name_ok("."));
	assert_false(dns_name_ok("a..b"));
	assert_false(dns_name_ok(".a"));
	assert_false(dns_name_ok(label64));
	assert_false(dns_name_ok(long_name));
	assert_false(dns_name_ok(NULL));
}

/* ref_name_key - the name checks and the cache key written the simple
 * way: strlen, drop one final dot, check lengths and labels, lower-case */
static bool
ref_name_key(const char *name, char *key, size_t *len_r)
{
	size_t len, label = 0, i;

	if (name == NULL)
		return false;
	len = strlen(name);
	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > 253)
		return false;
	for (i = 0; i < len; i++) {
		if (name[i] == '.') {
			if (label == 0)
				return false;
			label = 0;
		} else if (++label > 63) {
			return false;
		}
		key[i] = (char)tolower((unsigned char)name[i]);
	}
	key[len] = '\0';
	*len_r = len;
	return label > 0;
}

/* test_name_key_matches_reference - random names of dots, letters of
 * both cases and other bytes, around the label and name limits */
static void
test_name_key_matches_reference(void **state)
{
	static const char alpha[] = "aZ.-_\\\x80.";
	static const size_t lens[] = { 0, 1, 2, 3, 62, 63, 64, 65, 252, 253,
	    254, 255, 256, 300 };
	char name[320], key[DNS_NAME_KEY_MAX], ref[DNS_NAME_KEY_MAX];
	unsigned seed = 99;
	size_t round, i, n, klen = 0, rlen = 0, valid = 0;
	bool got, want;

	(void)state;
	for (round = 0; round < 20000; round++) {
		n = lens[round % (sizeof(lens) / sizeof(lens[0]))];
		seed = seed * 1103515245u + 12345u;
		for (i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			/* mostly letters, with dots every few bytes or rarely */
			if ((seed >> 16) % ((round & 1) ? 8 : 70) == 0)
				name[i] = '.';
			else if ((seed >> 16) % 11 == 0)
				name[i] = alpha[(seed >> 8) % (sizeof(alpha) - 1)];
			else
				name[i] = (char)((seed >> 20) % 2 ? 'a' : 'A') +
				    (char)((seed >> 8) % 26);
		}
		name[n] = '\0';
		if ((seed >> 4) % 4 == 0 && n > 0)
			name[n - 1] = '.';
		got = dns_name_key(name, key, &klen);
		want = ref_name_key(name, ref, &rlen);
		assert_int_equal(got, want);
		assert_int_equal(dns_name_ok(name), want);
		if (want) {
			valid++;
			assert_int_equal(klen, rlen);
			assert_string_equal(key, ref);
		}
	}
	assert_false(dns_name_key(NULL, key, &klen));
	/* every byte value at every place of an 8-byte block and the tail */
	for (i = 1; i < 256; i++) {
		size_t at;

		for (at = 0; at < 11; at++) {
			memcpy(name, "abcdefgh.jkl", 13);
			name[at == 8 ? 7 : at] = (char)i;
			got = dns_name_key(name, key, &klen);
			want = ref_name_key(name, ref, &rlen);
			assert_int_equal(got, want);
			if (want) {
				assert_int_equal(klen, rlen);
				assert_string_equal(key, ref);
			}
		}
	}
	/* both kinds were tried often */
	assert_true(valid > 2000 && valid < 18000);
}

/* test_answer_copy_packed - a copy in one allocation holds the same
 * records and texts (NULL texts, embedded NULs, no records too), and
 * dns_answer_free frees it like any answer */
static void
test_answer_copy_packed(void **state)
{
	struct dns_answer *a = dns_answer_new(DNS_R_ANSWER), *b;
	struct dns_rr *rr;
	size_t i;

	(void)state;
	a->secure = true;
	a->ttl = 77;
	rr = dns_answer_add(a, DNS_T_A);
	memcpy(rr->addr, "\xc0\x00\x02\x01", 4);
	rr = dns_answer_add(a, DNS_T_TXT);
	rr->text = xstrdup("v=spf1 -all");
	rr->text_len = strlen(rr->text);
	rr = dns_answer_add(a, DNS_T_MX);
	rr->pref = 10;
	rr->text = xmalloc(4);
	memcpy(rr->text, "a\0b", 4);
	rr->text_len = 3;
	rr = dns_answer_add(a, DNS_T_TXT);
	rr->text = xstrdup("");
	b = dns_answer_copy(a);
	assert_true(b->packed);
	assert_false(a->packed);
	assert_int_equal(b->status, a->status);
	assert_int_equal(b->secure, a->secure);
	assert_int_equal(b->ttl, a->ttl);
	assert_int_equal(b->count, a->count);
	for (i = 0; i < a->count; i++) {
		assert_int_equal(b->rr[i].type, a->rr[i].type);
		assert_int_equal(b->rr[i].pref, a->rr[i].pref);
		assert_memory_equal(b->rr[i].addr, a->rr[i].addr, 16);
		assert_int_equal(b->rr[i].text_len, a->rr[i].text_len);
		if (a->rr[i].text == NULL) {
			assert_null(b->rr[i].text);
			continue;
		}
		assert_true(b->rr[i].text != a->rr[i].text);
		assert_memory_equal(b->rr[i].text, a->rr[i].text,
		    a->rr[i].text_len + 1);
	}
	dns_answer_free(&a);
	dns_answer_free(&b);
	assert_null(b);
	a = dns_answer_new(DNS_R_NXDOMAIN);
	b = dns_answer_copy(a);
	assert_int_equal(b->count, 0);
	assert_null(b->rr);
	assert_int_equal(b->status, DNS_R_NXDOMAIN);
	dns_answer_free(&a);
	dns_answer_free(&b);
}

static const struct dns_fake_record table[] = {
	{ "www.example.test", DNS_T_A, DNS_R_ANSWER, "192.0.2.1", 0, 0 },
	{ "www.example.test", DNS_T_A, DNS_R_ANSWER, "192.0.2.2", 0, 0 },
	{ "www.example.test", DNS_T_AAAA, DNS_R_ANSWER, "2001:db8::1", 0, 0 },
	{ "example.test", DNS_T_TXT, DNS_R_ANSWER, "v=spf1 -all", 0, 0 },
	{ "example.test", DNS_T_MX, DNS_R_ANSWER, "10 mx.example.test.", 0, 0 },
	{ "broken.test", DNS_T_TXT, DNS_R_SERVFAIL, NULL, 0, 0 },
	{ "silent.test", DNS_T_TXT, DNS_R_TIMEOUT, NULL, 0, 0 },
	{ "slow.test", DNS_T_TXT, DNS_R_ANSWER, "late", 300, 0 },
	{ "badaddr.test", DNS_T_A, DNS_R_ANSWER, "not-an-ip", 0, 0 },
};

static void
test_fake_statuses(void **state)
{
	struct dns_resolver *r = dns_resolver_new_fake(table,
	    sizeof(table) / sizeof(table[0]), 1000);
	struct dns_answer *a;

	(void)state;
	a = dns_lookup(r, "WWW.Example.TEST.", DNS_T_A, 0);
	assert_int_equal(a->status, DNS_R_ANSWER);
	assert_int_equal(a->count, 2);
	assert_int_equal(a->rr[1].addr[3], 2);
	dns_answer_free(&a);
	a = dns_lookup(r, "example.test", DNS_T_MX, 0);
	assert_int_equal(a->status, DNS_R_ANSWER);
	assert_int_equal(a->rr[0].pref, 10);
	assert_string_equal(a->rr[0].text, "mx.example.test");
	dns_answer_free(&a);
	a = dns_lookup(r, "example.test", DNS_T_A, 0);
	assert_int_equal(a->status, DNS_R_NODATA);
	dns_answer_free(&a);
	a = dns_lookup(r, "nowhere.test", DNS_T_A, 0);
	assert_int_equal(a->status, DNS_R_NXDOMAIN);
	dns_answer_free(&a);
	a = dns_lookup(r, "broken.test", DNS_T_TXT, 0);
	assert_int_equal(a->status, DNS_R_SERVFAIL);
	dns_answer_free(&a);
	a = dns_lookup(r, "badaddr.test", DNS_T_A, 0);
	assert_int_equal(a->status, DNS_R_NODATA);	/* unusable row skipped */
	dns_answer_free(&a);
	a = dns_lookup(r, "a..b", DNS_T_A, 0);
	assert_int_equal(a->status, DNS_R_ERROR);
	dns_answer_free(&a);
	assert_int_equal(dns_resolver_lookups(r), 7);
	dns_resolver_free(&r);
	assert_null(r);
}

/* TTLs: an answer's is its rows' smallest (300 when a row leaves it 0);
 * a negative answer forced by a row has that row's, as a real one has
 * the SOA minimum; other statuses and absent names have none */
static const struct dns_fake_record ttl_table[] = {
	{ "two.test", DNS_T_A, DNS_R_ANSWER, "192.0.2.1", 0, 0 },
	{ "two.test", DNS_T_A, DNS_R_ANSWER, "192.0.2.2", 0, 30 },
	{ "one.test", DNS_T_A, DNS_R_ANSWER, "192.0.2.3", 0, 0 },
	{ "gone.test", DNS_T_TXT, DNS_R_NXDOMAIN, NULL, 0, 600 },
	{ "empty.test", DNS_T_TXT, DNS_R_NODATA, NULL, 0, 60 },
	{ "plain-gone.test", DNS_T_TXT, DNS_R_NXDOMAIN, NULL, 0, 0 },
	{ "broken.test", DNS_T_TXT, DNS_R_SERVFAIL, NULL, 0, 600 },
};

static void
test_fake_ttls(void **state)
{
	static const struct {
		const char *name;
		uint16_t type;
		enum dns_status status;
		uint32_t ttl;
	} cases[] = {
		{ "two.test", DNS_T_A, DNS_R_ANSWER, 30 },
		{ "one.test", DNS_T_A, DNS_R_ANSWER, 300 },
		{ "gone.test", DNS_T_TXT, DNS_R_NXDOMAIN, 600 },
		{ "empty.test", DNS_T_TXT, DNS_R_NODATA, 60 },
		{ "plain-gone.test", DNS_T_TXT, DNS_R_NXDOMAIN, 0 },
		{ "broken.test", DNS_T_TXT, DNS_R_SERVFAIL, 0 },
		{ "one.test", DNS_T_TXT, DNS_R_NODATA, 0 },
		{ "nowhere.test", DNS_T_TXT, DNS_R_NXDOMAIN, 0 },
	};
	struct dns_resolver *r = dns_resolver_new_fake(ttl_table,
	    sizeof(ttl_table) / sizeof(ttl_table[0]), 1000);
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dns_answer *a = dns_lookup(r, cases[i].name,
		    cases[i].type, 0);

		print_message("# %s\n", cases[i].name);
		assert_int_equal(a->status, cases[i].status);
		assert_int_equal(a->ttl, cases[i].ttl);
		dns_answer_free(&a);
	}
	dns_resolver_free(&r);
}

static void
test_fake_timeouts_bounded(void **state)
{
	struct dns_resolver *r = dns_resolver_new_fake(table,
	    sizeof(table) / sizeof(table[0]), 200);
	struct dns_answer *a;
	struct dns_query *q;
	uint64_t t0;

	(void)state;
	t0 = clock_mono_ms();
	a = dns_lookup(r, "silent.test", DNS_T_TXT, 0);
	assert_int_equal(a->status, DNS_R_TIMEOUT);
	assert_in_range(clock_mono_ms() - t0, 190, 400);
	dns_answer_free(&a);
	/* a delayed answer later than the deadline is a timeout */
	t0 = clock_mono_ms();
	a = dns_lookup(r, "slow.test", DNS_T_TXT, 0);
	assert_int_equal(a->status, DNS_R_TIMEOUT);
	dns_answer_free(&a);
	/* a shorter caller timeout wins */
	t0 = clock_mono_ms();
	a = dns_lookup(r, "silent.test", DNS_T_TXT, 50);
	assert_int_equal(a->status, DNS_R_TIMEOUT);
	assert_in_range(clock_mono_ms() - t0, 45, 190);
	dns_answer_free(&a);
	/* async: start, cancel; start, wait */
	q = dns_query_start(r, "silent.test", DNS_T_TXT);
	dns_query_cancel(&q);
	assert_null(q);
	q = dns_query_start(r, "example.test", DNS_T_TXT);
	a = dns_query_wait(&q, 0);
	assert_null(q);
	assert_int_equal(a->status, DNS_R_ANSWER);
	assert_string_equal(a->rr[0].text, "v=spf1 -all");
	dns_answer_free(&a);
	dns_resolver_free(&r);
}

static void
test_fake_delay_within_deadline(void **state)
{
	struct dns_resolver *r = dns_resolver_new_fake(table,
	    sizeof(table) / sizeof(table[0]), 1000);
	struct dns_answer *a;
	uint64_t t0 = clock_mono_ms();

	(void)state;
	a = dns_lookup(r, "slow.test", DNS_T_TXT, 0);
	assert_int_equal(a->status, DNS_R_ANSWER);
	assert_in_range(clock_mono_ms() - t0, 290, 800);
	dns_answer_free(&a);
	dns_resolver_free(&r);
}

/* set_give_up - after 100 ms, give up now (a stop, from another thread) */
static void *
set_give_up(void *arg)
{
	_Atomic uint64_t *by = arg;
	struct timespec ts = { 0, 100 * 1000000L };

	(void)nanosleep(&ts, NULL);
	atomic_store(by, clock_mono_ms());
	return NULL;
}

static void
test_fake_lookup_until(void **state)
{
	struct dns_resolver *r = dns_resolver_new_fake(table,
	    sizeof(table) / sizeof(table[0]), 2000);
	_Atomic uint64_t by = 0;
	struct dns_answer *a;
	pthread_t th;
	uint64_t t0;

	(void)state;
	/* no give-up time: as dns_lookup */
	a = dns_lookup_until(r, "slow.test", DNS_T_TXT, 0, &by);
	assert_int_equal(a->status, DNS_R_ANSWER);
	dns_answer_free(&a);
	/* one later than the answer changes nothing */
	atomic_store(&by, clock_mono_ms() + 1500);
	a = dns_lookup_until(r, "slow.test", DNS_T_TXT, 0, &by);
	assert_int_equal(a->status, DNS_R_ANSWER);
	dns_answer_free(&a);
	/* one already passed: given up at once */
	atomic_store(&by, clock_mono_ms());
	t0 = clock_mono_ms();
	a = dns_lookup_until(r, "silent.test", DNS_T_TXT, 0, &by);
	assert_int_equal(a->status, DNS_R_TIMEOUT);
	assert_in_range(clock_mono_ms() - t0, 0, 50);
	dns_answer_free(&a);
	/* one set while the lookup waits: given up within a poll of it */
	atomic_store(&by, 0);
	assert_int_equal(pthread_create(&th, NULL, set_give_up, &by), 0);
	t0 = clock_mono_ms();
	a = dns_lookup_until(r, "silent.test", DNS_T_TXT, 0, &by);
	assert_int_equal(a->status, DNS_R_TIMEOUT);
	assert_in_range(clock_mono_ms() - t0, 90, 100 + DNS_GIVE_UP_POLL_MS +
	    150);
	dns_answer_free(&a);
	(void)pthread_join(th, NULL);
	dns_resolver_free(&r);
}

static void
test_bad_forwarders_refused(void **state)
{
	static const char *bad[] = { "", "not-an-ip", "127.0.0.1@", "127.0.0.1@0",
	    "127.0.0.1@65536", "127.0.0.1@53x", "::1@-1", "1.2.3.4.5" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *ns[1] = { (char *)bad[i] };
		struct dns_config cfg = { ns, 1, 1000, NULL };
		const char *err = NULL;
		struct dns_resolver *r = dns_resolver_new(&cfg, &err);

		print_message("# %s\n", bad[i]);
		assert_null(r);
		assert_non_null(err);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rdata_decoding_table),
		cmocka_unit_test(test_rdata_name_length_limit),
		cmocka_unit_test(test_rdata_records_bounded),
		cmocka_unit_test(test_rdata_addresses),
		cmocka_unit_test(test_status_names),
		cmocka_unit_test(test_name_checks),
		cmocka_unit_test(test_name_key_matches_reference),
		cmocka_unit_test(test_answer_copy_packed),
		cmocka_unit_test(test_fake_statuses),
		cmocka_unit_test(test_fake_ttls),
		cmocka_unit_test(test_fake_timeouts_bounded),
		cmocka_unit_test(test_fake_delay_within_deadline),
		cmocka_unit_test(test_fake_lookup_until),
		cmocka_unit_test(test_bad_forwarders_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
