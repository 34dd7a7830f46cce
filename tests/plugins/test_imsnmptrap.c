/*
 * test_imsnmptrap.c - plugin tests for imsnmptrap against the fake host, with net-snmp's
 * snmptrap/snmpinform as the real senders (127.0.0.1, kernel-chosen port), plus crafted
 * bad datagrams fed through the test hook (truncated, lengths past the datagram, 64-bit
 * values in 32-bit types, nesting 1,000 deep, a 65,507-byte datagram).
 *
 * The instance is built as the core would: parameter block from the table (plugparams.c),
 * create(), open(), run() on a thread, stop(), destroy().  Tests needing snmptrap skip
 * their sender part (but not the rest) when it is not installed.
 *
 * Ownership: each test owns its instance; parameter strings point to literals.  Every wait
 * is bounded.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json.h>

#include "fakehost.h"
#include "plugparams.h"
#include "sluice/sl_plugin.h"
#include "../../plugins/imsnmptrap/imsnmptrap.h"
#include "../../plugins/imsnmptrap/ber.h"

extern const struct sl_plugin sluice_plugin;
#define PLUGIN (&sluice_plugin)

struct tinst {
    void *inst;
    pthread_t th;
    int port;
};

static void *run_thread(void *arg)
{
    struct tinst *t = arg;
    PLUGIN->in->run(t->inst);
    return NULL;
}

static int start_inst(struct tinst *t, const char *const *kv)
{
    memset(t, 0, sizeof *t);
    t->inst = pt_new_block(PLUGIN->inst_params, PLUGIN->inst_size);
    pt_set_param(PLUGIN->inst_params, t->inst, "address", "127.0.0.1");
    pt_set_param(PLUGIN->inst_params, t->inst, "port", "0");
    for (size_t i = 0; kv != NULL && kv[i] != NULL; i += 2) {
        pt_set_param(PLUGIN->inst_params, t->inst, kv[i], kv[i + 1]);
    }
    int rc = PLUGIN->in->create(t->inst, NULL, &fh_host, NULL);
    if (rc != 0) {
        PLUGIN->in->destroy(t->inst);
        free(t->inst);
        return rc;
    }
    ck_assert_int_eq(PLUGIN->in->open(t->inst), 0);
    t->port = sl_imsnmptrap_bound_port(t->inst, 0);
    ck_assert_int_gt(t->port, 0);
    ck_assert_int_eq(pthread_create(&t->th, NULL, run_thread, t), 0);
    return 0;
}

static void stop_inst(struct tinst *t)
{
    PLUGIN->in->stop(t->inst);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 5;
    ck_assert_int_eq(pthread_timedjoin_np(t->th, NULL, &ts), 0);
    PLUGIN->in->destroy(t->inst);
    free(t->inst);
}

static int have_snmptrap(void)
{
    return system("command -v snmptrap >/dev/null 2>&1") == 0;
}

static char tool_dir[] = "/tmp/sl-snmptest-XXXXXX";   /* the tools' state, removed at exit */

/* Run a net-snmp tool (argv[0]) with a private persistent dir; returns its exit code. */
static int run_tool(const char *const *argv)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        setenv("SNMP_PERSISTENT_DIR", tool_dir, 1);
        setenv("SNMPCONFPATH", tool_dir, 1);
        if (freopen("/dev/null", "w", stdout) == NULL) {
            _exit(126);
        }
        setenv("MIBS", "", 1);
        setenv("MIBDIRS", "", 1);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    for (int w = 0; w <= 20000; w += 5) {
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
        }
        struct timespec ts = { 0, 5000000 };
        nanosleep(&ts, NULL);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return -1;
}

static struct json_object *jget(struct json_object *o, const char *key)
{
    struct json_object *v = NULL;
    ck_assert_msg(json_object_object_get_ex(o, key, &v), "no key %s", key);
    return v;
}

static const char *jstr(struct json_object *o, const char *key)
{
    return json_object_get_string(jget(o, key));
}

static struct json_object *snmp_tree(struct sl_msg *m)
{
    ck_assert(m->json != NULL);
    return jget(m->json, "snmp");
}

static void setup(void)
{
    fh_reset();
}

