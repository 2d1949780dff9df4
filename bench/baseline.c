/*
 * The ceiling for this architecture: the Crumbs routes written by hand in C on libevent's
 * evhttp, doing the same work per request as Crumbs (parse the Cookie header, verify the
 * Flask session cookie with OpenSSL HMAC-SHA1, read the session JSON, sign a new cookie
 * as itsdangerous does, write the same JSON bytes), with every shortcut found that keeps
 * Flask's bytes, so that the ratio Crumbs is measured by never flatters it:
 *
 * - zlib is skipped for the lesson's default session family, {"count":N,"goodnight":"Moon",
 *   "hello":"World"} with N from 0 to 999,999: an exhaustive check with Python's zlib
 *   (Tests/interop/test_zlib_family.py) shows zlib.compress never makes one 2 bytes
 *   shorter, itsdangerous' condition for using it. Like Crumbs, only with the zlib that
 *   check ran against (LESSON_FAMILY_ZLIB below).
 * - Other sessions deflate with a 512-byte hash table (memory level 1) where that provably
 *   writes the same bytes as Python's level 8 (Crumbs' Zlib.smallTableWritesTheSameBytes
 *   gives the reasoning), else at level 8 with its 64 KB table.
 * - A default-family session is read by its count alone, the rest of its payload compared
 *   with the family's literal, without looking for its keys; the signature's dot is looked
 *   for first where a verifiable cookie has it (both as Crumbs reads them).
 * - One keyed EVP_MAC_CTX per loop (re-initialised, never re-keyed), the epoll changelist,
 *   table-driven base64 (four characters to three bytes a step), integers written two
 *   digits at a time from a table, no printf, the body
 *   written on the stack and handed to the request's own output buffer in one piece,
 *   Content-Length written from its digits, the Date header formatted once a second and
 *   each reply written as soon as it is made, not on epoll's word that the socket is
 *   writable (all three as Crumbs' transport does them).
 *
 * One shortcut is left out on purpose, because Crumbs may not take it: Crumbs signs with
 * OpenSSL's HMAC, and so does this server. HMAC built by hand over OpenSSL's SHA1_* with the
 * padded keys hashed once would cost 3.2k instructions a MAC instead of 4.9k (callgrind,
 * 80-byte messages), 3.4k fewer for a request that verifies and signs.
 *
 * It understands only the flat sessions the lesson writes ({"count":N,"goodnight":"...",
 * "hello":"..."} with plain ASCII strings, compressed or not); anything else starts a fresh
 * session. That is
 * enough for the benchmark and keeps it the lower bound of what Crumbs must do.
 *
 * Usage: baseline PORT KEYFILE [THREADS [PAGEFILE]]    (prints "listening on PORT")
 * THREADS loops (default 1) each accept on their own SO_REUSEPORT socket, as Crumbs'
 * --threads do. PAGEFILE holds the page Crumbs serves at / (header lines, a blank line,
 * the body), as bench/run.py saves it from Crumbs.
 */
#define _GNU_SOURCE /* memrchr */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/select.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <zlib.h>

/* The zlib the default family's exhaustive check ran against (as Crumbs' Zlib.swift). */
static const char *const LESSON_FAMILY_ZLIB[] = {"1.2.13", NULL};
static int family_skip_proven;
/* Mark Adler's zlib 1.2.x or 1.3.x: the small table's proof rests on its hash and chains. */
static int small_table_proven;

static unsigned char derived_key[20];
static int port;
static char page_headers[16][2][1024];
static int page_header_count;
static char *page_body;
static size_t page_body_n;

struct loop {
    EVP_MAC_CTX *mac;
    z_stream standard, small, inflater;
    struct event_base *base;
    time_t date_second;
    char date[32];
};

/* The Date header, formatted once a second from the loop's cached time (evhttp formats it
 * for every reply without one: gmtime and printf, ~3,400 instructions), as Crumbs does. */
