/* tw_table.h - growable arrays whose elements never move.
 *
 * Elements live in fixed-size chunks, so a pointer to one stays valid while
 * the table grows, and growth never copies or doubles the element storage
 * (only the small array of chunk pointers).  New elements are zeroed.
 * Plain C, no Wireshark or GLib. */
#ifndef TW_TABLE_H
#define TW_TABLE_H

#include <stddef.h>

#define TW_TABLE_CHUNK 1024u

struct tw_table {
    size_t elem_size;
    size_t count;   /* elements in use: indexes 0 .. count-1 */
    size_t nchunks; /* chunks allocated */
    size_t cap;     /* room in chunks[] */
    unsigned char **chunks;
};

#define TW_TABLE_INIT(type) { sizeof(type), 0, 0, 0, NULL }

/* Element i, or NULL when i >= count.  Inline: called on every segment. */
static inline void *tw_table_get(const struct tw_table *t, size_t i)
{
    if (i >= t->count)
        return NULL;
    return t->chunks[i / TW_TABLE_CHUNK] + (i % TW_TABLE_CHUNK) * t->elem_size;
}

/* The slow part of tw_table_at(): allocate the chunks up to element i. */
void *tw_table_grow(struct tw_table *t, size_t i);

/* Element i, creating it (and any before it) zeroed; NULL if out of memory. */
static inline void *tw_table_at(struct tw_table *t, size_t i)
{
    if (i / TW_TABLE_CHUNK >= t->nchunks || i == (size_t)-1)
        return tw_table_grow(t, i);
    if (i >= t->count)
        t->count = i + 1;
    return t->chunks[i / TW_TABLE_CHUNK] + (i % TW_TABLE_CHUNK) * t->elem_size;
}

/* Bytes held, for the memory figures of the benchmark. */
size_t tw_table_bytes(const struct tw_table *t);

void tw_table_clear(struct tw_table *t);

#endif /* TW_TABLE_H */
