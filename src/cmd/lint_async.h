/* lint_async.h - migrate lint's findings printed on a thread of their own, in order */
#ifndef MIGRATE_LINT_ASYNC_H
#define MIGRATE_LINT_ASYNC_H

#include "lint/lint.h"
#include "report/lint_report.h"

struct lint_async;

/* Print r's findings to ls on another thread, as the linter hands them over (NULL,
 * nothing changed, on one CPU: then r->emit prints them on this one). */
struct lint_async *lint_async_start(struct lint_stream *ls, struct lint_result *r);
/* Everything handed over printed; r's emit is ls's again. */
void lint_async_finish(struct lint_async *a);

#endif