static void add_date(struct loop *l, struct evkeyvalq *out) {
    struct timeval now;
    event_base_gettimeofday_cached(l->base, &now);
    if (now.tv_sec != l->date_second) {
        struct tm parts;
        time_t seconds = now.tv_sec;
        gmtime_r(&seconds, &parts);
        evutil_date_rfc1123(l->date, sizeof l->date, &parts);
        l->date_second = now.tv_sec;
    }
    evhttp_add_header(out, "Date", l->date);
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static signed char b64_values[256];

static size_t b64_encode(const unsigned char *in, size_t n, char *out) {
    size_t o = 0, i = 0;
    for (; i + 2 < n; i += 3, o += 4) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
        out[o] = b64[v >> 18];
        out[o + 1] = b64[v >> 12 & 63];
        out[o + 2] = b64[v >> 6 & 63];
        out[o + 3] = b64[v & 63];
    }
    if (n - i == 1) {
        out[o++] = b64[in[i] >> 2];
        out[o++] = b64[(in[i] & 3) << 4];
    } else if (n - i == 2) {
        out[o++] = b64[in[i] >> 2];
        out[o++] = b64[(in[i] & 3) << 4 | in[i + 1] >> 4];
        out[o++] = b64[(in[i + 1] & 15) << 2];
    }
    return o;
}

/* Four characters to three bytes a step, as Crumbs decodes (a character at a time through
 * a bit accumulator costs ~40% more). */
static long b64_decode(const char *in, size_t n, unsigned char *out) {
    const unsigned char *s = (const unsigned char *)in;
    long o = 0;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        int a = b64_values[s[i]], b = b64_values[s[i + 1]], c = b64_values[s[i + 2]], d = b64_values[s[i + 3]];
        if ((a | b | c | d) < 0) return -1;
        unsigned v = (unsigned)a << 18 | (unsigned)b << 12 | (unsigned)c << 6 | (unsigned)d;
        out[o] = (unsigned char)(v >> 16);
        out[o + 1] = (unsigned char)(v >> 8);
        out[o + 2] = (unsigned char)v;
        o += 3;
    }
    size_t rest = n - i;
    if (rest == 1) return -1;
    if (rest >= 2) {
        int a = b64_values[s[i]], b = b64_values[s[i + 1]], c = rest == 3 ? b64_values[s[i + 2]] : 0;
        if ((a | b | c) < 0) return -1;
        unsigned v = (unsigned)a << 18 | (unsigned)b << 12 | (unsigned)c << 6;
        out[o++] = (unsigned char)(v >> 16);
        if (rest == 3) out[o++] = (unsigned char)(v >> 8);
    }
    return o;
}

/* Seconds since the epoch, as Crumbs and Python's int(time.time()) read them: not time(),
 * which glibc serves from the clock tick, a few milliseconds late after each second begins. */
static long long now_seconds(void) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (long long)now.tv_sec;
}

static void hmac(struct loop *l, const char *msg, size_t n, unsigned char out[20]) {
    size_t len;
    EVP_MAC_init(l->mac, NULL, 0, NULL);
    EVP_MAC_update(l->mac, (const unsigned char *)msg, n);
    EVP_MAC_final(l->mac, out, &len, 20);
}

/* "00" to "99", back to back. */
static const char digit_pairs[] =
    "0001020304050607080910111213141516171819202122232425262728293031323334353637383940414243444546474849"
    "5051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899";

/* Decimal digits of v at out, two at a time from a table as Crumbs writes them; returns
 * their count. */
static size_t put_int(long long v, char *out) {
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    size_t o = 0, n = 1;
    for (unsigned long long p = u; p >= 10; p /= 10) n++;
    if (v < 0) out[o++] = '-';
    char *end = out + o + n;
    while (u >= 100) {
        end -= 2;
        memcpy(end, digit_pairs + (u % 100) * 2, 2);
        u /= 100;
    }
    if (u >= 10) memcpy(end - 2, digit_pairs + u * 2, 2);
    else end[-1] = (char)('0' + u);
    return o + n;
}

struct session {
    long long count;
    char hello[256], goodnight[256];
};

