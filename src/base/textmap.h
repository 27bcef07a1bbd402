/* textmap.h - a large text file mapped instead of read into the heap */
#ifndef MIGRATE_TEXTMAP_H
#define MIGRATE_TEXTMAP_H

#include <stddef.h>

/*
 * read_text_file's text (NUL-terminated, checked the same way), but a regular file of
 * TEXTMAP_MIN bytes or more is mapped (read-only, private): its pages are the page
 * cache's, and text_drop_pages lets the ones read already go, so a 200 MB migration
 * does not keep 200 MB resident while it is linted piece by piece. Anything else (a
 * smaller file, a NUL byte, a byte order mark, mmap failing) is read_text_file's.
 * A mapped file truncated while it is read ends the process (SIGBUS), as any mmap.
 * Release with text_file_release.
 */
#define TEXTMAP_MIN (4u << 20)
char *text_file_map(const char *path);
void text_file_release(char *text);
/* The whole pages of [p, p + len) dropped from memory when they are a mapped file's
 * (they are read from the file again if touched); nothing for any other memory. */
void text_drop_pages(const char *p, size_t len);

#endif
