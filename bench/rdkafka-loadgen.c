/*
 * rdkafka-loadgen: a small load generator for Kafka-compatible brokers, built on librdkafka.
 *
 * Modes (one JSON line on stdout per run; diagnostics on stderr):
 *   create   create topic T with P partitions (replication 1) through the Admin API
 *   produce  send N records of B bytes to T as fast as the client allows; records/s, MB/s, errors
 *   consume  read N records of T from the beginning of every partition (no group); records/s, MB/s
 *   e2e      produce at a fixed rate R for D seconds while a consumer in the same process reads the
 *            records back; latency = receipt time - scheduled send time, so a stalled broker or client
 *            cannot hide behind a producer that quietly slowed down (coordinated omission)
 *
 * With -P PID the broker's CPU time (utime + stime from /proc/PID/stat) is read around the timed
 * section, giving broker CPU per record. MB means 10^6 bytes of record value.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <lz4frame.h>

#define MAX_PROPS 64
#define E2E_MAGIC 0x4b41495231ULL /* "KAIR1": marks records written by this e2e run */

struct options {
    const char *mode;
    const char *brokers;
    const char *topic;
    long long records;
    int record_bytes;
    int partitions;
    double rate_per_s;
    double duration_s;
    double timeout_s;
    int duration_given;
    int broker_pid;
    int prop_count;
    char *prop_keys[MAX_PROPS];
    char *prop_values[MAX_PROPS];
};

static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "rdkafka-loadgen: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(2);
}

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Broker CPU seconds (user + system, all threads, live and exited) or -1 when unreadable. */
static double process_cpu_s(int pid) {
    if (pid <= 0) return -1;
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    /* The command name may hold spaces and parentheses: fields are counted after the last ')'. */
    char *p = strrchr(buf, ')');
    if (!p) return -1;
    unsigned long long utime = 0, stime = 0;
    /* after ')': state(3) ppid(4) ... utime(14) stime(15) */
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2)
        return -1;
    return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

static rd_kafka_conf_t *make_conf(const struct options *o) {
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", o->brokers, err, sizeof err) != RD_KAFKA_CONF_OK)
        die("%s", err);
    for (int i = 0; i < o->prop_count; i++)
        if (rd_kafka_conf_set(conf, o->prop_keys[i], o->prop_values[i], err, sizeof err) != RD_KAFKA_CONF_OK)
            die("-X %s=%s: %s", o->prop_keys[i], o->prop_values[i], err);
    return conf;
}

/* A property from -X, or the fallback when it was not given. */
static const char *prop(const struct options *o, const char *key, const char *fallback) {
    for (int i = o->prop_count - 1; i >= 0; i--)
        if (strcmp(o->prop_keys[i], key) == 0) return o->prop_values[i];
    return fallback;
}

/* Record values for e2e: seeded uppercase letters (the header overwrites the start). */
static void fill_payload(char *buf, size_t len, uint64_t seed) {
    uint64_t x = seed ? seed : 0x9E3779B97F4A7C15ULL;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        buf[i] = (char)('A' + (x % 26));
    }
}

/* Produce values are slices of a pool of seeded log-like text: words from a small vocabulary with a
 * skewed choice, so lz4 finds repeats the way it does in real event data, while no two neighbouring
 * records are identical (a single reused value would let a batch compress ~100:1 and flatter every
 * broker that does not look inside compressed batches). */
#define POOL_BYTES (8u << 20)
#define VOCABULARY 512
static char *make_text_pool(uint64_t seed) {
    char *pool = malloc(POOL_BYTES);
    char words[VOCABULARY][12];
    uint64_t x = seed;
#define NEXT() (x ^= x << 13, x ^= x >> 7, x ^= x << 17, x)
    for (int w = 0; w < VOCABULARY; w++) {
        int len = 2 + (int)(NEXT() % 9);
        for (int i = 0; i < len; i++) {
            uint64_t r = NEXT();
            words[w][i] = (char)((r % 7 == 0) ? '0' + (r >> 8) % 10 : 'a' + (r >> 8) % 26);
        }
        words[w][len] = 0;
    }
    size_t at = 0;
    while (at < POOL_BYTES) {
        uint64_t r = NEXT();
        /* product of two uniforms: small word indexes are far more common (roughly Zipf-like) */
        unsigned idx = (unsigned)(((r & 0xffff) * ((r >> 16) & 0xffff)) >> 23) % VOCABULARY;
        for (const char *c = words[idx]; *c && at < POOL_BYTES; c++) pool[at++] = *c;
        if (at < POOL_BYTES) pool[at++] = (r >> 40) % 11 == 0 ? ',' : ' ';
    }
#undef NEXT
    return pool;
}