START_TEST(test_v2c_trap)
{
    if (!have_snmptrap()) {
        return;
    }
    struct tinst t;
    const char *kv[] = { "community", "public", NULL };
    ck_assert_int_eq(start_inst(&t, kv), 0);
    char tgt[64];
    snprintf(tgt, sizeof tgt, "127.0.0.1:%d", t.port);
    const char *argv[] = { "snmptrap", "-v", "2c", "-c", "public", tgt, "4242",
                           "1.3.6.1.4.1.8072.2.3.0.1",
                           "1.3.6.1.4.1.8072.2.3.2.1", "i", "-5",
                           "1.3.6.1.2.1.1.5.0", "s", "say \"hi\"",
                           "1.3.6.1.4.1.1.1", "x", "DEADBEEF",
                           "1.3.6.1.4.1.1.2", "C", "12345678901234",
                           "1.3.6.1.4.1.1.3", "a", "192.0.2.7",
                           "1.3.6.1.4.1.1.4", "o", "1.3.6.1.2", NULL };
    ck_assert_int_eq(run_tool(argv), 0);
    ck_assert_int_eq(fh_wait_count(1, 5000), 0);
    struct sl_msg *m = fh_get(0);
    ck_assert_uint_eq(m->f_set & (SL_MF_PRI | SL_MF_TAG | SL_MF_MSG | SL_MF_TIME),
                      SL_MF_PRI | SL_MF_TAG | SL_MF_MSG | SL_MF_TIME);
    ck_assert_int_eq(m->f_pri, 30);
    ck_assert_str_eq(m->f_tag, "snmptrapd:");
    /* "YYYY-MM-DD hh:mm:ss UDP: [127.0.0.1]:P->[127.0.0.1]:Q [same]:\nVB\tVB..." */
    char expect[512];
    const struct sockaddr_in *src = (const struct sockaddr_in *)&m->peer;
    snprintf(expect, sizeof expect,
             "UDP: [127.0.0.1]:%d->[127.0.0.1]:%d [UDP: [127.0.0.1]:%d->[127.0.0.1]:%d]:\n"
             ".1.3.6.1.2.1.1.3.0 = Timeticks: (4242) 0:00:42.42\t"
             ".1.3.6.1.6.3.1.1.4.1.0 = OID: .1.3.6.1.4.1.8072.2.3.0.1\t"
             ".1.3.6.1.4.1.8072.2.3.2.1 = INTEGER: -5\t"
             ".1.3.6.1.2.1.1.5.0 = STRING: \"say \\\"hi\\\"\"\t"
             ".1.3.6.1.4.1.1.1 = Hex-STRING: DE AD BE EF \t"
             ".1.3.6.1.4.1.1.2 = Counter64: 12345678901234\t"
             ".1.3.6.1.4.1.1.3 = IpAddress: 192.0.2.7\t"
             ".1.3.6.1.4.1.1.4 = OID: .1.3.6.1.2",
             ntohs(src->sin_port), t.port, ntohs(src->sin_port), t.port);
    ck_assert_msg(strlen(m->f_msg) > 20 && strcmp(m->f_msg + 20, expect) == 0, "got <%s>",
                  m->f_msg);
    ck_assert(m->f_msg[4] == '-' && m->f_msg[13] == ':' && m->f_msg[19] == ' ');
    ck_assert_str_eq(m->raw, m->f_msg);
    struct json_object *s = snmp_tree(m);
    ck_assert_str_eq(jstr(s, "version"), "2c");
    ck_assert_str_eq(jstr(s, "community"), "public");
    ck_assert_str_eq(jstr(s, "pdu"), "trap2");
    ck_assert_int_eq(json_object_get_int64(jget(s, "uptime")), 4242);
    ck_assert_str_eq(jstr(s, "trap_oid"), ".1.3.6.1.4.1.8072.2.3.0.1");
    struct json_object *vbs = jget(s, "varbinds");
    ck_assert_int_eq(json_object_array_length(vbs), 8);
    struct json_object *v = json_object_array_get_idx(vbs, 2);
    ck_assert_str_eq(jstr(v, "oid"), ".1.3.6.1.4.1.8072.2.3.2.1");
    ck_assert_str_eq(jstr(v, "type"), "INTEGER");
    ck_assert_int_eq(json_object_get_int64(jget(v, "value")), -5);
    v = json_object_array_get_idx(vbs, 4);
    ck_assert_str_eq(jstr(v, "type"), "Hex-STRING");
    ck_assert_str_eq(jstr(v, "value"), "DE AD BE EF");
    v = json_object_array_get_idx(vbs, 3);
    ck_assert_str_eq(jstr(v, "type"), "STRING");
    ck_assert_str_eq(jstr(v, "value"), "say \"hi\"");
    v = json_object_array_get_idx(vbs, 5);
    ck_assert_str_eq(jstr(v, "type"), "Counter64");
    ck_assert_int_eq(json_object_get_int64(jget(v, "value")), 12345678901234LL);
    ck_assert_uint_eq(fh_counter_value("datagrams"), 1);
    ck_assert_uint_eq(fh_counter_value("traps"), 1);
    ck_assert_uint_eq(fh_counter_value("submitted"), 1);
    stop_inst(&t);
}
END_TEST

START_TEST(test_v1_trap)
{
    if (!have_snmptrap()) {
        return;
    }
    struct tinst t;
    const char *kv[] = { "community", "public,other", NULL };
    ck_assert_int_eq(start_inst(&t, kv), 0);
    char tgt[64];
    snprintf(tgt, sizeof tgt, "127.0.0.1:%d", t.port);
    const char *a1[] = { "snmptrap", "-v", "1", "-c", "other", tgt, "1.3.6.1.4.1.8072.2.3",
                         "192.0.2.1", "6", "17", "12345", "1.3.6.1.4.1.8072.2.3.2.1", "i",
                         "123456", "1.3.6.1.2.1.1.5.0", "s", "v1 text", NULL };
    ck_assert_int_eq(run_tool(a1), 0);
    ck_assert_int_eq(fh_wait_count(1, 5000), 0);
    const char *a2[] = { "snmptrap", "-v", "1", "-c", "public", tgt, "1.3.6.1.4.1.8072.2.3",
                         "10.1.2.3", "2", "0", "8640000", NULL };
    ck_assert_int_eq(run_tool(a2), 0);
    ck_assert_int_eq(fh_wait_count(2, 5000), 0);
    struct sl_msg *m = fh_get(0);
    const struct sockaddr_in *src = (const struct sockaddr_in *)&m->peer;
    char expect[512];
    snprintf(expect, sizeof expect,
             "192.0.2.1 [192.0.2.1] (via UDP: [127.0.0.1]:%d->[127.0.0.1]:%d) TRAP, SNMP v1, "
             "community other\n\t.1.3.6.1.4.1.8072.2.3 Enterprise Specific Trap (17) Uptime: "
             "0:02:03.45\n\t.1.3.6.1.4.1.8072.2.3.2.1 = INTEGER: 123456\t.1.3.6.1.2.1.1.5.0 = "
             "STRING: \"v1 text\"",
             ntohs(src->sin_port), t.port);
    ck_assert_msg(strcmp(m->f_msg + 20, expect) == 0, "got <%s>", m->f_msg);
    struct json_object *s = snmp_tree(m);
    ck_assert_str_eq(jstr(s, "version"), "1");
    ck_assert_str_eq(jstr(s, "enterprise"), ".1.3.6.1.4.1.8072.2.3");
    ck_assert_str_eq(jstr(s, "agent_addr"), "192.0.2.1");
    ck_assert_int_eq(json_object_get_int(jget(s, "generic")), 6);
    ck_assert_int_eq(json_object_get_int(jget(s, "specific")), 17);
    ck_assert_int_eq(json_object_get_int64(jget(s, "uptime")), 12345);
    ck_assert_str_eq(jstr(s, "trap_oid"), ".1.3.6.1.4.1.8072.2.3.0.17");
    m = fh_get(1);
    src = (const struct sockaddr_in *)&m->peer;
    /* no varbinds: the text ends with an empty line (snmptrapd's "\n\n" minus one) */
    snprintf(expect, sizeof expect,
             "10.1.2.3 [10.1.2.3] (via UDP: [127.0.0.1]:%d->[127.0.0.1]:%d) TRAP, SNMP v1, "
             "community public\n\t.1.3.6.1.4.1.8072.2.3 Link Down Trap (0) Uptime: "
             "1 day, 0:00:00.00\n",
             ntohs(src->sin_port), t.port);
    ck_assert_msg(strcmp(m->f_msg + 20, expect) == 0, "got <%s>", m->f_msg);
    ck_assert_str_eq(jstr(snmp_tree(m), "trap_oid"), ".1.3.6.1.6.3.1.1.5.3");
    stop_inst(&t);
}
END_TEST

