// Physical limits for the broker benchmarks: how fast this machine moves bytes over loopback TCP and onto
// the disk the benchmarks write to, with nothing but system calls in the way. scripts/bench-all divides the
// brokers' and clients' numbers by these.
//
//   limits tcp  [-s WRITE_BYTES] [-d SECONDS] [-N 0|1]  one sender thread, one receiver thread over 127.0.0.1
//   limits sendfile [-s CHUNK_BYTES] [-d SECONDS] [-D DIR]  the same, the sender sendfile()ing a cached 64 MiB
//                                                       file (how Kairos serves fetches: one copy fewer)
//   limits disk [-D DIR] [-m MIB] [-w WRITE_BYTES]      sequential writes to a new file in a temp dir under DIR,
//                                                       timed before and after one fdatasync at the end
//   limits all  [-d SECONDS] [-D DIR] [-m MIB]          tcp with 1 MiB writes, tcp with 100 B writes, sendfile,
//                                                       disk
//
// Every result is one JSON line on stdout. MB = 10^6 bytes, as in the benchmark reports.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what) {
    fprintf(stderr, "limits: %s: %s\n", what, strerror(errno));
    exit(1);
}

// ---------------------------------------------------------------- loopback TCP

struct receiver {
    int listen_fd;
    size_t buffer_bytes;
    uint64_t received;
    double first_byte_s, eof_s;
};

static void *receive_all(void *arg) {
    struct receiver *r = arg;
    int fd = accept(r->listen_fd, NULL, NULL);
    if (fd < 0) die("accept");
    char *buffer = malloc(r->buffer_bytes);
    if (!buffer) die("malloc");
    for (;;) {
        ssize_t n = read(fd, buffer, r->buffer_bytes);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) die("read");
        if (n == 0) break;
        if (r->received == 0) r->first_byte_s = now_s();
        r->received += (uint64_t)n;
    }
    r->eof_s = now_s();
    free(buffer);
    close(fd);
    return NULL;
}

// A listening socket on 127.0.0.1 with a receiver thread that reads into a 1 MiB buffer until end of file,
// and a connected sender socket.
static int tcp_pair(struct receiver *r, pthread_t *thread, int nodelay) {
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    if (lfd < 0) die("socket");
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0) die("bind");
    if (listen(lfd, 1) < 0) die("listen");
    socklen_t len = sizeof addr;
    if (getsockname(lfd, (struct sockaddr *)&addr, &len) < 0) die("getsockname");
    *r = (struct receiver){.listen_fd = lfd, .buffer_bytes = 1 << 20};
    if (pthread_create(thread, NULL, receive_all, r) != 0) die("pthread_create");
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) die("socket");
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, sizeof nodelay) < 0) die("TCP_NODELAY");
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) die("connect");
    return fd;
}

// Sends write_bytes-sized writes for `seconds`, then closes; throughput is what the receiver read over the
// whole time from the first write to the receiver's end of file.
static void tcp_limit(size_t write_bytes, double seconds, int nodelay) {
    struct receiver r;
    pthread_t thread;
    int fd = tcp_pair(&r, &thread, nodelay);
    char *buffer = malloc(write_bytes);
    if (!buffer) die("malloc");
    for (size_t i = 0; i < write_bytes; i++) buffer[i] = (char)('a' + i % 26);

    uint64_t writes = 0;
    double start = now_s(), deadline = start + seconds;
    // Checking the clock costs about as much as a small write: look every 64 writes (1 MiB: every write).
    unsigned check_every = write_bytes >= 65536 ? 1 : 64;
    for (;;) {
        size_t off = 0;
        while (off < write_bytes) {
            ssize_t n = write(fd, buffer + off, write_bytes - off);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) die("write");
            off += (size_t)n;
        }
        writes++;
        if (writes % check_every == 0 && now_s() >= deadline) break;
    }
    double sent_s = now_s();
    close(fd);
    pthread_join(thread, NULL);
    close(r.listen_fd);
    free(buffer);
    double elapsed = r.eof_s - start;
    printf("{\"test\":\"tcp_loopback\",\"write_bytes\":%zu,\"nodelay\":%d,\"seconds\":%.3f,\"bytes\":%llu,"
           "\"writes\":%llu,\"mb_per_s\":%.1f,\"writes_per_s\":%.0f,\"send_seconds\":%.3f}\n",
           write_bytes, nodelay, elapsed, (unsigned long long)r.received, (unsigned long long)writes,
           (double)r.received / elapsed / 1e6, (double)writes / elapsed, sent_s - start);
    fflush(stdout);
}