/* Start of record seq's value inside the pool: a scattered, repeatable offset. */
static const char *pool_slice(const char *pool, long long seq, int record_bytes) {
    uint64_t h = (uint64_t)seq * 0x9E3779B97F4A7C15ULL;
    return pool + (h >> 20) % (POOL_BYTES - (uint64_t)record_bytes);
}

/* lz4 frame ratio of ~1 MB of consecutive values, a stand-in for what the client's batches get. */
static double pool_lz4_ratio(const char *pool, int record_bytes) {
    size_t n = (1u << 20) / (size_t)record_bytes, len = n * (size_t)record_bytes;
    char *src = malloc(len);
    for (size_t i = 0; i < n; i++) memcpy(src + i * (size_t)record_bytes, pool_slice(pool, (long long)i, record_bytes), (size_t)record_bytes);
    size_t cap = LZ4F_compressFrameBound(len, NULL);
    char *dst = malloc(cap);
    size_t out = LZ4F_compressFrame(dst, cap, src, len, NULL);
    free(src);
    free(dst);
    return LZ4F_isError(out) ? -1 : (double)len / (double)out;
}

/* ---------- create ---------- */

static int run_create(const struct options *o) {
    char err[512];
    rd_kafka_conf_t *conf = make_conf(o);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk) die("rd_kafka_new: %s", err);
    rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(o->topic, o->partitions, 1, err, sizeof err);
    if (!nt) die("NewTopic: %s", err);
    rd_kafka_AdminOptions_t *ao = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_AdminOptions_set_operation_timeout(ao, (int)(o->timeout_s * 1000), err, sizeof err);
    rd_kafka_AdminOptions_set_request_timeout(ao, (int)(o->timeout_s * 1000), err, sizeof err);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_CreateTopics(rk, &nt, 1, ao, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, (int)(o->timeout_s * 1000) + 1000);
    const char *status = "ok";
    char detail[512] = "";
    if (!ev) {
        status = "timeout";
    } else if (rd_kafka_event_error(ev)) {
        status = "error";
        snprintf(detail, sizeof detail, "%s", rd_kafka_event_error_string(ev));
    } else {
        const rd_kafka_CreateTopics_result_t *res = rd_kafka_event_CreateTopics_result(ev);
        size_t n = 0;
        const rd_kafka_topic_result_t **tr = rd_kafka_CreateTopics_result_topics(res, &n);
        for (size_t i = 0; i < n; i++) {
            rd_kafka_resp_err_t e = rd_kafka_topic_result_error(tr[i]);
            if (e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
                status = "exists";
            } else if (e) {
                status = "error";
                snprintf(detail, sizeof detail, "%s", rd_kafka_err2str(e));
            }
        }
    }
    /* Wait until the metadata shows the topic with all its partitions: producers otherwise race it. */
    int seen_partitions = -1;
    int64_t deadline = now_ns() + (int64_t)(o->timeout_s * 1e9);
    while (strcmp(status, "error") != 0 && now_ns() < deadline) {
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, o->topic, NULL);
        const struct rd_kafka_metadata *md = NULL;
        if (rd_kafka_metadata(rk, 0, rkt, &md, 2000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
            if (md->topic_cnt == 1 && md->topics[0].err == 0) seen_partitions = md->topics[0].partition_cnt;
            rd_kafka_metadata_destroy(md);
        }
        rd_kafka_topic_destroy(rkt);
        if (seen_partitions >= o->partitions) break;
        usleep(50000);
    }
    printf("{\"mode\":\"create\",\"topic\":\"%s\",\"status\":\"%s\",\"partitions\":%d,\"detail\":\"%s\","
           "\"librdkafka\":\"%s\"}\n",
           o->topic, status, seen_partitions, detail, rd_kafka_version_str());
    if (ev) rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(q);
    rd_kafka_AdminOptions_destroy(ao);
    rd_kafka_NewTopic_destroy(nt);
    rd_kafka_destroy(rk);
    return (strcmp(status, "error") == 0 || seen_partitions < o->partitions) ? 1 : 0;
}

