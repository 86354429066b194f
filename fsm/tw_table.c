/* tw_table.c - see tw_table.h. */
#include "tw_table.h"

#include <stdlib.h>
#include <string.h>

void *tw_table_grow(struct tw_table *t, size_t i)
{
    size_t chunk = i / TW_TABLE_CHUNK;

    if (i == (size_t)-1)
        return NULL;
    while (chunk >= t->nchunks) {
        if (t->nchunks == t->cap) {
            size_t cap = t->cap ? t->cap * 2 : 16;
            unsigned char **grown = realloc(t->chunks, cap * sizeof *grown);
            if (!grown)
                return NULL;
            t->chunks = grown;
            t->cap = cap;
        }
        t->chunks[t->nchunks] = calloc(TW_TABLE_CHUNK, t->elem_size);
        if (!t->chunks[t->nchunks])
            return NULL;
        t->nchunks++;
    }
    if (i >= t->count)
        t->count = i + 1;
    return t->chunks[chunk] + (i % TW_TABLE_CHUNK) * t->elem_size;
}

size_t tw_table_bytes(const struct tw_table *t)
{
    return t->nchunks * TW_TABLE_CHUNK * t->elem_size + t->cap * sizeof *t->chunks;
}

void tw_table_clear(struct tw_table *t)
{
    for (size_t i = 0; i < t->nchunks; i++)
        free(t->chunks[i]);
    free(t->chunks);
    t->chunks = NULL;
    t->count = t->nchunks = t->cap = 0;
}