START_TEST(test_community_fail_closed)
{
    if (!have_snmptrap()) {
        return;
    }
    struct tinst t;
    ck_assert_int_eq(start_inst(&t, NULL), 0);   /* no community: nothing accepted */
    char tgt[64];
    snprintf(tgt, sizeof tgt, "127.0.0.1:%d", t.port);
    const char *a1[] = { "snmptrap", "-v", "2c", "-c", "public", tgt, "", "1.3.6.1.4.1.1.0.1",
                         NULL };
    ck_assert_int_eq(run_tool(a1), 0);
    for (int w = 0; w < 500 && fh_counter_value("bad.community") < 1; w++) {
        usleep(10000);
    }
    ck_assert_uint_eq(fh_counter_value("bad.community"), 1);
    ck_assert_uint_eq(fh_count(), 0);
    stop_inst(&t);

    fh_reset();
    const char *kv[] = { "community", "secret", NULL };
    ck_assert_int_eq(start_inst(&t, kv), 0);
    snprintf(tgt, sizeof tgt, "127.0.0.1:%d", t.port);
    const char *a2[] = { "snmptrap", "-v", "1", "-c", "public", tgt, "1.3.6.1.4.1.1",
                         "192.0.2.1", "0", "0", "1", NULL };
    ck_assert_int_eq(run_tool(a2), 0);
    for (int w = 0; w < 500 && fh_counter_value("bad.community") < 2; w++) {
        usleep(10000);
    }
    ck_assert_uint_eq(fh_counter_value("bad.community"), 2);
    ck_assert_uint_eq(fh_count(), 0);
    stop_inst(&t);

    fh_reset();
    const char *kv2[] = { "acceptAnyCommunity", "on", "format", "json", NULL };
    ck_assert_int_eq(start_inst(&t, kv2), 0);
    snprintf(tgt, sizeof tgt, "127.0.0.1:%d", t.port);
    ck_assert_int_eq(run_tool(a1), 0);
    ck_assert_int_eq(fh_wait_count(1, 5000), 0);
    struct sl_msg *m = fh_get(0);
    /* format=json: msg is the $!snmp tree, spaced as %$!snmp% renders it */
    struct json_object *s = snmp_tree(m);
    ck_assert_str_eq(m->f_msg, json_object_to_json_string_ext(s, JSON_C_TO_STRING_SPACED));
    ck_assert_str_eq(jstr(s, "trap_oid"), ".1.3.6.1.4.1.1.0.1");
    stop_inst(&t);
}
END_TEST

START_TEST(test_v2c_inform)
{
    if (!have_snmptrap()) {
        return;
    }
    struct tinst t;
    const char *kv[] = { "community", "public", NULL };
    ck_assert_int_eq(start_inst(&t, kv), 0);
    char tgt[64];
    snprintf(tgt, sizeof tgt, "127.0.0.1:%d", t.port);
    const char *a[] = { "snmpinform", "-v", "2c", "-c", "public", "-r", "0", "-t", "3", tgt, "",
                        "1.3.6.1.4.1.8072.2.3.0.2", "1.3.6.1.2.1.1.5.0", "s", "inform", NULL };
    ck_assert_int_eq(run_tool(a), 0);   /* exit 0: our Response arrived */
    ck_assert_int_eq(fh_wait_count(1, 5000), 0);
    ck_assert_uint_eq(fh_counter_value("informs.answered"), 1);
    ck_assert_str_eq(jstr(snmp_tree(fh_get(0)), "pdu"), "inform");
    /* a wrong community gets no answer: snmpinform times out */
    const char *b[] = { "snmpinform", "-v", "2c", "-c", "nope", "-r", "0", "-t", "1", tgt, "",
                        "1.3.6.1.4.1.8072.2.3.0.2", NULL };
    ck_assert_int_ne(run_tool(b), 0);
    ck_assert_uint_eq(fh_counter_value("informs.answered"), 1);
    ck_assert_uint_eq(fh_counter_value("bad.community"), 1);
    stop_inst(&t);
}
END_TEST

/* ---- bad input through the test hook ---- */

static void feed(void *inst, const uint8_t *p, size_t n)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(40000) };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sl_imsnmptrap_datagram(inst, p, n, (struct sockaddr *)&sa, sizeof sa, NULL);
}

/* A v2c trap with one varbind whose value TLV is given. */
static size_t v2c_with_value(uint8_t *out, const uint8_t *val, size_t vlen)
{
    static const uint8_t oid[] = { 0x06, 0x03, 0x2b, 0x06, 0x01 };
    uint8_t vb[256], vbl[260], pdu[300];
    uint8_t *p = ber_put_hdr(vb, 0x30, sizeof oid + vlen);
    memcpy(p, oid, sizeof oid);
    memcpy(p + sizeof oid, val, vlen);
    size_t vbn = (size_t)(p + sizeof oid + vlen - vb);
    p = ber_put_hdr(vbl, 0x30, vbn);
    memcpy(p, vb, vbn);
    size_t vbln = (size_t)(p + vbn - vbl);
    size_t pl = snmp_encode_pdu(pdu, sizeof pdu, SNMP_PDU_TRAP_V2, 7, 0, 0, vbl, vbln);
    return snmp_encode_community_msg(out, 400, 1, (const uint8_t *)"public", 6, pdu, pl);
}