/* Reads a quoted ASCII string value after "key": in json. */
static int json_string(const char *json, const char *key, size_t key_n, char *out, size_t cap) {
    const char *p = strstr(json, key);
    if (!p) return 0;
    p += key_n;
    if (*p++ != '"') return 0;
    size_t i = 0;
    while (*p && *p != '"' && *p != '\\' && i + 1 < cap) out[i++] = *p++;
    if (*p != '"') return 0;
    out[i] = 0;
    return 1;
}

/* The count of a payload of the lesson's default family, {"count":N,"goodnight":"Moon",
 * "hello":"World"} with N of 1 to 6 digits and no leading zero, read without looking for
 * the keys (as Crumbs' DefaultLessonSession does); -1 for any other payload. */
static long long default_family_count(const unsigned char *p, long n) {
    static const char prefix[] = "{\"count\":", suffix[] = ",\"goodnight\":\"Moon\",\"hello\":\"World\"}";
    long digits = n - (long)(sizeof prefix - 1) - (long)(sizeof suffix - 1);
    if (digits < 1 || digits > 6 || memcmp(p, prefix, sizeof prefix - 1) != 0 ||
        memcmp(p + n - (sizeof suffix - 1), suffix, sizeof suffix - 1) != 0)
        return -1;
    const unsigned char *d = p + sizeof prefix - 1;
    if (digits > 1 && d[0] == '0') return -1;
    long long count = 0;
    for (long i = 0; i < digits; i++) {
        if ((unsigned)(d[i] - '0') > 9) return -1;
        count = count * 10 + (d[i] - '0');
    }
    return count;
}

static int open_session(struct loop *l, const char *value, size_t n, struct session *s) {
    /* The signature's dot is where every verifiable cookie has it, 27 characters from the
     * end (as Crumbs looks first); else the last dot, as itsdangerous' rsplit finds it. */
    const char *sig_dot = n >= 28 && value[n - 28] == '.' ? value + n - 28 : memrchr(value, '.', n);
    if (!sig_dot) return 0;
    const char *ts_dot = memrchr(value, '.', (size_t)(sig_dot - value));
    if (!ts_dot) return 0;
    unsigned char sig[32], expected[20], ts[8], payload[16384], packed[4096];
    size_t sig_n = n - (size_t)(sig_dot + 1 - value);
    if (sig_n != 27 || b64_decode(sig_dot + 1, sig_n, sig) != 20) return 0;
    hmac(l, value, (size_t)(sig_dot - value), expected);
    if (CRYPTO_memcmp(sig, expected, 20) != 0) return 0;
    size_t ts_n = (size_t)(sig_dot - ts_dot - 1);
    if (ts_n > 10) return 0;
    long tsn = b64_decode(ts_dot + 1, ts_n, ts);
    if (tsn < 1 || tsn > 7) return 0;
    long long stamp = 0;
    for (long i = 0; i < tsn; i++) stamp = stamp << 8 | ts[i];
    long long age = now_seconds() - stamp;
    if (age < 0 || age > 31LL * 24 * 3600) return 0;
    int compressed = value[0] == '.';
    const char *text = value + compressed;
    if (ts_dot < text) return 0;
    if ((size_t)(ts_dot - text) * 3 / 4 + 1 >= sizeof packed) return 0;
    long pn = b64_decode(text, (size_t)(ts_dot - text), compressed ? packed : payload);
    if (pn < 0) return 0;
    if (compressed) {
        /* A compressed payload (itsdangerous' leading "."), inflated by a kept stream reset
         * per message, as Crumbs does; at most the buffer, as Crumbs' inflate limit. */
        inflateReset(&l->inflater);
        l->inflater.next_in = packed;
        l->inflater.avail_in = (unsigned)pn;
        l->inflater.next_out = payload;
        l->inflater.avail_out = sizeof payload - 1;
        if (inflate(&l->inflater, Z_FINISH) != Z_STREAM_END || l->inflater.avail_in != 0) return 0;
        pn = (long)(sizeof payload - 1 - l->inflater.avail_out);
    }
    payload[pn] = 0;
    long long family = compressed ? -1 : default_family_count(payload, pn);
    if (family >= 0) {
        s->count = family;
        memcpy(s->hello, "World", 6);
        memcpy(s->goodnight, "Moon", 5);
        return 1;
    }
    const char *count = strstr((char *)payload, "\"count\":");
    s->count = count ? strtoll(count + 8, NULL, 10) : 0;
    if (!json_string((char *)payload, "\"hello\":", 8, s->hello, sizeof s->hello)) s->hello[0] = 0;
    if (!json_string((char *)payload, "\"goodnight\":", 12, s->goodnight, sizeof s->goodnight)) s->goodnight[0] = 0;
    return 1;
}

