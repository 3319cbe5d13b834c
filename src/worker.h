/* worker.h: the scheduler background worker and its settings. */
#ifndef TS_WORKER_H
#define TS_WORKER_H

#include "postgres.h"

extern bool ts_scheduler_enabled;
extern int	ts_naptime;
extern char *ts_database;

extern void ts_register_scheduler(void);

#endif