START_TEST(test_bad_input)
{
    struct tinst t;
    const char *kv[] = { "community", "public", NULL };
    ck_assert_int_eq(start_inst(&t, kv), 0);
    uint8_t buf[400];
    /* a good one first: the builder works */
    static const uint8_t i5[] = { 0x02, 0x01, 0x05 };
    size_t n = v2c_with_value(buf, i5, sizeof i5);
    feed(t.inst, buf, n);
    ck_assert_uint_eq(fh_count(), 1);
    uint64_t bad = 0;
    /* every truncation of it */
    for (size_t k = 0; k < n; k++) {
        feed(t.inst, buf, k);
        bad++;
    }
    ck_assert_uint_eq(fh_counter_value("malformed"), bad);
    /* a length past the datagram */
    buf[1] = 0x7f;
    feed(t.inst, buf, n);
    bad++;
    buf[1] = 0x84;   /* long form, 4 bytes, huge */
    feed(t.inst, buf, n);
    bad++;
    /* 64-bit integers in 32-bit types */
    static const uint8_t i64[] = { 0x02, 0x08, 1, 2, 3, 4, 5, 6, 7, 8 };
    static const uint8_t c64[] = { 0x41, 0x05, 0x01, 0, 0, 0, 0 };
    static const uint8_t t64[] = { 0x43, 0x06, 0, 1, 0, 0, 0, 0 };
    static const uint8_t ip5[] = { 0x40, 0x05, 1, 2, 3, 4, 5 };
    static const uint8_t big_sub[] = { 0x06, 0x06, 0x2b, 0x90, 0x80, 0x80, 0x80, 0x00 };
    static const uint8_t nulln[] = { 0x05, 0x01, 0x00 };
    static const uint8_t badtag[] = { 0x1f, 0x81, 0x01, 0x00 };
    static const uint8_t indef[] = { 0x04, 0x80, 0x00, 0x00 };
    const uint8_t *vals[] = { i64, c64, t64, ip5, big_sub, nulln, badtag, indef };
    size_t lens[] = { sizeof i64, sizeof c64, sizeof t64, sizeof ip5, sizeof big_sub,
                      sizeof nulln, sizeof badtag, sizeof indef };
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        n = v2c_with_value(buf, vals[i], lens[i]);
        ck_assert_uint_gt(n, 0);
        feed(t.inst, buf, n);
        bad++;
    }
    ck_assert_uint_eq(fh_counter_value("malformed"), bad);
    /* nesting 1,000 deep */
    static uint8_t deep[65507];
    size_t d = 0;
    for (int i = 0; i < 1000; i++) {
        size_t rest = 4 * (size_t)(999 - i);
        deep[d++] = 0x30;
        deep[d++] = 0x82;
        deep[d++] = (uint8_t)(rest >> 8);
        deep[d++] = (uint8_t)rest;
    }
    feed(t.inst, deep, d);
    bad++;
    /* a 65,507-byte datagram: a valid header claiming the whole, filled with garbage */
    memset(deep, 0x30, sizeof deep);
    deep[1] = 0x83;
    deep[2] = 0x00;
    deep[3] = 0xff;
    deep[4] = 0xde;
    feed(t.inst, deep, sizeof deep);
    bad++;
    ck_assert_uint_eq(fh_counter_value("malformed"), bad);
    /* version 2 (SNMPv2u) and a GetRequest are not notifications */
    n = v2c_with_value(buf, i5, sizeof i5);
    uint8_t v = buf[4];
    ck_assert_uint_eq(v, 1);
    buf[4] = 2;
    feed(t.inst, buf, n);
    ck_assert_uint_eq(fh_counter_value("bad.version"), 1);
    buf[4] = 1;
    for (size_t k = 0; k + 1 < n; k++) {
        if (buf[k] == SNMP_PDU_TRAP_V2) {
            buf[k] = SNMP_PDU_GET;
            break;
        }
    }
    feed(t.inst, buf, n);
    ck_assert_uint_eq(fh_counter_value("bad.pdu"), 1);
    ck_assert_uint_eq(fh_count(), 1);
    stop_inst(&t);
}
END_TEST


/* ---- SNMPv3 ---- */

static const char *const auths[] = { "MD5", "SHA", "SHA-224", "SHA-256", "SHA-384", "SHA-512" };
static const char *const privs[] = { "DES", "AES", "AES-192", "AES-256", "AES-192-C", "AES-256-C" };
#define NA (sizeof auths / sizeof auths[0])
#define NP (sizeof privs / sizeof privs[0])

static int send_v3(int port, const char *engine, const char *user, const char *level,
                   const char *a, const char *apass, const char *x, const char *xpass,
                   const char *trapoid)
{
    char tgt[64];
    snprintf(tgt, sizeof tgt, "127.0.0.1:%d", port);
    const char *argv[32];
    size_t k = 0;
    argv[k++] = "snmptrap";
    argv[k++] = "-v";
    argv[k++] = "3";
    argv[k++] = "-e";
    argv[k++] = engine;
    argv[k++] = "-u";
    argv[k++] = user;
    argv[k++] = "-l";
    argv[k++] = level;
    if (a != NULL) {
        argv[k++] = "-a";
        argv[k++] = a;
        argv[k++] = "-A";
        argv[k++] = apass;
    }
    if (x != NULL) {
        argv[k++] = "-x";
        argv[k++] = x;
        argv[k++] = "-X";
        argv[k++] = xpass;
    }
    argv[k++] = tgt;
    argv[k++] = "";
    argv[k++] = trapoid;
    argv[k++] = "1.3.6.1.2.1.1.5.0";
    argv[k++] = "s";
    argv[k++] = user;
    argv[k] = NULL;
    return run_tool(argv);
}

/* every auth x priv combination net-snmp 5.9 offers, authNoPriv for every auth, and
 * noAuthNoPriv; one user definition shared by two sender engine IDs */
