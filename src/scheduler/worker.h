/* worker.h: the scheduler background worker and its settings. */
#ifndef TS_WORKER_H
#define TS_WORKER_H

#include "postgres.h"

#include "settings.h"

extern void ts_register_scheduler(void);

#endif
