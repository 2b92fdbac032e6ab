/* The reference points for tests/bench/tail_bench.sh, in plain hiredis (no StreamScope code):
 *   hiredis_baseline load PORT STREAM N   -- XADD N small entries, pipelined 1000 at a time
 *   hiredis_baseline drain PORT STREAM    -- XREAD COUNT 1000 from 0 to the end, prints the count
 */
#include <hiredis/hiredis.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static redisContext *connectOrDie(int port)
{
    redisContext *c = redisConnect("127.0.0.1", port);
    if (!c || c->err) {
        fprintf(stderr, "connect: %s\n", c ? c->errstr : "out of memory");
        exit(3);
    }
    return c;
}

static int load(redisContext *c, const char *stream, long n)
{
    const long window = 1000;
    char seq[32];
    for (long sent = 0; sent < n;) {
        long batch = n - sent < window ? n - sent : window;
        for (long i = 0; i < batch; ++i) {
            snprintf(seq, sizeof seq, "%ld", sent + i);
            redisAppendCommand(c, "XADD %s * seq %s type order.created amount 4711", stream, seq);
        }
        for (long i = 0; i < batch; ++i) {
            redisReply *r = NULL;
            if (redisGetReply(c, (void **)&r) != REDIS_OK || r->type == REDIS_REPLY_ERROR) {
                fprintf(stderr, "XADD failed: %s\n", r ? r->str : c->errstr);
                return 4;
            }
            freeReplyObject(r);
        }
        sent += batch;
    }
    return 0;
}

static int drain(redisContext *c, const char *stream)
{
    char last[64] = "0";
    long total = 0;
    for (;;) {
        redisReply *r = redisCommand(c, "XREAD COUNT 1000 STREAMS %s %s", stream, last);
        if (!r) {
            fprintf(stderr, "XREAD failed: %s\n", c->errstr);
            return 4;
        }
        if (r->type != REDIS_REPLY_ARRAY) {
            freeReplyObject(r);
            break;
        }
        redisReply *entries = r->element[0]->element[1];
        total += (long)entries->elements;
        redisReply *lastEntry = entries->element[entries->elements - 1];
        snprintf(last, sizeof last, "%s", lastEntry->element[0]->str);
        size_t got = entries->elements;
        freeReplyObject(r);
        if (got < 1000)
            break;
    }
    printf("%ld\n", total);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s load PORT STREAM N | drain PORT STREAM\n", argv[0]);
        return 2;
    }
    redisContext *c = connectOrDie(atoi(argv[2]));
    int rc = strcmp(argv[1], "load") == 0 && argc >= 5 ? load(c, argv[3], atol(argv[4]))
             : strcmp(argv[1], "drain") == 0        ? drain(c, argv[3])
                                                    : 2;
    redisFree(c);
    return rc;
}