/* ---------- produce ---------- */

struct delivery_counts {
    atomic_llong delivered;
    atomic_llong failed;
    rd_kafka_resp_err_t first_error;
};

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk;
    struct delivery_counts *c = opaque;
    if (m->err) {
        if (atomic_fetch_add(&c->failed, 1) == 0) c->first_error = m->err;
    } else {
        atomic_fetch_add(&c->delivered, 1);
    }
}

static int run_produce(const struct options *o) {
    char err[512];
    struct delivery_counts counts = {0};
    rd_kafka_conf_t *conf = make_conf(o);
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_opaque(conf, &counts);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk) die("rd_kafka_new: %s", err);
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, o->topic, NULL);

    /* Connect and learn the partitions before the clock starts. */
    const struct rd_kafka_metadata *md = NULL;
    if (rd_kafka_metadata(rk, 0, rkt, &md, (int)(o->timeout_s * 1000)) != RD_KAFKA_RESP_ERR_NO_ERROR)
        die("metadata for %s failed", o->topic);
    rd_kafka_metadata_destroy(md);

    /* One shared value buffer: no per-record copy or free, as in kafka-producer-perf-test. */
    if (o->record_bytes > (1 << 20)) die("-s is at most 1 MiB");
    char *pool = make_text_pool(42);
    double lz4_ratio = pool_lz4_ratio(pool, o->record_bytes);

    double cpu0 = process_cpu_s(o->broker_pid);
    int64_t t0 = now_ns();
    int64_t deadline = t0 + (int64_t)(o->timeout_s * 1e9);
    /* -d caps the sending time so a slow broker cannot stretch a grid cell; it is not an error. */
    int64_t send_until = o->duration_given ? t0 + (int64_t)(o->duration_s * 1e9) : INT64_MAX;
    long long sent = 0, queue_full_waits = 0;
    int timed_out = 0;
    while (sent < o->records && (sent & 1023 || now_ns() < send_until)) {
        /* No copy and no free: the pool outlives every delivery. */
        if (rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, 0, (void *)pool_slice(pool, sent, o->record_bytes),
                             (size_t)o->record_bytes, NULL, 0, NULL) == -1) {
            rd_kafka_resp_err_t e = rd_kafka_last_error();
            if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) die("produce: %s", rd_kafka_err2str(e));
            queue_full_waits++;
            rd_kafka_poll(rk, 1);
            if (now_ns() > deadline) { timed_out = 1; break; }
            continue;
        }
        sent++;
        if ((sent & 1023) == 0) {
            rd_kafka_poll(rk, 0);
            if (now_ns() > deadline) { timed_out = 1; break; }
        }
    }
    while (rd_kafka_outq_len(rk) > 0 && now_ns() < deadline) rd_kafka_poll(rk, 10);
    int64_t t1 = now_ns();
    double cpu1 = process_cpu_s(o->broker_pid);
    if (rd_kafka_outq_len(rk) > 0) timed_out = 1;

    long long delivered = atomic_load(&counts.delivered), failed = atomic_load(&counts.failed);
    double elapsed_s = (double)(t1 - t0) / 1e9;
    double broker_cpu_s = (cpu0 >= 0 && cpu1 >= 0) ? cpu1 - cpu0 : -1;
    printf("{\"mode\":\"produce\",\"topic\":\"%s\",\"record_bytes\":%d,\"sent\":%lld,\"delivered\":%lld,"
           "\"errors\":%lld,\"first_error\":\"%s\",\"timed_out\":%s,\"elapsed_s\":%.4f,\"records_per_s\":%.0f,"
           "\"mb_per_s\":%.2f,\"broker_cpu_s\":%.3f,\"broker_cpu_us_per_record\":%.4f,\"queue_full_waits\":%lld,"
           "\"acks\":\"%s\",\"compression\":\"%s\",\"linger_ms\":\"%s\",\"payload_lz4_ratio\":%.2f}\n",
           o->topic, o->record_bytes, sent, delivered, failed,
           failed ? rd_kafka_err2name(counts.first_error) : "", timed_out ? "true" : "false", elapsed_s,
           delivered / elapsed_s, delivered * (double)o->record_bytes / elapsed_s / 1e6, broker_cpu_s,
           (broker_cpu_s >= 0 && delivered > 0) ? broker_cpu_s * 1e6 / delivered : -1, queue_full_waits,
           prop(o, "acks", prop(o, "request.required.acks", "default")),
           prop(o, "compression.type", prop(o, "compression.codec", "none")), prop(o, "linger.ms", "default"),
           lz4_ratio);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(rk);
    free(pool);
    return (failed || timed_out) ? 1 : 0;
}

