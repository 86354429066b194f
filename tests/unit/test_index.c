/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the id-only index (fsm/tw_index.c), the table behind the
 * plugin's exact 4-tuple lookups.  Keys are kept by the test, as the plugin
 * keeps its tuples; a hash function that makes every key collide shows that
 * the index compares keys, never trusts the hash.  Paths read
 * state/event/outcome. */
#include <glib.h>
#include <string.h>

#include "tw_index.h"

struct keys {
    uint64_t key[5000]; /* by id */
    bool collide;       /* every key hashes to 7 */
};

static uint32_t key_hash(uint64_t k, bool collide)
{
    if (collide)
        return 7;
    k ^= k >> 33;
    k *= UINT64_C(0xff51afd7ed558ccd);
    return (uint32_t)(k ^ k >> 29);
}

static uint32_t hash_cb(uint32_t id, void *ctx)
{
    struct keys *k = ctx;
    return key_hash(k->key[id], k->collide);
}

static bool equal_cb(uint32_t id, const void *key, void *ctx)
{
    struct keys *k = ctx;
    return k->key[id] == *(const uint64_t *)key;
}

static void put(struct tw_index *x, struct keys *k, uint32_t id, uint64_t key)
{
    struct tw_index_ops ops = {hash_cb, equal_cb, k};
    k->key[id] = key;
    g_assert_true(tw_index_put(x, key_hash(key, k->collide), &k->key[id], id, &ops));
}

static uint32_t find(const struct tw_index *x, struct keys *k, uint64_t key)
{
    struct tw_index_ops ops = {hash_cb, equal_cb, k};
    return tw_index_find(x, key_hash(key, k->collide), &key, &ops);
}

static void test_empty_find_none(void)
{
    struct tw_index x = TW_INDEX_INIT;
    struct keys *k = g_new0(struct keys, 1);
    g_assert_cmpuint(find(&x, k, 42), ==, TW_INDEX_NONE);
    g_assert_cmpuint(tw_index_bytes(&x), ==, 0);
    tw_index_clear(&x);
    g_free(k);
}

static void test_many_keys_grow_all_found(void)
{
    struct tw_index x = TW_INDEX_INIT;
    struct keys *k = g_new0(struct keys, 1);
    for (uint32_t id = 0; id < 5000; id++)
        put(&x, k, id, UINT64_C(1000003) * id + 17);
    g_assert_cmpuint(x.n, ==, 5000);
    g_assert_cmpuint(x.cap, >=, 10000); /* at most half full */
    for (uint32_t id = 0; id < 5000; id++)
        g_assert_cmpuint(find(&x, k, UINT64_C(1000003) * id + 17), ==, id);
    g_assert_cmpuint(find(&x, k, 5), ==, TW_INDEX_NONE);
    tw_index_clear(&x);
    g_free(k);
}

static void test_same_key_again_replaces_id(void)
{
    struct tw_index x = TW_INDEX_INIT;
    struct keys *k = g_new0(struct keys, 1);
    put(&x, k, 0, 99);
    put(&x, k, 1, 123);
    put(&x, k, 2, 99); /* a later connection on the same 4-tuple */
    g_assert_cmpuint(x.n, ==, 2);
    g_assert_cmpuint(find(&x, k, 99), ==, 2);
    g_assert_cmpuint(find(&x, k, 123), ==, 1);
    tw_index_clear(&x);
    g_free(k);
}

static void test_colliding_hashes_keys_compared(void)
{
    struct tw_index x = TW_INDEX_INIT;
    struct keys *k = g_new0(struct keys, 1);
    k->collide = true;
    for (uint32_t id = 0; id < 300; id++) /* grows through several sizes, every key in one chain */
        put(&x, k, id, id * 2 + 1);
    for (uint32_t id = 0; id < 300; id++)
        g_assert_cmpuint(find(&x, k, id * 2 + 1), ==, id);
    g_assert_cmpuint(find(&x, k, 2), ==, TW_INDEX_NONE); /* same hash, another key */
    tw_index_clear(&x);
    g_assert_cmpuint(x.cap, ==, 0);
    g_free(k);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/index/empty/find/none", test_empty_find_none);
    g_test_add_func("/index/many_keys/grow/all_found", test_many_keys_grow_all_found);
    g_test_add_func("/index/same_key_again/put/replaces_id", test_same_key_again_replaces_id);
    g_test_add_func("/index/colliding_hashes/find/keys_compared", test_colliding_hashes_keys_compared);
    return g_test_run();
}