START_TEST(test_v3_matrix)
{
    if (!have_snmptrap()) {
        return;
    }
    static char lines[NA * (NP + 1) + 1][128];
    static char all[sizeof lines];
    size_t n = 0;
    all[0] = '\0';
    for (size_t a = 0; a < NA; a++) {
        for (size_t p = 0; p <= NP; p++) {
            if (p < NP) {
                snprintf(lines[n], sizeof lines[n], "u%zu_%zu %s authpass%zu %s privpass%zu%zu", a,
                         p, auths[a], a, privs[p], a, p);
            } else {
                snprintf(lines[n], sizeof lines[n], "u%zu_auth %s authpass%zu", a, auths[a], a);
            }
            strcat(all, n ? "," : "");
            strcat(all, lines[n]);
            n++;
        }
    }
    strcat(all, ",nobody");
    struct tinst t;
    const char *kv[] = { "usmUser", all, NULL };
    ck_assert_int_eq(start_inst(&t, kv), 0);
    size_t sent = 0;
    const char *engines[] = { "0x80001f8880c0ffee0001", "0x80001f8880c0ffee0002" };
    for (size_t a = 0; a < NA; a++) {
        char user[32], ap[32], xp[32];
        snprintf(ap, sizeof ap, "authpass%zu", a);
        for (size_t p = 0; p < NP; p++) {
            snprintf(user, sizeof user, "u%zu_%zu", a, p);
            snprintf(xp, sizeof xp, "privpass%zu%zu", a, p);
            ck_assert_int_eq(send_v3(t.port, engines[(a + p) % 2], user, "authPriv", auths[a], ap,
                                     privs[p], xp, "1.3.6.1.4.1.1.0.1"), 0);
            sent++;
        }
        snprintf(user, sizeof user, "u%zu_auth", a);
        ck_assert_int_eq(send_v3(t.port, engines[0], user, "authNoPriv", auths[a], ap, NULL, NULL,
                                 "1.3.6.1.4.1.1.0.2"), 0);
        ck_assert_int_eq(send_v3(t.port, engines[1], user, "authNoPriv", auths[a], ap, NULL, NULL,
                                 "1.3.6.1.4.1.1.0.2"), 0);
        sent += 2;
    }
    ck_assert_int_eq(send_v3(t.port, engines[0], "nobody", "noAuthNoPriv", NULL, NULL, NULL, NULL,
                             "1.3.6.1.4.1.1.0.3"), 0);
    sent++;
    ck_assert_msg(fh_wait_count(sent, 10000) == 0, "got %zu of %zu (auth.failure %llu, "
                  "decrypt.failure %llu, wrong.level %llu)", fh_count(), sent,
                  (unsigned long long)fh_counter_value("auth.failure"),
                  (unsigned long long)fh_counter_value("decrypt.failure"),
                  (unsigned long long)fh_counter_value("wrong.level"));
    /* the messages carry the user and the decoded PDU */
    size_t seen_priv = 0;
    for (size_t i = 0; i < sent; i++) {
        struct json_object *s = snmp_tree(fh_get(i));
        ck_assert_str_eq(jstr(s, "version"), "3");
        struct json_object *vbs = jget(s, "varbinds");
        ck_assert_int_eq(json_object_array_length(vbs), 3);
        ck_assert_str_eq(jstr(json_object_array_get_idx(vbs, 2), "value"), jstr(s, "user"));
        if (strcmp(jstr(s, "security_level"), "authPriv") == 0) {
            seen_priv++;
        }
    }
    ck_assert_uint_eq(seen_priv, NA * NP);
    ck_assert_uint_eq(fh_counter_value("traps"), sent);
    stop_inst(&t);
}
END_TEST

/* wrong passphrases, unknown user, wrong level, pinned engine: dropped and counted */
START_TEST(test_v3_refused)
{
    if (!have_snmptrap()) {
        return;
    }
    struct tinst t;
    const char *kv[] = { "usmUser", "-e 0x80001f8880c0ffee0001 pinned SHA authpass123 AES "
                                    "privpass123,trapuser SHA-256 authpass123 AES-256 privpass123,"
                                    "authonly SHA authpass123", NULL };
    ck_assert_int_eq(start_inst(&t, kv), 0);
    const char *e1 = "0x80001f8880c0ffee0001", *e2 = "0x80001f8880c0ffee0002";
    const char *oid = "1.3.6.1.4.1.1.0.1";
    ck_assert_int_eq(send_v3(t.port, e1, "trapuser", "authPriv", "SHA-256", "wrongpass1", "AES-256",
                             "privpass123", oid), 0);
    ck_assert_int_eq(send_v3(t.port, e1, "trapuser", "authPriv", "SHA-256", "authpass123",
                             "AES-256", "wrongpass2", oid), 0);
    ck_assert_int_eq(send_v3(t.port, e1, "trapuser", "authNoPriv", "SHA-256", "authpass123", NULL,
                             NULL, oid), 0);
    ck_assert_int_eq(send_v3(t.port, e1, "trapuser", "authPriv", "SHA", "authpass123", "AES-256",
                             "privpass123", oid), 0);     /* wrong auth protocol */
    ck_assert_int_eq(send_v3(t.port, e1, "stranger", "authPriv", "SHA", "authpass123", "AES",
                             "privpass123", oid), 0);
    ck_assert_int_eq(send_v3(t.port, e2, "pinned", "authPriv", "SHA", "authpass123", "AES",
                             "privpass123", oid), 0);     /* not its engine */
    ck_assert_int_eq(send_v3(t.port, e1, "authonly", "noAuthNoPriv", NULL, NULL, NULL, NULL, oid),
                     0);
    ck_assert_int_eq(send_v3(t.port, e1, "pinned", "authPriv", "SHA", "authpass123", "AES",
                             "privpass123", oid), 0);     /* the good one, last */
    ck_assert_int_eq(fh_wait_count(1, 5000), 0);
    usleep(200000);
    ck_assert_uint_eq(fh_count(), 1);
    ck_assert_str_eq(jstr(snmp_tree(fh_get(0)), "user"), "pinned");
    ck_assert_uint_eq(fh_counter_value("auth.failure"), 2);
    ck_assert_uint_eq(fh_counter_value("decrypt.failure"), 1);
    ck_assert_uint_eq(fh_counter_value("wrong.level"), 2);
    ck_assert_uint_eq(fh_counter_value("unknown.user"), 2);
    stop_inst(&t);
}
END_TEST