/* ---------- consumers (shared by consume and e2e) ---------- */

/* A consumer outside any group, assigned every partition of topic from the beginning. */
static rd_kafka_t *make_assigned_consumer(const struct options *o, int *partitions_out) {
    char err[512];
    rd_kafka_conf_t *conf = make_conf(o);
    /* A group id is needed by the high-level consumer object, but assign() never joins it. */
    rd_kafka_conf_set(conf, "group.id", "rdkafka-loadgen", err, sizeof err);
    rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err);
    rd_kafka_conf_set(conf, "enable.partition.eof", "false", err, sizeof err);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (!rk) die("rd_kafka_new consumer: %s", err);
    rd_kafka_poll_set_consumer(rk);

    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, o->topic, NULL);
    const struct rd_kafka_metadata *md = NULL;
    int partitions = -1;
    int64_t deadline = now_ns() + (int64_t)(o->timeout_s * 1e9);
    while (partitions < 1 && now_ns() < deadline) {
        if (rd_kafka_metadata(rk, 0, rkt, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
            if (md->topic_cnt == 1 && md->topics[0].err == 0) partitions = md->topics[0].partition_cnt;
            rd_kafka_metadata_destroy(md);
        }
        if (partitions < 1) usleep(100000);
    }
    rd_kafka_topic_destroy(rkt);
    if (partitions < 1) die("topic %s has no partitions in metadata", o->topic);

    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(partitions);
    for (int p = 0; p < partitions; p++)
        rd_kafka_topic_partition_list_add(list, o->topic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_resp_err_t e = rd_kafka_assign(rk, list);
    rd_kafka_topic_partition_list_destroy(list);
    if (e) die("assign: %s", rd_kafka_err2str(e));
    *partitions_out = partitions;
    return rk;
}

static int run_consume(const struct options *o) {
    int partitions = 0;
    rd_kafka_t *rk = make_assigned_consumer(o, &partitions);
    rd_kafka_queue_t *q = rd_kafka_queue_get_consumer(rk);
    rd_kafka_message_t *batch[4096];

    double cpu0 = process_cpu_s(o->broker_pid);
    int64_t t0 = now_ns();
    int64_t deadline = t0 + (int64_t)(o->timeout_s * 1e9);
    int64_t read_until = o->duration_given ? t0 + (int64_t)(o->duration_s * 1e9) : deadline;
    long long records = 0, bytes = 0, errors = 0;
    while (records < o->records && now_ns() < deadline && now_ns() < read_until) {
        ssize_t n = rd_kafka_consume_batch_queue(q, 100, batch, 4096);
        for (ssize_t i = 0; i < n; i++) {
            if (batch[i]->err) {
                errors++;
            } else {
                records++;
                bytes += (long long)batch[i]->len;
            }
            rd_kafka_message_destroy(batch[i]);
        }
    }
    int64_t t1 = now_ns();
    double cpu1 = process_cpu_s(o->broker_pid);
    double elapsed_s = (double)(t1 - t0) / 1e9;
    double broker_cpu_s = (cpu0 >= 0 && cpu1 >= 0) ? cpu1 - cpu0 : -1;
    printf("{\"mode\":\"consume\",\"topic\":\"%s\",\"partitions\":%d,\"records\":%lld,\"bytes\":%lld,"
           "\"errors\":%lld,\"timed_out\":%s,\"elapsed_s\":%.4f,\"records_per_s\":%.0f,\"mb_per_s\":%.2f,"
           "\"broker_cpu_s\":%.3f,\"broker_cpu_us_per_record\":%.4f}\n",
           o->topic, partitions, records, bytes, errors, now_ns() >= deadline ? "true" : "false", elapsed_s,
           records / elapsed_s, bytes / elapsed_s / 1e6, broker_cpu_s,
           (broker_cpu_s >= 0 && records > 0) ? broker_cpu_s * 1e6 / records : -1);
    rd_kafka_queue_destroy(q);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return (records < o->records && !o->duration_given) || records == 0 ? 1 : 0;
}

/* ---------- e2e ---------- */

/* Log-linear latency histogram in microseconds: exact below 128 us, then 64 sub-buckets per
 * power of two (under 1.6 % error), up to 2^40 us. */
#define HIST_SUB 64
#define HIST_OCTAVES 34
struct histogram {
    long long counts[128 + HIST_OCTAVES * HIST_SUB];
    long long total;
    int64_t max_us;
};

static int hist_index(int64_t us) {
    if (us < 0) us = 0;
    if (us < 128) return (int)us;
    int octave = 63 - __builtin_clzll((unsigned long long)us); /* >= 7 */
    int sub = (int)((us >> (octave - 6)) & (HIST_SUB - 1));
    int idx = 128 + (octave - 7) * HIST_SUB + sub;
    int last = 128 + HIST_OCTAVES * HIST_SUB - 1;
    return idx > last ? last : idx;
}

/* Upper edge of a bucket, so reported percentiles never understate. */
static int64_t hist_value(int idx) {
    if (idx < 128) return idx;
    int octave = (idx - 128) / HIST_SUB + 7, sub = (idx - 128) % HIST_SUB;
    return ((int64_t)(HIST_SUB + sub + 1) << (octave - 6)) - 1;
}

static void hist_add(struct histogram *h, int64_t us) {
    h->counts[hist_index(us)]++;
    h->total++;
    if (us > h->max_us) h->max_us = us;
}

static double hist_percentile_ms(const struct histogram *h, double pct) {
    if (h->total == 0) return -1;
    long long rank = (long long)((pct / 100.0) * (double)h->total + 0.999999);
    if (rank < 1) rank = 1;
    long long seen = 0;
    for (int i = 0; i < (int)(sizeof h->counts / sizeof h->counts[0]); i++) {
        seen += h->counts[i];
        if (seen >= rank) {
            int64_t v = hist_value(i);
            return (double)(v > h->max_us ? h->max_us : v) / 1000.0;
        }
    }
    return (double)h->max_us / 1000.0;
}

struct e2e_shared {
    const struct options *o;
    rd_kafka_t *consumer;
    atomic_llong expected;      /* measured records the producer has sent so far */
    atomic_int producer_done;
    atomic_int warm;            /* set once a warm-up record came back */
    int64_t stop_ns;            /* consumer gives up after this */
    struct histogram hist;      /* measured records only */
    long long received;
    long long duplicates_or_foreign;
    long long first_seq_seen;
    unsigned char *seen;        /* one flag per measured sequence number */
    long long planned;
};

struct e2e_header {
    uint64_t magic;
    int64_t scheduled_ns; /* CLOCK_MONOTONIC of the intended send time */
    int64_t seq;          /* < 0 for warm-up records */
};

static void *e2e_consumer_main(void *arg) {
    struct e2e_shared *s = arg;
    while (now_ns() < s->stop_ns) {
        if (atomic_load(&s->producer_done) && s->received >= atomic_load(&s->expected)) break;
        rd_kafka_message_t *m = rd_kafka_consumer_poll(s->consumer, 50);
        if (!m) continue;
        int64_t t = now_ns();
        if (!m->err && m->len >= sizeof(struct e2e_header)) {
            struct e2e_header h;
            memcpy(&h, m->payload, sizeof h);
            if (h.magic != E2E_MAGIC) {
                s->duplicates_or_foreign++;
            } else if (h.seq < 0) {
                atomic_store(&s->warm, 1);
            } else if (h.seq >= s->planned || s->seen[h.seq]) {
                s->duplicates_or_foreign++;
            } else {
                s->seen[h.seq] = 1;
                s->received++;
                hist_add(&s->hist, (t - h.scheduled_ns) / 1000);
            }
        }
        rd_kafka_message_destroy(m);
    }
    return NULL;
}

static int run_e2e(const struct options *o) {
    if (o->record_bytes < (int)sizeof(struct e2e_header)) die("e2e needs -s >= %zu", sizeof(struct e2e_header));
    if (o->rate_per_s <= 0 || o->duration_s <= 0) die("e2e needs -r RATE and -d SECONDS");
    char err[512];
    struct delivery_counts counts = {0};
    rd_kafka_conf_t *conf = make_conf(o);
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_opaque(conf, &counts);
    rd_kafka_t *producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!producer) die("rd_kafka_new: %s", err);
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(producer, o->topic, NULL);

    struct e2e_shared *s = calloc(1, sizeof *s);
    s->o = o;
    s->planned = (long long)(o->rate_per_s * o->duration_s);
    s->seen = calloc((size_t)s->planned + 1, 1);
    int partitions = 0;
    s->consumer = make_assigned_consumer(o, &partitions);
    s->stop_ns = now_ns() + (int64_t)((o->duration_s + o->timeout_s) * 1e9);
    pthread_t consumer_thread;
    pthread_create(&consumer_thread, NULL, e2e_consumer_main, s);

    char *payload = malloc((size_t)o->record_bytes);
    fill_payload(payload, (size_t)o->record_bytes, 7);
    struct e2e_header h = {E2E_MAGIC, 0, -1};

    /* Warm-up: one record a 100 ms until one comes back, so connection setup and the consumer's
     * first offset lookup are not charged to the measured records. */
    int64_t warm_deadline = now_ns() + (int64_t)(o->timeout_s * 1e9);
    int warmups = 0;
    while (!atomic_load(&s->warm) && now_ns() < warm_deadline) {
        h.scheduled_ns = now_ns();
        h.seq = -1 - warmups++;
        memcpy(payload, &h, sizeof h);
        rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, payload, (size_t)o->record_bytes, NULL, 0, NULL);
        for (int i = 0; i < 10 && !atomic_load(&s->warm); i++) rd_kafka_poll(producer, 10);
    }
    int warm_ok = atomic_load(&s->warm);

    double cpu0 = process_cpu_s(o->broker_pid);
    /* The schedule is fixed before the first send: record i is due at t0 + i / rate. */
    int64_t t0 = now_ns() + 10000000;
    double interval_ns = 1e9 / o->rate_per_s;
    long long seq = 0, produce_errors = 0;
    /* How late the producer thread sent each record against its schedule: stalls of the client
     * machine itself, which the latency figures include by design. */
    struct histogram *lag = calloc(1, sizeof *lag);
    while (warm_ok && seq < s->planned) {
        int64_t due = t0 + (int64_t)((double)seq * interval_ns);
        int64_t t = now_ns();
        if (t < due) {
            rd_kafka_poll(producer, 0);
            struct timespec ts = {due / 1000000000LL, due % 1000000000LL};
            clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
            continue;
        }
        h.scheduled_ns = due;
        h.seq = seq;
        memcpy(payload, &h, sizeof h);
        atomic_store(&s->expected, seq + 1);
        if (rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, payload, (size_t)o->record_bytes, NULL,
                             0, NULL) == -1) {
            produce_errors++;
            rd_kafka_poll(producer, 1); /* the record stays due and is retried */
            if (produce_errors > s->planned) break;
            continue;
        }
        hist_add(lag, (now_ns() - due) / 1000);
        seq++;
    }
    atomic_store(&s->producer_done, 1);
    int64_t flush_deadline = now_ns() + (int64_t)(o->timeout_s * 1e9);
    while (rd_kafka_outq_len(producer) > 0 && now_ns() < flush_deadline) rd_kafka_poll(producer, 10);
    pthread_join(consumer_thread, NULL);
    double cpu1 = process_cpu_s(o->broker_pid);
    double broker_cpu_s = (cpu0 >= 0 && cpu1 >= 0) ? cpu1 - cpu0 : -1;

    long long missing = seq - s->received;
    printf("{\"mode\":\"e2e\",\"topic\":\"%s\",\"record_bytes\":%d,\"rate_per_s\":%.0f,\"duration_s\":%.1f,"
           "\"warm\":%s,\"sent\":%lld,\"received\":%lld,\"missing\":%lld,\"delivery_errors\":%lld,"
           "\"foreign_or_duplicate\":%lld,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"max_ms\":%.3f,"
           "\"send_lag_p99_ms\":%.3f,\"send_lag_max_ms\":%.3f,\"broker_cpu_s\":%.3f,\"broker_cpu_us_per_record\":%.3f,\"linger_ms\":\"%s\",\"acks\":\"%s\"}\n",
           o->topic, o->record_bytes, o->rate_per_s, o->duration_s, warm_ok ? "true" : "false", seq, s->received,
           missing, (long long)atomic_load(&counts.failed), s->duplicates_or_foreign,
           hist_percentile_ms(&s->hist, 50), hist_percentile_ms(&s->hist, 99), hist_percentile_ms(&s->hist, 99.9),
           (double)s->hist.max_us / 1000.0, hist_percentile_ms(lag, 99), (double)lag->max_us / 1000.0, broker_cpu_s,
           (broker_cpu_s >= 0 && seq > 0) ? broker_cpu_s * 1e6 / (double)seq : -1,
           prop(o, "linger.ms", "default"), prop(o, "acks", prop(o, "request.required.acks", "default")));
    rd_kafka_consumer_close(s->consumer);
    rd_kafka_destroy(s->consumer);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(producer);
    int failed = !warm_ok || missing > 0;
    free(s->seen);
    free(s);
    free(lag);
    free(payload);
    return failed ? 1 : 0;
}