/* Whether deflate at memory level 1 writes what level 8 writes: at most 120 bytes (one
 * block either way), and no three-byte hash chain longer than the 32 positions the
 * shortest walk visits (counted by the third byte's low 3 bits, where both hashes end). */
static int small_table_same_bytes(const unsigned char *in, size_t n) {
    if (!small_table_proven || n > 120) return 0;
    unsigned counts[8] = {0};
    for (size_t i = 2; i < n; i++) counts[in[i] & 7]++;
    for (int i = 0; i < 8; i++)
        if (counts[i] > 32) return 0;
    return 1;
}

static size_t sign_session(struct loop *l, const struct session *s, char *out) {
    char json[700];
    size_t n = 0;
    memcpy(json, "{\"count\":", 9);
    n = 9;
    size_t digits = put_int(s->count, json + n);
    n += digits;
    size_t g = strlen(s->goodnight), h = strlen(s->hello);
    memcpy(json + n, ",\"goodnight\":\"", 14);
    n += 14;
    memcpy(json + n, s->goodnight, g);
    n += g;
    memcpy(json + n, "\",\"hello\":\"", 11);
    n += 11;
    memcpy(json + n, s->hello, h);
    n += h;
    memcpy(json + n, "\"}", 2);
    n += 2;
    int lesson_family = family_skip_proven && s->count >= 0 && s->count <= 999999 && g == 4 &&
                        memcmp(s->goodnight, "Moon", 4) == 0 && h == 5 && memcmp(s->hello, "World", 5) == 0;
    size_t o = 0;
    if (lesson_family) {
        o += b64_encode((unsigned char *)json, n, out + o);
    } else {
        z_stream *z = small_table_same_bytes((unsigned char *)json, n) ? &l->small : &l->standard;
        unsigned char packed[800];
        deflateReset(z);
        z->next_in = (unsigned char *)json;
        z->avail_in = (unsigned)n;
        z->next_out = packed;
        z->avail_out = sizeof packed;
        deflate(z, Z_FINISH);
        size_t packed_n = sizeof packed - z->avail_out;
        if (packed_n < n - 1) {
            out[o++] = '.';
            o += b64_encode(packed, packed_n, out + o);
        } else {
            o += b64_encode((unsigned char *)json, n, out + o);
        }
    }
    out[o++] = '.';
    unsigned long long now = (unsigned long long)now_seconds();
    unsigned char ts[8];
    int tn = 0;
    for (int shift = 56; shift >= 0; shift -= 8)
        if ((now >> shift) & 0xff || tn) ts[tn++] = (unsigned char)(now >> shift);
    o += b64_encode(ts, (size_t)tn, out + o);
    unsigned char sig[20];
    hmac(l, out, o, sig);
    out[o++] = '.';
    o += b64_encode(sig, 20, out + o);
    out[o] = 0;
    return o;
}

/* Cookie pairs of the request, first value per name, in order (enough for the benchmark):
 * pointers into the header's value, not copies. A pair's end and its '=' are found with
 * glibc's vectorised strchrnul and memchr (Crumbs: two memchrs a pair on a line of plain
 * text, which nearly every line is). */
struct cookie {
    const char *name, *value;
    size_t name_n, value_n;
};

