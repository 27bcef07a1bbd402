/* textmap.c - a large text file mapped instead of read into the heap (issue 11) */
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/textmap.h"
#include "base/util.h"

/* The files mapped now (lint maps one at a time: a few slots are plenty). */
#define MAX_MAPS 8
static struct mapped {
	char *base;
	size_t len, maplen;
} maps[MAX_MAPS];
static pthread_mutex_t maps_mu = PTHREAD_MUTEX_INITIALIZER;

/* fd's len bytes mapped and followed by at least one zero byte; NULL on failure. */
static char *map_fd(int fd, size_t len, size_t *maplen)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), total = (len / page + 1) * page;
	char *base = mmap(NULL, total, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (base == MAP_FAILED)
		return NULL;
	/* the file over the zeroed reservation: the bytes past its end read as NUL */
	if (mmap(base, len, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0) == MAP_FAILED) {
		munmap(base, total);
		return NULL;
	}
	*maplen = total;
	return base;
}

static int add_map(char *base, size_t len, size_t maplen)
{
	int k, ok = 0;

	pthread_mutex_lock(&maps_mu);
	for (k = 0; k < MAX_MAPS && !ok; k++)
		if (!maps[k].base) {
			maps[k].base = base;
			maps[k].len = len;
			maps[k].maplen = maplen;
			ok = 1;
		}
	pthread_mutex_unlock(&maps_mu);
	return ok;
}

/* TEXTMAP_MIN, or MIGRATE_TEXTMAP_MIN (the tests map small files with it). */
static uint64_t map_min(void)
{
	const char *e = getenv("MIGRATE_TEXTMAP_MIN");
	long long v = e ? atoll(e) : 0;

	return v > 0 ? (uint64_t)v : TEXTMAP_MIN;
}

char *text_file_map(const char *path)
{
	struct stat st;
	size_t len = 0, maplen = 0;
	char *base = NULL;
	int fd;

	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size < map_min() ||
	    (uint64_t)st.st_size > read_file_limit || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return read_text_file(path, NULL);
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size >= map_min() &&
	    (uint64_t)st.st_size <= read_file_limit)
		base = map_fd(fd, len = (size_t)st.st_size, &maplen);
	close(fd);
	if (base && (memchr(base, '\0', len) || !memcmp(base, "\xEF\xBB\xBF", 3) ||
		     !add_map(base, len, maplen))) {
		munmap(base, maplen); /* read_text_file says what is wrong, or strips the mark */
		base = NULL;
	}
	if (!base)
		return read_text_file(path, NULL);
	text_drop_pages(base, len); /* the check read it all */
	return base;
}

void text_file_release(char *text)
{
	int k;

	pthread_mutex_lock(&maps_mu);
	for (k = 0; k < MAX_MAPS; k++)
		if (text && maps[k].base == text) {
			munmap(maps[k].base, maps[k].maplen);
			maps[k].base = NULL;
			text = NULL;
		}
	pthread_mutex_unlock(&maps_mu);
	free(text);
}

void text_drop_pages(const char *p, size_t len)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), from, to;
	int k;

	pthread_mutex_lock(&maps_mu);
	for (k = 0; k < MAX_MAPS; k++) {
		const char *b = maps[k].base;

		if (!b || p < b || p + len > b + maps[k].len)
			continue;
		from = ((uintptr_t)p + page - 1) & ~(page - 1);
		to = ((uintptr_t)p + len) & ~(page - 1);
		if (to > from)
			madvise((void *)from, to - from, MADV_DONTNEED);
	}
	pthread_mutex_unlock(&maps_mu);
}
