/* plan_fleet.h - plan --all: every target's plan, read-only, --jobs at once; the
 * targets whose plans are the same shown once, with their count and names */
#ifndef MIGRATE_PLAN_FLEET_H
#define MIGRATE_PLAN_FLEET_H

#include "fleet/fleet.h"
#include "plan/plan.h"
#include "report/plan_report.h"
#include "run/session.h"
#include "base/strbuf.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

struct plan_fleet {
	enum plan_format fmt;
	int direction;         /* +1 up, -1 down */
};

/*
 * In a fleet worker: what the report needs of one target's plan, as one line
 * of JSON on out: "plan" (plan_json), the versions that are "dirty" and
 * "drifted" (applied, their file edited since), and for text and Markdown the
 * plan "rendered" in fmt.
 */
void plan_fleet_emit(const struct plan *p, struct session *s, enum plan_format fmt, FILE *out);

/* The report of plan --all (a fleet_report_fn; arg: struct plan_fleet). */
int plan_fleet_report(const struct fleet_outcome *o, size_t n, void *arg);

/*
 * What makes two targets' plans the same, from what plan_fleet_emit printed and
 * the version the target is at: the migrations to run (version, direction,
 * file), the lint findings (rule, severity, position, allowed), the dirty and
 * drifted versions, and how many warnings each level has (a lock held right
 * now on one tenant sets it apart); not table sizes or who holds a lock.
 */
char *plan_fleet_key(const json_t *doc, int64_t from);

/* "a, b, c and 7 more": the first max names (0: all), escaped; md: each a code span. */
void plan_fleet_names(struct strbuf *sb, const char *const *names, size_t n, size_t max, int md);

#endif