static int parse_cookies(struct evkeyvalq *headers, struct cookie *cookies, int cap) {
    int count = 0;
    for (struct evkeyval *h = headers->tqh_first; h; h = h->next.tqe_next) {
        if ((h->key[0] | 0x20) != 'c' || strcasecmp(h->key, "Cookie") != 0) continue;
        const char *p = h->value;
        while (*p && count < cap) {
            while (*p == ' ' || *p == ';') p++;
            const char *start = p;
            p = strchrnul(p, ';');
            const char *eq = memchr(start, '=', (size_t)(p - start));
            if (!eq) eq = p;
            size_t nn = (size_t)(eq - start), vn = eq < p ? (size_t)(p - eq - 1) : 0;
            if (nn) {
                int seen = 0;
                for (int i = 0; i < count && !seen; i++)
                    seen = cookies[i].name_n == nn && memcmp(cookies[i].name, start, nn) == 0;
                if (!seen) cookies[count++] = (struct cookie){start, eq + (eq < p), nn, vn};
            }
        }
    }
    return count;
}

/* A reply body written on the stack and handed to evhttp in one evbuffer_add, as Crumbs
 * writes its bodies (an evbuffer_add per piece costs ~90 instructions, some 1,400 a lesson
 * reply). What does not fit (many or long cookies) is passed on as it comes. */
struct body {
    struct evbuffer *out;
    size_t n;
    char bytes[2048];
};

static void put(struct body *b, const void *data, size_t n) {
    if (n > sizeof b->bytes - b->n) {
        evbuffer_add(b->out, b->bytes, b->n);
        b->n = 0;
        if (n > sizeof b->bytes) {
            evbuffer_add(b->out, data, n);
            return;
        }
    }
    memcpy(b->bytes + b->n, data, n);
    b->n += n;
}

/* The body handed over, then the headers evhttp would add with printf or gmtime, written
 * here as Crumbs' transport writes them: Content-Length from its digits, then the Date. */
static void finish(struct loop *l, struct body *b, struct evkeyvalq *out) {
    evbuffer_add(b->out, b->bytes, b->n);
    char length[24];
    length[put_int((long long)evbuffer_get_length(b->out), length)] = 0;
    evhttp_add_header(out, "Content-Length", length);
    add_date(l, out);
}

#define ADD(b, literal) put((b), (literal), sizeof(literal) - 1)

static void add_cookie_list(struct body *b, struct cookie *cookies, int n) {
    if (!n) {
        ADD(b, "{\n  \"cookies\": [],\n");
        return;
    }
    ADD(b, "{\n  \"cookies\": [\n");
    for (int i = 0; i < n; i++) {
        ADD(b, "    {\n      \"");
        put(b, cookies[i].name, cookies[i].name_n);
        ADD(b, "\": \"");
        put(b, cookies[i].value, cookies[i].value_n);
        if (i + 1 < n) ADD(b, "\"\n    },\n");
        else ADD(b, "\"\n    }\n");
    }
    ADD(b, "  ],\n");
}

/* evhttp_send_reply, then the reply written at once (as Crumbs' EventLoop.writeThrough
 * does): evhttp would enable the socket's write event and wait for epoll to say it is
 * writable, one epoll_ctl more a request. Written whole, the reply is finished by the
 * bufferevent's write callback, as evhttp finishes it; the rest, or an error, is left to
 * the bufferevent. The output's front is frozen by the bufferevent: thawed for the write. */
static void reply(struct evhttp_request *req, int code, const char *reason) {
    struct evhttp_connection *evcon = evhttp_request_get_connection(req);
    evhttp_send_reply(req, code, reason, NULL);
    if (!evcon) return;
    struct bufferevent *bev = evhttp_connection_get_bufferevent(evcon);
    struct evbuffer *output = bufferevent_get_output(bev);
    evutil_socket_t fd = bufferevent_getfd(bev);
    if (fd < 0 || evbuffer_get_length(output) == 0) return;
    evbuffer_unfreeze(output, 1);
    int written = evbuffer_write(output, fd);
    evbuffer_freeze(output, 1);
    if (written > 0 && evbuffer_get_length(output) == 0) bufferevent_trigger(bev, EV_WRITE, 0);
}

