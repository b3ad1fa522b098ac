/* milter_listening.h - has libmilter's listener started its loop? */
#ifndef AUTHMILTER_DAEMON_MILTER_LISTENING_H
#define AUTHMILTER_DAEMON_MILTER_LISTENING_H

#include <stdbool.h>

/* milter_listening_thread - call in the thread that runs smfi_main,
 * before it: that thread's first poll marks the listener as started */
void milter_listening_thread(void);

/* milter_listening_ended - call when smfi_main returned: nobody waits
 * for a listener that will not start */
void milter_listening_ended(void);

/* milter_listening_wait - wait up to timeout_ms for the listener's loop
 * to start or smfi_main to end; false when time ran out first */
bool milter_listening_wait(unsigned timeout_ms);

#endif
