/* cfws.c - RFC 5322 CFWS (see cfws.h) */
#include "config.h"

#include "util/cfws.h"

bool
cfws_skip(const unsigned char *p, size_t len, size_t *i, unsigned max_depth)
{
	while (*i < len) {
		unsigned char c = p[*i];
		unsigned depth = 0;

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			(*i)++;
			continue;
		}
		if (c != '(')
			return true;
		/* a comment: count parentheses; "\x" is x itself */
		do {
			c = p[*i];
			if (c == '\\' && *i + 1 < len)
				(*i)++;
			else if (c == '(' && ++depth > max_depth)
				return false;
			else if (c == ')')
				depth--;
			(*i)++;
		} while (depth > 0 && *i < len);
		if (depth > 0)
			return false;
	}
	return true;
}
