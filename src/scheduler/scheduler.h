/* scheduler.h: the scheduler, the background worker that runs the scaling cycles. */
#ifndef TS_SCHEDULER_H
#define TS_SCHEDULER_H

#include "postgres.h"

#include "settings.h"

extern void ts_register_scheduler(void);

#endif
