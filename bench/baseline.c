/*
 * The ceiling for this architecture: the Crumbs routes written by hand in C on libevent's
 * evhttp, doing the same work per request as Crumbs (parse the Cookie header, verify the
 * Flask session cookie with OpenSSL HMAC-SHA1, read the session JSON, sign a new cookie
 * after trying zlib as itsdangerous does, write the same JSON bytes).
 *
 * It understands only the flat sessions the lesson writes ({"count":N,"goodnight":"...",
 * "hello":"..."} with plain ASCII strings); anything else starts a fresh session. That is
 * enough for the benchmark and keeps it the lower bound of what Crumbs must do.
 *
 * zlib runs at Python's memory level, with the 64 KB hash table it clears per attempt.
 * Crumbs deflates small sessions with a 512-byte table where that provably writes the same
 * bytes (Zlib.swift). The shortcut is left out here, so the ratio counts it in Crumbs'
 * favour: this server gains 4-5% from the same change.
 *
 * Usage: baseline PORT KEYFILE    (prints "listening on PORT")
 */
#define _GNU_SOURCE /* memrchr */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/select.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <zlib.h>

static EVP_MAC_CTX *mac;
static z_stream deflater;
static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static size_t b64_encode(const unsigned char *in, size_t n, char *out) {
    size_t o = 0, i = 0;
    for (; i + 2 < n; i += 3) {
        out[o++] = b64[in[i] >> 2];
        out[o++] = b64[(in[i] & 3) << 4 | in[i + 1] >> 4];
        out[o++] = b64[(in[i + 1] & 15) << 2 | in[i + 2] >> 6];
        out[o++] = b64[in[i + 2] & 63];
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

static int b64_value(char c) {
    const char *p = c ? strchr(b64, c) : NULL;
    return p ? (int)(p - b64) : -1;
}

static long b64_decode(const char *in, size_t n, unsigned char *out) {
    unsigned acc = 0;
    int bits = 0;
    long o = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b64_value(in[i]);
        if (v < 0) return -1;
        acc = acc << 6 | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
        }
    }
    return o;
}

static void hmac(const char *msg, size_t n, unsigned char out[20]) {
    size_t len;
    EVP_MAC_init(mac, NULL, 0, NULL);
    EVP_MAC_update(mac, (const unsigned char *)msg, n);
    EVP_MAC_final(mac, out, &len, 20);
}

struct session {
    long long count;
    char hello[256], goodnight[256];
};

/* Reads a quoted ASCII string value after "key": in json. */
static int json_string(const char *json, const char *key, char *out, size_t cap) {
    const char *p = strstr(json, key);
    if (!p) return 0;
    p += strlen(key);
    if (*p++ != '"') return 0;
    size_t i = 0;
    while (*p && *p != '"' && *p != '\\' && i + 1 < cap) out[i++] = *p++;
    if (*p != '"') return 0;
    out[i] = 0;
    return 1;
}

static int open_session(const char *value, struct session *s) {
    size_t n = strlen(value);
    const char *sig_dot = memrchr(value, '.', n);
    if (!sig_dot || value[0] == '.') return 0;
    const char *ts_dot = memrchr(value, '.', (size_t)(sig_dot - value));
    if (!ts_dot) return 0;
    unsigned char sig[32], expected[20], ts[8], payload[4096];
    if (b64_decode(sig_dot + 1, n - (size_t)(sig_dot + 1 - value), sig) != 20) return 0;
    hmac(value, (size_t)(sig_dot - value), expected);
    if (CRYPTO_memcmp(sig, expected, 20) != 0) return 0;
    long tsn = b64_decode(ts_dot + 1, (size_t)(sig_dot - ts_dot - 1), ts);
    if (tsn < 1 || tsn > 7) return 0;
    long long stamp = 0;
    for (long i = 0; i < tsn; i++) stamp = stamp << 8 | ts[i];
    long long age = (long long)time(NULL) - stamp;
    if (age < 0 || age > 31LL * 24 * 3600) return 0;
    if ((size_t)(ts_dot - value) * 3 / 4 + 1 >= sizeof payload) return 0;
    long pn = b64_decode(value, (size_t)(ts_dot - value), payload);
    if (pn < 0) return 0;
    payload[pn] = 0;
    const char *count = strstr((char *)payload, "\"count\":");
    s->count = count ? strtoll(count + 8, NULL, 10) : 0;
    if (!json_string((char *)payload, "\"hello\":", s->hello, sizeof s->hello)) s->hello[0] = 0;
    if (!json_string((char *)payload, "\"goodnight\":", s->goodnight, sizeof s->goodnight)) s->goodnight[0] = 0;
    return 1;
}

