/*
 * conf_warn.c - settings that load but are probably not what the
 * operator meant. None stops the daemon: each is a choice a site may
 * make on purpose, or one the signer already corrects, so it is said
 * and the configuration stays.
 */
#include "config.h"

#include "conf/conf_arc.h"
#include "conf/conf_warn.h"
#include "core/dkim_sign.h"

/* oversign_transit - OversignHeaders naming fields hosts add in transit:
 * the signer signs those present and adds no extra entry
 * (dkim_sign_transit_field), so the option does not do what it says */
static size_t
oversign_transit(const struct conf *c, struct buf *out)
{
	const struct conf_list *l = &c->oversign_headers;
	size_t i, n = 0;

	for (i = 0; i < l->count; i++) {
		if (!dkim_sign_transit_field(l->items[i]))
			continue;
		buf_append_str(out, n == 0 ? "OversignHeaders names " : ", ");
		buf_append_str(out, l->items[i]);
		n++;
	}
	if (n > 0)
		buf_printf(out, ": trace field%s that hosts (authmilter too) add "
		    "in transit; an extra h= entry would fail the signature at "
		    "the next hop that adds one, so only those present are "
		    "signed\n", n == 1 ? "" : "s");
	return n > 0 ? 1 : 0;
}

size_t
conf_warnings(const struct conf *c, struct buf *out)
{
	size_t n = 0;

	if (conf_arc_warning(c) != NULL) {
		buf_printf(out, "%s\n", conf_arc_warning(c));
		n++;
	}
	n += oversign_transit(c, out);
	return n;
}
