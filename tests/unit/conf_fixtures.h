/* conf_fixtures.h - what the configuration's unit tests share */
#ifndef AUTHMILTER_TEST_CONF_FIXTURES_H
#define AUTHMILTER_TEST_CONF_FIXTURES_H

#include <stddef.h>

/* An Ed25519 private key in PEM, made for the tests only: signing and
 * sealing need a real key to load */
extern const char conf_test_key[];

/* conf_warning_into - a conf_warnings callback: each warning as a line
 * "where: text" appended to ctx, a struct buf */
void conf_warning_into(const char *where, const char *text, void *ctx);

struct buf;
struct conf;

/* conf_load_text - conf_load of text written to a fresh temp file
 * (named in path, pathsz bytes; the file is removed after the load, the
 * name kept for the "file:line:" of the messages): the config, or NULL
 * with the errors in err (emptied first) */
struct conf *conf_load_text(const char *text, struct buf *err, char *path,
    size_t pathsz);

#endif
