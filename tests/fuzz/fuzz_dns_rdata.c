/*
 * fuzz_dns_rdata.c - DNS answer records as they come off the wire
 * (dns_answer_from_rdata, used by the libunbound backend): TXT/SPF
 * character-strings, MX preference + name, PTR/CNAME/NS names with their
 * presentation escapes, A and AAAA lengths; then the query-name check on
 * every decoded name.
 * Input: byte 0 picks the type, then records as a 2-byte big-endian
 * length and that many rdata bytes.
 * Invariants: at most DNS_MAX_RRS records; every text is NUL-terminated
 * at text_len; a TXT text is never longer than its rdata.
 */
#include "config.h"

#include "dns/dns.h"
#include "dns/dns_int.h"
#include "fuzz.h"

static const uint16_t types[] = { DNS_T_A, DNS_T_AAAA, DNS_T_TXT,
    DNS_T_SPF, DNS_T_MX, DNS_T_PTR, DNS_T_CNAME, DNS_T_NS };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_answer *a;
	uint16_t type;
	size_t i;

	if (size < 1)
		return 0;
	type = types[data[0] % (sizeof(types) / sizeof(types[0]))];
	data++;
	size--;
	a = dns_answer_new(DNS_R_ANSWER);
	while (size >= 2) {
		size_t len = (size_t)data[0] << 8 | data[1];
		unsigned char *rd;
		size_t before = a->count;
		bool ok;

		data += 2;
		size -= 2;
		if (len > size)
			len = size;
		rd = fuzz_copy(data, len);
		ok = dns_answer_from_rdata(a, type, rd, len);
		if (ok != (a->count == before + 1) || (!ok && a->count != before))
			abort();
		if (ok && (type == DNS_T_TXT || type == DNS_T_SPF) &&
		    a->rr[a->count - 1].text_len > len)
			abort();
		free(rd);
		data += len;
		size -= len;
	}
	for (i = 0; i < a->count; i++) {
		const struct dns_rr *rr = &a->rr[i];

		if (rr->type != type)
			abort();
		if (rr->text != NULL) {
			if (rr->text[rr->text_len] != '\0')
				abort();
			(void)dns_name_ok(rr->text);
		}
	}
	dns_answer_free(&a);
	return 0;
}