// Sends a 64 MiB file from the page cache with sendfile, chunk_bytes per call, over and over for `seconds`.
static void sendfile_limit(const char *dir, size_t chunk_bytes, double seconds) {
    const size_t file_bytes = 64u << 20;
    char template[4096];
    snprintf(template, sizeof template, "%s/kairos-limits-XXXXXX", dir);
    char *tmp = mkdtemp(template);
    if (!tmp) die("mkdtemp");
    char path[4200];
    snprintf(path, sizeof path, "%s/data", tmp);
    int file = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (file < 0) die("open");
    char *block = malloc(1 << 20);
    if (!block) die("malloc");
    for (size_t i = 0; i < (1u << 20); i++) block[i] = (char)('a' + i % 26);
    for (size_t off = 0; off < file_bytes; off += 1u << 20) {
        if (write(file, block, 1u << 20) != (ssize_t)(1u << 20)) die("write");
    }
    free(block);

    struct receiver r;
    pthread_t thread;
    int fd = tcp_pair(&r, &thread, 1);
    uint64_t calls = 0;
    double start = now_s(), deadline = start + seconds;
    off_t pos = 0;
    while (now_s() < deadline) {
        if ((size_t)pos >= file_bytes) pos = 0;
        size_t want = chunk_bytes < file_bytes - (size_t)pos ? chunk_bytes : file_bytes - (size_t)pos;
        ssize_t n = sendfile(fd, file, &pos, want);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) die("sendfile");
        calls++;
    }
    close(fd);
    pthread_join(thread, NULL);
    close(r.listen_fd);
    close(file);
    unlink(path);
    rmdir(tmp);
    double elapsed = r.eof_s - start;
    printf("{\"test\":\"tcp_loopback_sendfile\",\"chunk_bytes\":%zu,\"seconds\":%.3f,\"bytes\":%llu,\"calls\":%llu,"
           "\"mb_per_s\":%.1f}\n",
           chunk_bytes, elapsed, (unsigned long long)r.received, (unsigned long long)calls,
           (double)r.received / elapsed / 1e6);
    fflush(stdout);
}

// ---------------------------------------------------------------- sequential disk writes