/* v3 informs: discovery Report, then an authenticated (and encrypted) Response */
START_TEST(test_v3_inform)
{
    if (!have_snmptrap()) {
        return;
    }
    struct tinst t;
    static char wd[32];
    snprintf(wd, sizeof wd, "/tmp/sl-snmpwd-XXXXXX");
    ck_assert(mkdtemp(wd) != NULL);
    static const char *globals[] = { "workDirectory", NULL, NULL };   /* outlives the test */
    globals[1] = wd;
    fh_globals = globals;
    const char *kv[] = { "usmUser", "informuser SHA authpass123 AES privpass123,"
                                    "desuser MD5 authpass123 DES privpass123", NULL };
    ck_assert_int_eq(start_inst(&t, kv), 0);
    char tgt[64];
    snprintf(tgt, sizeof tgt, "127.0.0.1:%d", t.port);
    const char *a[] = { "snmpinform", "-v", "3", "-u", "informuser", "-l", "authPriv", "-a", "SHA",
                        "-A", "authpass123", "-x", "AES", "-X", "privpass123", "-r", "1", "-t", "3",
                        tgt, "", "1.3.6.1.4.1.8072.2.3.0.3", "1.3.6.1.2.1.1.5.0", "s", "v3 inform",
                        NULL };
    ck_assert_int_eq(run_tool(a), 0);
    const char *b[] = { "snmpinform", "-v", "3", "-u", "desuser", "-l", "authPriv", "-a", "MD5",
                        "-A", "authpass123", "-x", "DES", "-X", "privpass123", "-r", "1", "-t", "3",
                        tgt, "", "1.3.6.1.4.1.8072.2.3.0.3", NULL };
    ck_assert_int_eq(run_tool(b), 0);
    const char *c[] = { "snmpinform", "-v", "3", "-u", "informuser", "-l", "authNoPriv", "-a",
                        "SHA", "-A", "authpass123", "-r", "0", "-t", "3", tgt, "",
                        "1.3.6.1.4.1.8072.2.3.0.3", NULL };
    /* below the user's level, unknown user, wrong passphrase: a Report each, so snmpinform
     * fails at once (no retries, well under its 3 s timeout) */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ck_assert_int_ne(run_tool(c), 0);
    const char *d[] = { "snmpinform", "-v", "3", "-u", "stranger", "-l", "authNoPriv", "-a",
                        "SHA", "-A", "authpass123", "-r", "0", "-t", "3", tgt, "",
                        "1.3.6.1.4.1.8072.2.3.0.3", NULL };
    ck_assert_int_ne(run_tool(d), 0);
    const char *e[] = { "snmpinform", "-v", "3", "-u", "informuser", "-l", "authPriv", "-a", "SHA",
                        "-A", "wrongpass9", "-x", "AES", "-X", "privpass123", "-r", "0", "-t", "3",
                        tgt, "", "1.3.6.1.4.1.8072.2.3.0.3", NULL };
    ck_assert_int_ne(run_tool(e), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ck_assert_int_lt(t1.tv_sec - t0.tv_sec, 8);
    ck_assert_uint_eq(fh_counter_value("wrong.level"), 1);
    ck_assert_uint_eq(fh_counter_value("unknown.user"), 1);
    ck_assert_uint_eq(fh_counter_value("auth.failure"), 1);
    ck_assert_int_eq(fh_wait_count(2, 5000), 0);
    ck_assert_uint_eq(fh_count(), 2);
    ck_assert_uint_eq(fh_counter_value("informs.answered"), 2);
    ck_assert_uint_ge(fh_counter_value("unknown.engine"), 2);
    ck_assert_str_eq(jstr(snmp_tree(fh_get(0)), "pdu"), "inform");
    /* the engine state is kept: engineBoots 1 now, 2 after a restart, same engine ID */
    char path[128], line1[128], line2[128];
    snprintf(path, sizeof path, "%s/imsnmptrap-0.engine", wd);
    FILE *f = fopen(path, "r");
    ck_assert(f != NULL);
    ck_assert(fgets(line1, sizeof line1, f) != NULL);
    ck_assert(fgets(line2, sizeof line2, f) != NULL);
    fclose(f);
    ck_assert_str_eq(line2, "engineBoots 1\n");
    stop_inst(&t);
    ck_assert_int_eq(start_inst(&t, kv), 0);
    f = fopen(path, "r");
    char l1[128], l2[128];
    ck_assert(fgets(l1, sizeof l1, f) != NULL && fgets(l2, sizeof l2, f) != NULL);
    fclose(f);
    ck_assert_str_eq(l1, line1);
    ck_assert_str_eq(l2, "engineBoots 2\n");
    snprintf(tgt, sizeof tgt, "127.0.0.1:%d", t.port);
    ck_assert_int_eq(run_tool(a), 0);
    stop_inst(&t);
    fh_globals = NULL;
    unlink(path);
    rmdir(wd);
}
END_TEST


/* TLV helper for crafted messages: out = tag len content; returns the length */
static size_t tlv(uint8_t *out, uint8_t tag, const uint8_t *c, size_t n)
{
    uint8_t *p = ber_put_hdr(out, tag, n);
    memmove(p, c, n);
    return (size_t)(p - out) + n;
}

/* A v1 Trap-PDU inside a v3 noAuthNoPriv message (devices send it; net-snmp refuses it) */
START_TEST(test_v1_inside_v3)
{
    struct tinst t;
    const char *kv[] = { "usmUser", "nobody", NULL };
    ck_assert_int_eq(start_inst(&t, kv), 0);
    uint8_t pdu[256], vbl[64], tmp[256], usm[128], hdr[64], sc[300], msg[512];
    size_t n = 0, k;
    static const uint8_t ent[] = { 0x06, 0x07, 0x2b, 6, 1, 4, 1, 0xbf, 0x08 };   /* .1.3.6.1.4.1.8072 */
    memcpy(tmp, ent, sizeof ent);
    n = sizeof ent;
    static const uint8_t rest[] = { 0x40, 4, 192, 0, 2, 5, 0x02, 1, 6, 0x02, 1, 42, 0x43, 2, 0x30, 0x39 };
    memcpy(tmp + n, rest, sizeof rest);
    n += sizeof rest;
    static const uint8_t vb[] = { 0x30, 0x0a, 0x06, 0x05, 0x2b, 6, 1, 4, 1, 0x02, 0x01, 0x07 };
    k = tlv(vbl, 0x30, vb, sizeof vb);
    memcpy(tmp + n, vbl, k);
    n += k;
    size_t pl = tlv(pdu, SNMP_PDU_TRAP_V1, tmp, n);
    /* scopedPDU */
    static const uint8_t eid[] = { 0x80, 0x00, 0x1f, 0x88, 0x80, 0xc0, 0xff, 0xee, 0x00, 0x09 };
    n = tlv(tmp, 0x04, eid, sizeof eid);
    n += tlv(tmp + n, 0x04, (const uint8_t *)"", 0);
    memcpy(tmp + n, pdu, pl);
    n += pl;
    size_t scl = tlv(sc, 0x30, tmp, n);
    /* USM parameters */
    n = tlv(tmp, 0x04, eid, sizeof eid);
    n += tlv(tmp + n, 0x02, (const uint8_t *)"\x01", 1);
    n += tlv(tmp + n, 0x02, (const uint8_t *)"\x10", 1);
    n += tlv(tmp + n, 0x04, (const uint8_t *)"nobody", 6);
    n += tlv(tmp + n, 0x04, (const uint8_t *)"", 0);
    n += tlv(tmp + n, 0x04, (const uint8_t *)"", 0);
    k = tlv(usm, 0x30, tmp, n);
    size_t ul = tlv(tmp, 0x04, usm, k);
    memcpy(usm, tmp, ul);
    /* header */
    n = tlv(tmp, 0x02, (const uint8_t *)"\x05", 1);
    n += tlv(tmp + n, 0x02, (const uint8_t *)"\x00\xff\xe3", 3);
    n += tlv(tmp + n, 0x04, (const uint8_t *)"\x00", 1);
    n += tlv(tmp + n, 0x02, (const uint8_t *)"\x03", 1);
    size_t hl = tlv(hdr, 0x30, tmp, n);
    /* message */
    n = tlv(tmp, 0x02, (const uint8_t *)"\x03", 1);
    memcpy(tmp + n, hdr, hl);
    n += hl;
    memcpy(tmp + n, usm, ul);
    n += ul;
    memcpy(tmp + n, sc, scl);
    n += scl;
    size_t ml = tlv(msg, 0x30, tmp, n);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(40000) };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct sockaddr_in da = sa;
    da.sin_port = htons(162);
    sl_imsnmptrap_datagram(t.inst, msg, ml, (struct sockaddr *)&sa, sizeof sa,
                           (struct sockaddr *)&da);
    ck_assert_uint_eq(fh_count(), 1);
    struct sl_msg *m = fh_get(0);
    ck_assert_msg(strcmp(m->f_msg + 20, "192.0.2.5 [192.0.2.5] (via UDP: [127.0.0.1]:40000->"
                         "[127.0.0.1]:162) TRAP, SNMP v3, user nobody, context \n\t"
                         ".1.3.6.1.4.1.8072 Enterprise Specific Trap (42) Uptime: 0:02:03.45\n\t"
                         ".1.3.6.1.4.1 = INTEGER: 7") == 0, "got <%s>", m->f_msg);
    struct json_object *s = snmp_tree(m);
    ck_assert_str_eq(jstr(s, "version"), "3");
    ck_assert_str_eq(jstr(s, "pdu"), "trap");
    ck_assert_str_eq(jstr(s, "user"), "nobody");
    ck_assert_str_eq(jstr(s, "engine_id"), "80001f8880c0ffee0009");
    ck_assert_str_eq(jstr(s, "trap_oid"), ".1.3.6.1.4.1.8072.0.42");
    /* the same with a user that must authenticate: wrong level */
    stop_inst(&t);
    fh_reset();
    const char *kv2[] = { "usmUser", "nobody SHA authpass123", NULL };
    ck_assert_int_eq(start_inst(&t, kv2), 0);
    sl_imsnmptrap_datagram(t.inst, msg, ml, (struct sockaddr *)&sa, sizeof sa, NULL);
    ck_assert_uint_eq(fh_count(), 0);
    ck_assert_uint_eq(fh_counter_value("wrong.level"), 1);
    stop_inst(&t);
}
END_TEST


