/* tw_index.c - see tw_index.h. */
#include "tw_index.h"

#include <stdlib.h>

/* The slot holding key, or the free slot where it would go. */
static size_t probe(const struct tw_index *x, uint32_t hash, const void *key, const struct tw_index_ops *ops)
{
    size_t mask = x->cap - 1;
    size_t i = hash & mask;

    while (x->slots[i] && !ops->equal(x->slots[i] - 1, key, ops->ctx))
        i = (i + 1) & mask;
    return i;
}

uint32_t tw_index_find(const struct tw_index *x, uint32_t hash, const void *key, const struct tw_index_ops *ops)
{
    if (!x->cap)
        return TW_INDEX_NONE;
    size_t i = probe(x, hash, key, ops);
    return x->slots[i] ? x->slots[i] - 1 : TW_INDEX_NONE;
}

/* Double the capacity, placing every id again by its key's hash. */
static bool grow(struct tw_index *x, const struct tw_index_ops *ops)
{
    size_t cap = x->cap ? x->cap * 2 : 64;
    if (cap > (size_t)UINT32_MAX + 1)
        return false;
    uint32_t *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return false;
    for (size_t i = 0; i < x->cap; i++) {
        if (!x->slots[i])
            continue;
        size_t j = ops->hash(x->slots[i] - 1, ops->ctx) & (cap - 1);
        while (slots[j]) /* ids already placed all have distinct keys */
            j = (j + 1) & (cap - 1);
        slots[j] = x->slots[i];
    }
    free(x->slots);
    x->slots = slots;
    x->cap = cap;
    return true;
}

bool tw_index_put(struct tw_index *x, uint32_t hash, const void *key, uint32_t id, const struct tw_index_ops *ops)
{
    if (id == TW_INDEX_NONE)
        return false;
    if ((x->n + 1) * 2 > x->cap && !grow(x, ops))
        return false;
    size_t i = probe(x, hash, key, ops);
    if (!x->slots[i])
        x->n++;
    x->slots[i] = id + 1;
    return true;
}

size_t tw_index_bytes(const struct tw_index *x)
{
    return x->cap * sizeof *x->slots;
}

void tw_index_clear(struct tw_index *x)
{
    free(x->slots);
    x->slots = NULL;
    x->cap = x->n = 0;
}
