/* milter.h - libmilter registration and callbacks */
#ifndef AUTHMILTER_MILTER_H
#define AUTHMILTER_MILTER_H

#include <stdbool.h>

/* milter_register - register our callbacks with libmilter; false (with a
 * logged reason) when libmilter refuses */
bool milter_register(void);

#endif