/* IPv6: snmptrap over udp6 to [::1]; the transport shows as snmptrapd's "UDP/IPv6: [::1]:P" */
START_TEST(test_ipv6)
{
    if (!have_snmptrap()) {
        return;
    }
    int probe = socket(AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
    int ok = probe >= 0 && bind(probe, (struct sockaddr *)&s6, sizeof s6) == 0;
    if (probe >= 0) {
        close(probe);
    }
    if (!ok) {
        return;     /* no IPv6 loopback here */
    }
    struct tinst t;
    const char *kv[] = { "community", "public", "address", "::1", NULL };
    ck_assert_int_eq(start_inst(&t, kv), 0);
    char tgt[64];
    snprintf(tgt, sizeof tgt, "udp6:[::1]:%d", t.port);
    const char *a[] = { "snmptrap", "-v", "2c", "-c", "public", tgt, "1", "1.3.6.1.4.1.1.0.1",
                        NULL };
    ck_assert_int_eq(run_tool(a), 0);
    ck_assert_int_eq(fh_wait_count(1, 5000), 0);
    struct sl_msg *m = fh_get(0);
    const struct sockaddr_in6 *src = (const struct sockaddr_in6 *)&m->peer;
    ck_assert_int_eq(src->sin6_family, AF_INET6);
    char expect[256];
    snprintf(expect, sizeof expect, "UDP/IPv6: [::1]:%d [UDP/IPv6: [::1]:%d]:\n", ntohs(src->sin6_port),
             ntohs(src->sin6_port));
    ck_assert_msg(strncmp(m->f_msg + 20, expect, strlen(expect)) == 0, "got <%s>", m->f_msg);
    stop_inst(&t);
}
END_TEST


/* snmptrapdConf read at start and again at SIGHUP (hup()); a broken file keeps the users */
START_TEST(test_conf_and_hup)
{
    if (!have_snmptrap()) {
        return;
    }
    char path[] = "/tmp/sl-snmptrapdconf-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "# snmptrapd.conf\nauthCommunity log,execute,net public\n"
               "createUser -e 0x80001f8880c0ffee0001 usera SHA authpass123 AES privpass123\n"
               "createUser userb SHA authpass123\nauthUser log,execute usera\n"
               "traphandle default /bin/true\n");
    fclose(f);
    struct tinst t;
    const char *kv[] = { "snmptrapdConf", path, NULL };
    ck_assert_int_eq(start_inst(&t, kv), 0);
    char tgt[64];
    snprintf(tgt, sizeof tgt, "127.0.0.1:%d", t.port);
    const char *e1 = "0x80001f8880c0ffee0001";
    const char *oid = "1.3.6.1.4.1.1.0.1";
    const char *c1[] = { "snmptrap", "-v", "2c", "-c", "public", tgt, "1", oid, NULL };
    const char *c2[] = { "snmptrap", "-v", "2c", "-c", "other", tgt, "1", oid, NULL };
    ck_assert_int_eq(send_v3(t.port, e1, "usera", "authPriv", "SHA", "authpass123", "AES",
                             "privpass123", oid), 0);
    ck_assert_int_eq(send_v3(t.port, e1, "userb", "authNoPriv", "SHA", "authpass123", NULL, NULL,
                             oid), 0);   /* created but not in authUser: refused */
    ck_assert_int_eq(run_tool(c1), 0);
    ck_assert_int_eq(run_tool(c2), 0);
    ck_assert_int_eq(fh_wait_count(2, 5000), 0);
    usleep(200000);
    ck_assert_uint_eq(fh_count(), 2);
    ck_assert_uint_eq(fh_counter_value("unknown.user"), 1);
    ck_assert_uint_eq(fh_counter_value("bad.community"), 1);
    /* authorise userb and the community "other", then SIGHUP */
    f = fopen(path, "a");
    fprintf(f, "authUser log userb auth\nauthCommunity log other\n");
    fclose(f);
    PLUGIN->in->hup(t.inst);
    ck_assert_int_eq(send_v3(t.port, e1, "userb", "authNoPriv", "SHA", "authpass123", NULL, NULL,
                             oid), 0);
    ck_assert_int_eq(run_tool(c2), 0);
    ck_assert_int_eq(fh_wait_count(4, 5000), 0);
    /* a broken file: the error is logged, the users stay */
    f = fopen(path, "a");
    fprintf(f, "createUser broken NOPE authpass123\n");
    fclose(f);
    int errs = fh_log_count[SL_LOG_ERR];
    PLUGIN->in->hup(t.inst);
    ck_assert_int_gt(fh_log_count[SL_LOG_ERR], errs);
    ck_assert_int_eq(send_v3(t.port, e1, "userb", "authNoPriv", "SHA", "authpass123", NULL, NULL,
                             oid), 0);
    ck_assert_int_eq(fh_wait_count(5, 5000), 0);
    ck_assert_uint_eq(fh_counter_value("unknown.user"), 1);
    stop_inst(&t);
    unlink(path);
}
END_TEST