static size_t sign_session(const struct session *s, char *out) {
    char json[700];
    int n = snprintf(json, sizeof json, "{\"count\":%lld,\"goodnight\":\"%s\",\"hello\":\"%s\"}", s->count,
        s->goodnight, s->hello);
    unsigned char packed[800];
    deflateReset(&deflater);
    deflater.next_in = (unsigned char *)json;
    deflater.avail_in = (unsigned)n;
    deflater.next_out = packed;
    deflater.avail_out = sizeof packed;
    deflate(&deflater, Z_FINISH);
    size_t packed_n = sizeof packed - deflater.avail_out;
    size_t o = 0;
    if (packed_n < (size_t)n - 1) {
        out[o++] = '.';
        o += b64_encode(packed, packed_n, out + o);
    } else {
        o += b64_encode((unsigned char *)json, (size_t)n, out + o);
    }
    out[o++] = '.';
    unsigned long long now = (unsigned long long)time(NULL);
    unsigned char ts[8];
    int tn = 0;
    for (int shift = 56; shift >= 0; shift -= 8)
        if ((now >> shift) & 0xff || tn) ts[tn++] = (unsigned char)(now >> shift);
    o += b64_encode(ts, (size_t)tn, out + o);
    unsigned char sig[20];
    hmac(out, o, sig);
    out[o++] = '.';
    o += b64_encode(sig, 20, out + o);
    out[o] = 0;
    return o;
}

/* Cookie pairs of the request, first value per name, in order (enough for the benchmark). */
struct cookie { char name[64]; char value[1024]; };

static int parse_cookies(struct evkeyvalq *headers, struct cookie *cookies, int cap) {
    int count = 0;
    for (struct evkeyval *h = headers->tqh_first; h; h = h->next.tqe_next) {
        if (strcasecmp(h->key, "Cookie") != 0) continue;
        const char *p = h->value;
        while (*p && count < cap) {
            while (*p == ' ' || *p == ';') p++;
            const char *eq = strchr(p, '='), *semi = strchr(p, ';');
            if (!semi) semi = p + strlen(p);
            if (!eq || eq > semi) eq = semi;
            size_t nn = (size_t)(eq - p), vn = eq < semi ? (size_t)(semi - eq - 1) : 0;
            if (nn && nn < 64 && vn < 1024) {
                int seen = 0;
                for (int i = 0; i < count; i++) seen |= strncmp(cookies[i].name, p, nn) == 0 && !cookies[i].name[nn];
                if (!seen) {
                    memcpy(cookies[count].name, p, nn);
                    cookies[count].name[nn] = 0;
                    memcpy(cookies[count].value, eq + 1, vn);
                    cookies[count].value[vn] = 0;
                    count++;
                }
            }
            p = *semi ? semi + 1 : semi;
        }
    }
    return count;
}

static void add_cookie_list(struct evbuffer *b, struct cookie *cookies, int n) {
    if (!n) {
        evbuffer_add(b, "  \"cookies\": [],\n", 17);
        return;
    }
    evbuffer_add(b, "  \"cookies\": [\n", 15);
    for (int i = 0; i < n; i++)
        evbuffer_add_printf(b, "    {\n      \"%s\": \"%s\"\n    }%s\n", cookies[i].name, cookies[i].value,
            i + 1 < n ? "," : "");
    evbuffer_add(b, "  ],\n", 5);
}

