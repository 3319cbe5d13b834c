/*
 * behavior.h: what a scale-up or scale-down may do, as the HPA's behavior:
 * the stabilization window over the recent recommendations and the rate
 * limits over the recent changes. Shared by the inference policy
 * (endpoint_policy.c) and the training queue policy (training_policy.c).
 */
#ifndef BEHAVIOR_H
#define BEHAVIOR_H

#include <stdbool.h>
#include <stdint.h>

#include "decide.h"
#include "scaling_rules.h"

/* A change of the desired count that was applied, for the rate limits. */
typedef struct ReplicaChange
{
	int64_t		at_us;
	int32_t		from;
	int32_t		to;
} ReplicaChange;

/*
 * The recommendations that hold a change back (the HPA's stabilization
 * window), kept since they first went one way of the desired count:
 * direction -1 (below, scale-down window: its highest counts), 1 (above,
 * scale-up window: its lowest), 0 none. Only the entries that can still
 * decide are kept (a monotone queue), newest last.
 */
#define WINDOW_MAX_ENTRIES 32

typedef struct RecommendationWindow
{
	int32_t		direction;
	int64_t		since_us;
	int32_t		n;
	int64_t		at_us[WINDOW_MAX_ENTRIES];
	int32_t		replicas[WINDOW_MAX_ENTRIES];
} RecommendationWindow;

extern void window_reset(RecommendationWindow *window);
extern bool window_equal(const RecommendationWindow *a, const RecommendationWindow *b);
extern int32_t window_stabilize(RecommendationWindow *window, int32_t recommendation, int32_t desired,
								int64_t now_us, int32_t up_window_s, int32_t down_window_s);

/*
 * Record a change applied at now_us: appended to changes (of at most max,
 * the oldest forgotten when full) for the rate limits, and into history for
 * the cooldowns. The simulators keep what the scheduler reads back.
 */
extern void behavior_remember_change(ReplicaChange *changes, int *n_changes, int max, ScalingHistory *history,
									 int64_t now_us, int32_t from, int32_t to);

/* The longest rate-limit period of the two directions: the changes a decision needs. */
extern int32_t behavior_longest_period(const ScalingBehavior *up, const ScalingBehavior *down);

/*
 * target, limited by the direction's policies given the changes applied
 * (oldest first) and the count desired now.
 */
extern int32_t behavior_rate_limited(const ScalingBehavior *up, const ScalingBehavior *down, int32_t desired,
									 int64_t now_us, const ReplicaChange *changes, int n_changes, int32_t target);

#endif