/* mibs="on": names from the MIB files in mibDirs (read once, again at hup()), enum labels */
START_TEST(test_mib_names)
{
    if (!have_snmptrap()) {
        return;
    }
    const char *src = getenv("top_srcdir");
    static char dir[4096];
    snprintf(dir, sizeof dir, "%s/tests/plugins/mibs", src != NULL ? src : ".");
    struct tinst t;
    const char *kv[] = { "community", "public", "mibs", "on", "mibDirs", dir, NULL };
    ck_assert_int_eq(start_inst(&t, kv), 0);
    char tgt[64];
    snprintf(tgt, sizeof tgt, "127.0.0.1:%d", t.port);
    const char *a[] = { "snmptrap", "-v", "2c", "-c", "public", tgt, "1",
                        "1.3.6.1.4.1.8072.2.3.0.1", "1.3.6.1.4.1.8072.2.3.2.1", "i", "2",
                        "1.3.6.1.4.1.8072.2.3.2.1", "i", "9", NULL };
    ck_assert_int_eq(run_tool(a), 0);
    ck_assert_int_eq(fh_wait_count(1, 5000), 0);
    struct json_object *s = snmp_tree(fh_get(0));
    ck_assert_str_eq(jstr(s, "trap_name"), "SLUICE-TEST-MIB::sluiceTestEvent");
    struct json_object *vbs = jget(s, "varbinds");
    struct json_object *v = json_object_array_get_idx(vbs, 2);
    ck_assert_str_eq(jstr(v, "name"), "SLUICE-TEST-MIB::sluiceTestState");
    ck_assert_str_eq(jstr(v, "label"), "down");
    v = json_object_array_get_idx(vbs, 3);     /* 9 is not in the enumeration */
    ck_assert(!json_object_object_get_ex(v, "label", NULL));
    v = json_object_array_get_idx(vbs, 0);     /* sysUpTime.0: no SNMPv2-MIB here */
    ck_assert_msg(!json_object_object_get_ex(v, "name", NULL), "%s", jstr(v, "name"));
    /* the text stays snmptrapd -On's */
    ck_assert(strstr(fh_get(0)->f_msg, ".1.3.6.1.4.1.8072.2.3.2.1 = INTEGER: 2") != NULL);
    PLUGIN->in->hup(t.inst);
    ck_assert_int_eq(run_tool(a), 0);
    ck_assert_int_eq(fh_wait_count(2, 5000), 0);
    ck_assert_str_eq(jstr(snmp_tree(fh_get(1)), "trap_name"), "SLUICE-TEST-MIB::sluiceTestEvent");
    stop_inst(&t);
}
END_TEST

static Suite *trap_suite(void)
{
    Suite *s = suite_create("imsnmptrap");
    TCase *tc = tcase_create("net");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_v2c_trap);
    tcase_add_test(tc, test_v1_trap);
    tcase_add_test(tc, test_community_fail_closed);
    tcase_add_test(tc, test_v2c_inform);
    tcase_add_test(tc, test_bad_input);
    tcase_add_test(tc, test_v3_matrix);
    tcase_add_test(tc, test_v3_refused);
    tcase_add_test(tc, test_v3_inform);
    tcase_add_test(tc, test_v1_inside_v3);
    tcase_add_test(tc, test_ipv6);
    tcase_add_test(tc, test_conf_and_hup);
    tcase_add_test(tc, test_mib_names);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    if (mkdtemp(tool_dir) == NULL) {
        return 99;
    }
    SRunner *sr = srunner_create(trap_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tool_dir);
    if (system(cmd) != 0) {
        fprintf(stderr, "cannot remove %s\n", tool_dir);
    }
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