// Writes total_bytes in write_bytes pieces to a new file in a fresh directory under dir; reports the rate
// without durability (page cache: what Kairos does per request by default) and with one fdatasync at the end
// (the device's own rate), then removes the file.
static void disk_limit(const char *dir, uint64_t total_bytes, size_t write_bytes) {
    struct statvfs vfs;
    if (statvfs(dir, &vfs) == 0) {
        uint64_t avail = (uint64_t)vfs.f_bavail * vfs.f_frsize;
        // Never fill the disk: use at most a quarter of the free space.
        if (total_bytes > avail / 4) {
            fprintf(stderr, "limits: %s has %llu MiB free; writing %llu MiB instead\n", dir,
                    (unsigned long long)(avail >> 20), (unsigned long long)(avail / 4 >> 20));
            total_bytes = avail / 4 / write_bytes * write_bytes;
        }
    }
    char template[4096];
    snprintf(template, sizeof template, "%s/kairos-limits-XXXXXX", dir);
    char *tmp = mkdtemp(template);
    if (!tmp) die("mkdtemp");
    char path[4200];
    snprintf(path, sizeof path, "%s/data", tmp);
    struct statfs fs;
    long fs_type = statfs(tmp, &fs) == 0 ? (long)fs.f_type : 0;

    char *buffer = malloc(write_bytes);
    if (!buffer) die("malloc");
    uint64_t x = 0x9E3779B97F4A7C15ull;  // not zeros: no filesystem shortcut for zero pages
    for (size_t i = 0; i < write_bytes; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        buffer[i] = (char)x;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) die("open");
    double start = now_s();
    uint64_t written = 0;
    while (written < total_bytes) {
        ssize_t n = write(fd, buffer, write_bytes);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) die("write");
        written += (uint64_t)n;
    }
    double written_s = now_s();
    if (fdatasync(fd) < 0) die("fdatasync");
    double synced_s = now_s();
    close(fd);
    unlink(path);
    rmdir(tmp);
    free(buffer);
    printf("{\"test\":\"disk_write\",\"dir\":\"%s\",\"fs_type\":\"0x%lx\",\"write_bytes\":%zu,\"bytes\":%llu,"
           "\"fdatasync\":false,\"seconds\":%.3f,\"mb_per_s\":%.1f}\n",
           dir, fs_type, write_bytes, (unsigned long long)written, written_s - start,
           (double)written / (written_s - start) / 1e6);
    printf("{\"test\":\"disk_write\",\"dir\":\"%s\",\"fs_type\":\"0x%lx\",\"write_bytes\":%zu,\"bytes\":%llu,"
           "\"fdatasync\":true,\"seconds\":%.3f,\"mb_per_s\":%.1f,\"fdatasync_seconds\":%.3f}\n",
           dir, fs_type, write_bytes, (unsigned long long)written, synced_s - start,
           (double)written / (synced_s - start) / 1e6, synced_s - written_s);
    fflush(stdout);
}

// ---------------------------------------------------------------- main

static void usage(void) {
    fprintf(stderr,
            "usage: limits tcp  [-s WRITE_BYTES (1048576)] [-d SECONDS (3)] [-N NODELAY 0|1 (1)]\n"
            "       limits sendfile [-s CHUNK_BYTES (1048576)] [-d SECONDS (3)] [-D DIR (/tmp)]\n"
            "       limits disk [-D DIR (/tmp)] [-m MIB (1024)] [-w WRITE_BYTES (1048576)]\n"
            "       limits all  [-d SECONDS] [-D DIR] [-m MIB]   tcp 1 MiB, tcp 100 B, sendfile, disk\n");
    exit(2);
}

int main(int argc, char **argv) {
    if (argc < 2) usage();
    const char *mode = argv[1];
    size_t write_bytes = 0;
    double seconds = 3;
    int nodelay = 1;
    const char *dir = "/tmp";
    uint64_t mib = 1024;
    int opt;
    optind = 2;
    while ((opt = getopt(argc, argv, "s:d:N:D:m:w:")) != -1) {
        switch (opt) {
        case 's': case 'w': write_bytes = (size_t)strtoull(optarg, NULL, 10); break;
        case 'd': seconds = atof(optarg); break;
        case 'N': nodelay = atoi(optarg) != 0; break;
        case 'D': dir = optarg; break;
        case 'm': mib = strtoull(optarg, NULL, 10); break;
        default: usage();
        }
    }
    if (seconds <= 0 || mib == 0) usage();
    if (strcmp(mode, "tcp") == 0) {
        tcp_limit(write_bytes ? write_bytes : 1 << 20, seconds, nodelay);
    } else if (strcmp(mode, "sendfile") == 0) {
        sendfile_limit(dir, write_bytes ? write_bytes : 1 << 20, seconds);
    } else if (strcmp(mode, "disk") == 0) {
        disk_limit(dir, mib << 20, write_bytes ? write_bytes : 1 << 20);
    } else if (strcmp(mode, "all") == 0) {
        tcp_limit(1 << 20, seconds, nodelay);
        tcp_limit(100, seconds, nodelay);
        sendfile_limit(dir, 1 << 20, seconds);
        disk_limit(dir, mib << 20, 1 << 20);
    } else {
        usage();
    }
    return 0;
}