/* ---------- main ---------- */

static void usage(void) {
    fprintf(stderr,
            "usage: rdkafka-loadgen create|produce|consume|e2e -b HOST:PORT -t TOPIC [options]\n"
            "  -n RECORDS      records to produce or consume (default 1000000)\n"
            "  -s BYTES        record value size (default 100)\n"
            "  -p PARTITIONS   partitions for create (default 1)\n"
            "  -r RATE         e2e: records per second (default 20000)\n"
            "  -d SECONDS      e2e: length of the measured schedule (default 10);\n"
            "                  produce, consume: stop sending or reading after this long\n"
            "  -T SECONDS      timeout for the whole run or, in e2e, the grace after it (default 60)\n"
            "  -P PID          broker process: report its CPU time for the run\n"
            "  -X key=value    librdkafka property (repeatable)\n");
    exit(2);
}

int main(int argc, char **argv) {
    struct options o = {0};
    o.records = 1000000;
    o.record_bytes = 100;
    o.partitions = 1;
    o.rate_per_s = 20000;
    o.duration_s = 10;
    o.timeout_s = 60;
    if (argc < 2) usage();
    o.mode = argv[1];
    int c;
    optind = 2;
    while ((c = getopt(argc, argv, "b:t:n:s:p:r:d:T:P:X:")) != -1) {
        switch (c) {
        case 'b': o.brokers = optarg; break;
        case 't': o.topic = optarg; break;
        case 'n': o.records = atoll(optarg); break;
        case 's': o.record_bytes = atoi(optarg); break;
        case 'p': o.partitions = atoi(optarg); break;
        case 'r': o.rate_per_s = atof(optarg); break;
        case 'd': o.duration_s = atof(optarg); o.duration_given = 1; break;
        case 'T': o.timeout_s = atof(optarg); break;
        case 'P': o.broker_pid = atoi(optarg); break;
        case 'X': {
            char *eq = strchr(optarg, '=');
            if (!eq || o.prop_count == MAX_PROPS) die("bad -X %s", optarg);
            *eq = 0;
            o.prop_keys[o.prop_count] = optarg;
            o.prop_values[o.prop_count++] = eq + 1;
            break;
        }
        default: usage();
        }
    }
    if (!o.brokers || !o.topic) usage();
    if (o.records < 1 || o.record_bytes < 1 || o.partitions < 1 || o.timeout_s <= 0) die("bad numeric option");
    if (strcmp(o.mode, "create") == 0) return run_create(&o);
    if (strcmp(o.mode, "produce") == 0) return run_produce(&o);
    if (strcmp(o.mode, "consume") == 0) return run_consume(&o);
    if (strcmp(o.mode, "e2e") == 0) return run_e2e(&o);
    usage();
    return 2;
}