static void handle(struct evhttp_request *req, void *arg) {
    struct loop *l = arg;
    struct evbuffer *output = evhttp_request_get_output_buffer(req);
    struct evkeyvalq *out = evhttp_request_get_output_headers(req);
    const char *uri = evhttp_request_get_uri(req);
    if (uri[0] == '/' && uri[1] == 0 && page_body) {
        for (int i = 0; i < page_header_count; i++) evhttp_add_header(out, page_headers[i][0], page_headers[i][1]);
        evbuffer_add_reference(output, page_body, page_body_n, NULL, NULL);
        char length[24];
        length[put_int((long long)page_body_n, length)] = 0;
        evhttp_add_header(out, "Content-Length", length);
        add_date(l, out);
        reply(req, 200, "OK");
        return;
    }
    struct body body;
    struct body *b = &body;
    b->out = output;
    b->n = 0;
    struct cookie cookies[16];
    int n = parse_cookies(evhttp_request_get_input_headers(req), cookies, 16);
    evhttp_add_header(out, "Content-Type", "application/json");
    if (strcmp(uri, "/crumbs") == 0) {
        add_cookie_list(b, cookies, n);
        ADD(b, "  \"message\": \"mouse successfully followed crumbs\"\n}\n");
        evhttp_add_header(out, "Set-Cookie", "mouse=Cookie; Path=/; SameSite=Lax");
        finish(l, b, out);
        reply(req, 200, "OK");
    } else if (strncmp(uri, "/sessions/", 10) == 0) {
        const char *key = uri + 10;
        struct session s;
        s.count = 0;
        s.hello[0] = s.goodnight[0] = 0;
        for (int i = 0; i < n; i++)
            if (cookies[i].name_n == 7 && memcmp(cookies[i].name, "session", 7) == 0 &&
                !open_session(l, cookies[i].value, cookies[i].value_n, &s)) {
                s.count = 0;
                s.hello[0] = s.goodnight[0] = 0;
            }
        if (!s.hello[0]) memcpy(s.hello, "World", 6);
        if (!s.goodnight[0]) memcpy(s.goodnight, "Moon", 5);
        int is_count = strcmp(key, "count") == 0;
        if (is_count) s.count++;
        add_cookie_list(b, cookies, n);
        ADD(b, "  \"session\": {\n    \"session_accessed\": true,\n    \"session_key\": \"");
        put(b, key, strlen(key));
        ADD(b, "\",\n    \"session_value\": ");
        char value[300];
        size_t value_n;
        if (is_count) {
            value_n = put_int(s.count, value);
        } else {
            const char *v = strcmp(key, "hello") == 0 ? s.hello : s.goodnight;
            size_t vn = strlen(v);
            value[0] = '"';
            memcpy(value + 1, v, vn);
            value[vn + 1] = '"';
            value_n = vn + 2;
        }
        put(b, value, value_n);
        ADD(b, "\n  }\n}\n");
        char cookie[1400] = "session=";
        size_t len = 8 + sign_session(l, &s, cookie + 8);
        memcpy(cookie + len, "; HttpOnly; Path=/; SameSite=Lax", 33);
        evhttp_add_header(out, "Vary", "Cookie");
        evhttp_add_header(out, "Set-Cookie", cookie);
        finish(l, b, out);
        reply(req, 200, "OK");
    } else {
        ADD(b, "{\"error\": \"Not Found\"}\n");
        finish(l, b, out);
        reply(req, 404, "Not Found");
    }
}

static evutil_socket_t listening_socket(void) {
    evutil_socket_t fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0 ||
        bind(fd, (struct sockaddr *)&address, sizeof address) != 0 || listen(fd, 1024) != 0) {
        perror("listening socket");
        exit(1);
    }
    return fd;
}

