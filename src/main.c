/* main.c - start-up (build skeleton; the daemon lands in the next commit) */
#include "config.h"

#include <stdio.h>

int
main(void)
{
	(void)printf("%s\n", PACKAGE_STRING);
	return 0;
}
