/* tw_index.h - an index from keys to ids, storing only the ids.
 *
 * An open-addressing hash table (linear probing, at most half full) whose
 * slots hold 32-bit ids; the keys live wherever the caller keeps them, and
 * the caller's callbacks hash an id's key and compare it with a key looked
 * for.  4 bytes a slot, 8 to 16 bytes per id, where a GHashTable of pointers
 * costs 20 bytes a slot.  The index compares keys exactly: the hash only
 * chooses where to look.  Ids are never removed; putting a key that is
 * already there replaces its id.  Plain C, no Wireshark or GLib. */
#ifndef TW_INDEX_H
#define TW_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tw_index {
    uint32_t *slots; /* id + 1; 0: free */
    size_t cap;      /* a power of two, or 0 */
    size_t n;        /* ids held */
};

#define TW_INDEX_INIT { NULL, 0, 0 }
#define TW_INDEX_NONE UINT32_MAX

struct tw_index_ops {
    uint32_t (*hash)(uint32_t id, void *ctx);                /* the hash of id's key */
    bool (*equal)(uint32_t id, const void *key, void *ctx);  /* is id's key this key? */
    void *ctx;
};

/* The id whose key equals key (hash: the key's hash), or TW_INDEX_NONE. */
uint32_t tw_index_find(const struct tw_index *x, uint32_t hash, const void *key, const struct tw_index_ops *ops);

/* Map key to id (replacing the id an equal key had); false if out of memory
 * (the index is unchanged). */
bool tw_index_put(struct tw_index *x, uint32_t hash, const void *key, uint32_t id, const struct tw_index_ops *ops);

size_t tw_index_bytes(const struct tw_index *x);
void tw_index_clear(struct tw_index *x);

#endif /* TW_INDEX_H */