static struct event_base *new_loop(void) {
    struct loop *l = calloc(1, sizeof *l);
    EVP_MAC *algorithm = EVP_MAC_fetch(NULL, "HMAC", NULL);
    l->mac = EVP_MAC_CTX_new(algorithm);
    EVP_MAC_free(algorithm);
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA1", 0), OSSL_PARAM_construct_end()};
    EVP_MAC_init(l->mac, derived_key, 20, params);
    deflateInit2(&l->standard, Z_DEFAULT_COMPRESSION, Z_DEFLATED, MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
    deflateInit2(&l->small, Z_DEFAULT_COMPRESSION, Z_DEFLATED, MAX_WBITS, 1, Z_DEFAULT_STRATEGY);
    inflateInit(&l->inflater);

    /* The same event base Crumbs runs: a changelist folds the read-off/write-on pair evhttp
     * asks for around every reply into one epoll_ctl (with reply() writing at once, the
     * write's on and off cancel out), so the ceiling gets it too. */
    struct event_config *config = event_config_new();
    event_config_set_flag(config, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
    struct event_base *base = event_base_new_with_config(config);
    event_config_free(config);
    l->base = base;
    l->date_second = -1;
    struct evhttp *http = evhttp_new(base);
    /* Crumbs' default limits and timeout: a server facing clients must set them (Debian's
     * libevent has none and a 50 s timeout), and the timeout costs a timer per connection
     * read and write, so the ceiling pays for it too. */
    evhttp_set_max_headers_size(http, 8 * 1024);
    evhttp_set_max_body_size(http, 4 * 64 * 1024);
    evhttp_set_timeout(http, 10);
    evhttp_set_gencb(http, handle, l);
    if (!evhttp_accept_socket_with_handle(http, listening_socket())) exit(1);
    return base;
}

static void *run_loop(void *base) {
    event_base_dispatch(base);
    return NULL;
}

static void read_page(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(1);
    }
    char line[1024];
    while (fgets(line, sizeof line, f) && line[0] != '\n') {
        char *colon = strchr(line, ':');
        if (!colon || page_header_count == 16) exit(1);
        *colon = 0;
        line[strcspn(colon + 1, "\n") + (size_t)(colon + 1 - line)] = 0;
        snprintf(page_headers[page_header_count][0], 1024, "%s", line);
        snprintf(page_headers[page_header_count][1], 1024, "%s", colon + 2);
        page_header_count++;
    }
    long start = ftell(f);
    fseek(f, 0, SEEK_END);
    page_body_n = (size_t)(ftell(f) - start);
    fseek(f, start, SEEK_SET);
    page_body = malloc(page_body_n);
    if (fread(page_body, 1, page_body_n, f) != page_body_n) exit(1);
    fclose(f);
}

int main(int argc, char **argv) {
    if (argc < 3 || argc > 5) {
        fprintf(stderr, "usage: %s PORT KEYFILE [THREADS [PAGEFILE]]\n", argv[0]);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    port = atoi(argv[1]);
    int threads = argc > 3 ? atoi(argv[3]) : 1;
    if (argc > 4) read_page(argv[4]);
    memset(b64_values, -1, sizeof b64_values);
    for (int i = 0; i < 64; i++) b64_values[(unsigned char)b64[i]] = (signed char)i;
    const char *version = zlibVersion();
    for (int i = 0; LESSON_FAMILY_ZLIB[i]; i++) family_skip_proven |= strcmp(version, LESSON_FAMILY_ZLIB[i]) == 0;
    small_table_proven = strncmp(version, "1.2.", 4) == 0 || strncmp(version, "1.3.", 4) == 0;

    unsigned char secret[4096];
    FILE *f = fopen(argv[2], "rb");
    if (!f) return 1;
    size_t secret_n = fread(secret, 1, sizeof secret, f);
    fclose(f);
    unsigned derived_n;
    HMAC(EVP_sha1(), secret, (int)secret_n, (const unsigned char *)"cookie-session", 14, derived_key, &derived_n);

    struct event_base *bases[64];
    if (threads < 1 || threads > 64) return 2;
    for (int i = 0; i < threads; i++) bases[i] = new_loop();
    printf("listening on %s\n", argv[1]);
    fflush(stdout);
    pthread_t thread;
    for (int i = 1; i < threads; i++) pthread_create(&thread, NULL, run_loop, bases[i]);
    run_loop(bases[0]);
    return 0;
}
