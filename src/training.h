/* training.h: reading a tenant's training state for the decision. */
#ifndef TS_TRAINING_H
#define TS_TRAINING_H

#include "postgres.h"

#include "utils/uuid.h"

#include "decide.h"

extern void ts_read_training_state(pg_uuid_t *tenant, ScalingRules *rules,
								   TrainingBounds *bounds, TrainingInput *input);

#endif