static void handle(struct evhttp_request *req, void *arg) {
    (void)arg;
    struct evbuffer *b = evbuffer_new();
    struct evkeyvalq *out = evhttp_request_get_output_headers(req);
    struct cookie cookies[16];
    int n = parse_cookies(evhttp_request_get_input_headers(req), cookies, 16);
    const char *uri = evhttp_request_get_uri(req);
    evhttp_add_header(out, "Content-Type", "application/json");
    if (strcmp(uri, "/crumbs") == 0) {
        evbuffer_add(b, "{\n", 2);
        add_cookie_list(b, cookies, n);
        evbuffer_add(b, "  \"message\": \"mouse successfully followed crumbs\"\n}\n", 52);
        evhttp_add_header(out, "Set-Cookie", "mouse=Cookie; Path=/; SameSite=Lax");
        evhttp_send_reply(req, 200, "OK", b);
    } else if (strncmp(uri, "/sessions/", 10) == 0) {
        const char *key = uri + 10;
        struct session s = {0};
        for (int i = 0; i < n; i++)
            if (strcmp(cookies[i].name, "session") == 0 && !open_session(cookies[i].value, &s)) memset(&s, 0, sizeof s);
        if (!s.hello[0]) strcpy(s.hello, "World");
        if (!s.goodnight[0]) strcpy(s.goodnight, "Moon");
        if (strcmp(key, "count") == 0) s.count++;
        char value[300];
        if (strcmp(key, "count") == 0) snprintf(value, sizeof value, "%lld", s.count);
        else if (strcmp(key, "hello") == 0) snprintf(value, sizeof value, "\"%s\"", s.hello);
        else snprintf(value, sizeof value, "\"%s\"", s.goodnight);
        evbuffer_add(b, "{\n", 2);
        add_cookie_list(b, cookies, n);
        evbuffer_add_printf(b,
            "  \"session\": {\n    \"session_accessed\": true,\n    \"session_key\": \"%s\",\n"
            "    \"session_value\": %s\n  }\n}\n",
            key, value);
        char cookie[1400] = "session=";
        size_t len = 8 + sign_session(&s, cookie + 8);
        strcpy(cookie + len, "; HttpOnly; Path=/; SameSite=Lax");
        evhttp_add_header(out, "Vary", "Cookie");
        evhttp_add_header(out, "Set-Cookie", cookie);
        evhttp_send_reply(req, 200, "OK", b);
    } else {
        evbuffer_add(b, "{\"error\": \"Not Found\"}\n", 23);
        evhttp_send_reply(req, 404, "Not Found", b);
    }
    evbuffer_free(b);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s PORT KEYFILE\n", argv[0]);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    unsigned char secret[4096], derived[20];
    FILE *f = fopen(argv[2], "rb");
    if (!f) return 1;
    size_t secret_n = fread(secret, 1, sizeof secret, f);
    fclose(f);
    unsigned derived_n;
    HMAC(EVP_sha1(), secret, (int)secret_n, (const unsigned char *)"cookie-session", 14, derived, &derived_n);
    EVP_MAC *algorithm = EVP_MAC_fetch(NULL, "HMAC", NULL);
    mac = EVP_MAC_CTX_new(algorithm);
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA1", 0), OSSL_PARAM_construct_end()};
    EVP_MAC_init(mac, derived, 20, params);
    deflateInit(&deflater, Z_DEFAULT_COMPRESSION);

    /* The same event base Crumbs runs: a changelist folds the read-off/write-on pair evhttp
     * asks for around every reply into one epoll_ctl, so the ceiling gets it too. */
    struct event_config *config = event_config_new();
    event_config_set_flag(config, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
    struct event_base *base = event_base_new_with_config(config);
    event_config_free(config);
    struct evhttp *http = evhttp_new(base);
    /* Crumbs' default limits and timeout: a server facing clients must set them (Debian's
     * libevent has none and a 50 s timeout), and the timeout costs a timer per connection
     * read and write, so the ceiling pays for it too. */
    evhttp_set_max_headers_size(http, 8 * 1024);
    evhttp_set_max_body_size(http, 4 * 64 * 1024);
    evhttp_set_timeout(http, 10);
    evhttp_set_gencb(http, handle, NULL);
    if (!evhttp_bind_socket_with_handle(http, "127.0.0.1", (unsigned short)atoi(argv[1]))) return 1;
    printf("listening on %s\n", argv[1]);
    fflush(stdout);
    event_base_dispatch(base);
    return 0;
}
