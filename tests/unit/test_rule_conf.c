/*
 * test_rule_conf.c - end-to-end rule tests: configuration text -> front end (sl_cnf_load_string)
 * -> sl_ruleset_exec() on parsed messages.  Each scenario's expected output was produced by
 * rsyslogd 8.2302 with the same rules (imudp input, omfile actions with the templates named
 * here) and the same messages: for each output file "== N: " and one line per message
 * written, in the format of the private harness that produced it (see the report of the
 * "rules" engineer).  Template "m" writes %msg%, "r" writes [%$.r%], "i" writes %$.i%|,
 * "all" writes %$!%.
 *
 * Ownership: each scenario loads and frees its own configuration and messages.
 * Concurrency & locking: single-threaded.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "expr/expr.h"
#include "expr/expr_int.h"
#include "conf/expr_bind.h"
#include "conf/ir.h"
#include "log.h"
#include "msg.h"
#include "util/buf.h"

#define NOUT 64

struct rec {
    struct sl_buf out[NOUT];
};

static void rec_action(void *ctx, struct sl_action_ir *a, struct sl_msg *m)
{
    struct rec *r = ctx;
    struct sl_kv *f = sl_kv_find(a->kv, "file");
    struct sl_kv *t = sl_kv_find(a->kv, "template");
    const char *tpl = t != NULL && t->str != NULL ? t->str : "m";
    const char *pname = strcmp(tpl, "r") == 0 ? "$.r" : strcmp(tpl, "i") == 0 ? "$.i"
                        : strcmp(tpl, "all") == 0 ? "$!" : "msg";
    const char *base, *v;
    char tmp[SL_PROP_TMP];
    char *tf = NULL;
    size_t len;
    struct sl_propref ref;
    int n;

    ck_assert_ptr_nonnull(f);
    base = strrchr(f->str, '/');
    n = atoi(base != NULL ? base + 1 : f->str);
    ck_assert(n >= 0 && n < NOUT);
    ck_assert_int_eq(sl_propref_parse(pname, strlen(pname), &ref), 0);
    v = sl_msg_prop(m, &ref, &len, tmp, &tf);
    sl_buf_puts(&r->out[n], "   ");
    if (strcmp(tpl, "r") == 0) {
        sl_buf_putc(&r->out[n], '[');
    }
    sl_buf_append(&r->out[n], v, len);
    if (strcmp(tpl, "r") == 0) {
        sl_buf_putc(&r->out[n], ']');
    } else if (strcmp(tpl, "i") == 0) {
        sl_buf_putc(&r->out[n], '|');
    }
    sl_buf_putc(&r->out[n], '\n');
    free(tf);
    sl_propref_clear(&ref);
}

/* lookup_errors: expected number of errors from sl_expr_bind_lookups() */
static void run_scenario_lk(const char *name, const char *conf, const char *const *msgs,
                            const char *want, int lookup_errors)
{
    static const struct sl_exec_ops ops = { .action = rec_action };
    struct sl_cnf *c;
    struct rec r;
    struct sl_buf all = { NULL, 0, 0 };
    struct sl_parse_opts o;
    size_t i;
    int n;

    memset(&r, 0, sizeof(r));
    c = sl_cnf_load_string(conf, name);
    ck_assert_ptr_nonnull(c);
    ck_assert_msg(c->nerrors == 0, "%s: %d config errors", name, c->nerrors);
    ck_assert_int_eq(sl_expr_bind_lookups(c), lookup_errors);
    sl_parse_opts_default(&o);
    for (i = 0; msgs[i] != NULL && i < 1000; i++) {
        struct sl_msg *m = sl_msg_new(msgs[i], strlen(msgs[i]));
        sl_msg_parse(m, &o);
        (void)sl_ruleset_exec(c->rulesets, m, &ops, &r);
        sl_msg_unref(m);
    }
    for (n = 0; n < NOUT; n++) {
        if (r.out[n].p != NULL) {
            sl_buf_printf(&all, "== %d: \n", n);
            sl_buf_append(&all, r.out[n].p, r.out[n].len);
            sl_buf_free(&r.out[n]);
        }
    }
    ck_assert_msg(strcmp(all.p != NULL ? all.p : "", want) == 0,
                  "%s: got\n%s\nwant\n%s", name, all.p != NULL ? all.p : "", want);
    sl_buf_free(&all);
    sl_cnf_free(c);
}

static void run_scenario(const char *name, const char *conf, const char *const *msgs,
                         const char *want)
{
    run_scenario_lk(name, conf, msgs, want, 0);
}

static const char *ctl_conf =
    "template(name=\"m\" type=\"string\" string=\"%msg%\\n\")\n"
    ":msg, contains, \"err\" action(type=\"omfile\" file=\"out/1\" template=\"m\")\n"
    ":msg, isequal, \"error\" action(type=\"omfile\" file=\"out/2\" template=\"m\")\n"
    ":msg, !startswith, \"err\" action(type=\"omfile\" file=\"out/3\" template=\"m\")\n"
    ":msg, regex, \"{.*}\" action(type=\"omfile\" file=\"out/4\" template=\"m\")\n"
    ":msg, ereregex, \"^e(r)+o\" action(type=\"omfile\" file=\"out/5\" template=\"m\")\n"
    ":msg, !contains, \"\" action(type=\"omfile\" file=\"out/7\" template=\"m\")\n"
    ":programname, isequal, \"sshd\" action(type=\"omfile\" file=\"out/8\" template=\"m\")\n"
    ":hostname, startswith, \"ho\" action(type=\"omfile\" file=\"out/9\" template=\"m\")\n"
    ":msg, regex, \"^r\\\\+\" action(type=\"omfile\" file=\"out/10\" template=\"m\")\n"
    "mail.info action(type=\"omfile\" file=\"out/11\" template=\"m\")\n"
    "*.=debug;mail.none action(type=\"omfile\" file=\"out/12\" template=\"m\")\n"
    "ruleset(name=\"sub\") { action(type=\"omfile\" file=\"out/13\" template=\"m\") if $msg contains \"halt\" then stop action(type=\"omfile\" file=\"out/14\" template=\"m\") }\n"
    "if $msg contains \"go\" then { call sub action(type=\"omfile\" file=\"out/15\" template=\"m\") }\n"
    "if not $msg contains \"x\" and $msg != \"\" or $msg == \"xx\" then action(type=\"omfile\" file=\"out/16\" template=\"m\")\n"
    "if $syslogseverity <= 6 then action(type=\"omfile\" file=\"out/17\" template=\"m\") else action(type=\"omfile\" file=\"out/18\" template=\"m\")\n"
    "if $msg startswith \"e\" then stop\n"
    "action(type=\"omfile\" file=\"out/19\" template=\"m\")\n"
    "";
static const char *ctl_msgs[] = {
    "<22>Jan  1 00:00:00 host sshd: error",
    "<23>Jan  1 00:00:00 host sshd: an error {x}",
    "<15>Jan  1 00:00:00 host sshd: rrr",
    "<13>Jan  1 00:00:00 host sshd:",
    "<13>Jan  1 00:00:00 other cron: go now",
    "<13>Jan  1 00:00:00 other cron: go halt",
    "<13>Jan  1 00:00:00 other cron: xx",
    "<191>Jan  1 00:00:00 other cron: errx",
    NULL
};
static const char *ctl_want =
    "== 1: \n"
    "    error\n"
    "    an error {x}\n"
    "    errx\n"
    "== 3: \n"
    "    error\n"
    "    an error {x}\n"
    "    rrr\n"
    "   \n"
    "    go now\n"
    "    go halt\n"
    "    xx\n"
    "    errx\n"
    "== 4: \n"
    "    an error {x}\n"
    "== 8: \n"
    "    error\n"
    "    an error {x}\n"
    "    rrr\n"
    "   \n"
    "== 9: \n"
    "    error\n"
    "    an error {x}\n"
    "    rrr\n"
    "   \n"
    "== 11: \n"
    "    error\n"
    "== 12: \n"
    "    rrr\n"
    "    errx\n"
    "== 13: \n"
    "    go now\n"
    "    go halt\n"
    "== 14: \n"
    "    go now\n"
    "== 15: \n"
    "    go now\n"
    "== 17: \n"
    "    error\n"
    "   \n"
    "    go now\n"
    "    xx\n"
    "== 18: \n"
    "    an error {x}\n"
    "    rrr\n"
    "    errx\n"
    "== 19: \n"
    "    error\n"
    "    an error {x}\n"
    "    rrr\n"
    "   \n"
    "    go now\n"
    "    xx\n"
    "    errx\n"
    "";

static const char *cmp_conf =
    "template(name=\"m\" type=\"string\" string=\"%msg%\\n\")\n"
    "if $msg < 10 then action(type=\"omfile\" file=\"out/1\" template=\"m\")\n"
    "if $msg == 5 then action(type=\"omfile\" file=\"out/2\" template=\"m\")\n"
    "if $msg == \"5\" then action(type=\"omfile\" file=\"out/3\" template=\"m\")\n"
    "if $msg < \"b\" then action(type=\"omfile\" file=\"out/4\" template=\"m\")\n"
    "if 5 < $msg then action(type=\"omfile\" file=\"out/5\" template=\"m\")\n"
    "if cnum($msg) == 5 then action(type=\"omfile\" file=\"out/6\" template=\"m\")\n"
    "if $msg + 0 == 5 then action(type=\"omfile\" file=\"out/7\" template=\"m\")\n"
    "if $msg == 0 then action(type=\"omfile\" file=\"out/8\" template=\"m\")\n"
    "if $msg >= \"10\" then action(type=\"omfile\" file=\"out/9\" template=\"m\")\n"
    "";
static const char *cmp_msgs[] = {
    "<13>Jan  1 00:00:00 ht:4294967306",
    "<13>Jan  1 00:00:00 ht:2147483648",
    "<13>Jan  1 00:00:00 ht:-5",
    "<13>Jan  1 00:00:00 ht:05",
    "<13>Jan  1 00:00:00 ht:abc",
    "<13>Jan  1 00:00:00 ht:10",
    "<13>Jan  1 00:00:00 ht:9x",
    "<13>Jan  1 00:00:00 ht: 5",
    "<13>Jan  1 00:00:00 ht:4294967301",
    "<13>Jan  1 00:00:00 ht:+5",
    "<13>Jan  1 00:00:00 ht:5.0",
    "<13>Jan  1 00:00:00 ht:0x5",
    NULL
};
static const char *cmp_want =
    "== 1: \n"
    "   -5\n"
    "   05\n"
    "    5\n"
    "   4294967301\n"
    "   +5\n"
    "   0x5\n"
    "== 2: \n"
    "   05\n"
    "== 4: \n"
    "   4294967306\n"
    "   2147483648\n"
    "   -5\n"
    "   05\n"
    "   abc\n"
    "   10\n"
    "   9x\n"
    "    5\n"
    "   4294967301\n"
    "   +5\n"
    "   5.0\n"
    "   0x5\n"
    "== 5: \n"
    "   4294967306\n"
    "   2147483648\n"
    "   abc\n"
    "   10\n"
    "   9x\n"
    "   5.0\n"
    "== 6: \n"
    "   05\n"
    "   5.0\n"
    "== 7: \n"
    "   05\n"
    "   5.0\n"
    "== 9: \n"
    "   4294967306\n"
    "   2147483648\n"
    "   abc\n"
    "   10\n"
    "   9x\n"
    "   5.0\n"
    "";

static const char *json_conf =
    "template(name=\"m\" type=\"string\" string=\"%msg%\\n\")\n"
    "template(name=\"r\" type=\"string\" string=\"[%$.r%]\\n\")\n"
    "set $.d = parse_json($msg, \"\\$!\");\n"
    "if $!n == 5 then action(type=\"omfile\" file=\"out/1\" template=\"m\")\n"
    "if $!n == \"5\" then action(type=\"omfile\" file=\"out/2\" template=\"m\")\n"
    "if $!n < 10 then action(type=\"omfile\" file=\"out/3\" template=\"m\")\n"
    "if $!s == 5 then action(type=\"omfile\" file=\"out/4\" template=\"m\")\n"
    "if $!o == \"x\" then action(type=\"omfile\" file=\"out/5\" template=\"m\")\n"
    "if $!n then action(type=\"omfile\" file=\"out/6\" template=\"m\")\n"
    "if $!o then action(type=\"omfile\" file=\"out/7\" template=\"m\")\n"
    "if $!b then action(type=\"omfile\" file=\"out/8\" template=\"m\")\n"
    "if $!arr == [\"1\", \"x\"] then action(type=\"omfile\" file=\"out/9\" template=\"m\")\n"
    "if $!n == $!m then action(type=\"omfile\" file=\"out/10\" template=\"m\")\n"
    "if $!n < $!m then action(type=\"omfile\" file=\"out/11\" template=\"m\")\n"
    "if $!s == $!s2 then action(type=\"omfile\" file=\"out/12\" template=\"m\")\n"
    "if exists($!o!k) then action(type=\"omfile\" file=\"out/13\" template=\"m\")\n"
    "if $!n + 1 == 6 then action(type=\"omfile\" file=\"out/14\" template=\"m\")\n"
    "if $!nope == \"\" then action(type=\"omfile\" file=\"out/15\" template=\"m\")\n"
    "if not $!b then action(type=\"omfile\" file=\"out/16\" template=\"m\")\n"
    "if $!d == 5 then action(type=\"omfile\" file=\"out/17\" template=\"m\")\n"
    "if $!n != $!m then action(type=\"omfile\" file=\"out/18\" template=\"m\")\n"
    "if $!s < $!n then action(type=\"omfile\" file=\"out/19\" template=\"m\")\n"
    "if $!o contains \"k\" then action(type=\"omfile\" file=\"out/20\" template=\"m\")\n"
    "";
static const char *json_msgs[] = {
    "<13>Jan  1 00:00:00 ht:{\"n\":5,\"m\":5,\"s\":\"5\",\"s2\":\"5\",\"o\":{\"k\":1},\"b\":true,\"arr\":[1],\"d\":5.7}",
    "<13>Jan  1 00:00:00 ht:{\"n\":4294967301,\"m\":5,\"s\":\"abc\",\"s2\":\"abd\",\"o\":{},\"b\":false,\"arr\":\"x\",\"d\":\"5\"}",
    "<13>Jan  1 00:00:00 ht:{\"n\":\"7\",\"m\":7,\"s\":\"07\",\"s2\":\"7\",\"o\":\"x\",\"b\":256,\"arr\":[],\"d\":null}",
    NULL
};
static const char *json_want =
    "== 1: \n"
    "   {\"n\":5,\"m\":5,\"s\":\"5\",\"s2\":\"5\",\"o\":{\"k\":1},\"b\":true,\"arr\":[1],\"d\":5.7}\n"
    "== 2: \n"
    "   {\"n\":5,\"m\":5,\"s\":\"5\",\"s2\":\"5\",\"o\":{\"k\":1},\"b\":true,\"arr\":[1],\"d\":5.7}\n"
    "== 3: \n"
    "   {\"n\":5,\"m\":5,\"s\":\"5\",\"s2\":\"5\",\"o\":{\"k\":1},\"b\":true,\"arr\":[1],\"d\":5.7}\n"
    "   {\"n\":4294967301,\"m\":5,\"s\":\"abc\",\"s2\":\"abd\",\"o\":{},\"b\":false,\"arr\":\"x\",\"d\":\"5\"}\n"
    "   {\"n\":\"7\",\"m\":7,\"s\":\"07\",\"s2\":\"7\",\"o\":\"x\",\"b\":256,\"arr\":[],\"d\":null}\n"
    "== 4: \n"
    "   {\"n\":5,\"m\":5,\"s\":\"5\",\"s2\":\"5\",\"o\":{\"k\":1},\"b\":true,\"arr\":[1],\"d\":5.7}\n"
    "== 5: \n"
    "   {\"n\":\"7\",\"m\":7,\"s\":\"07\",\"s2\":\"7\",\"o\":\"x\",\"b\":256,\"arr\":[],\"d\":null}\n"
    "== 6: \n"
    "   {\"n\":5,\"m\":5,\"s\":\"5\",\"s2\":\"5\",\"o\":{\"k\":1},\"b\":true,\"arr\":[1],\"d\":5.7}\n"
    "   {\"n\":4294967301,\"m\":5,\"s\":\"abc\",\"s2\":\"abd\",\"o\":{},\"b\":false,\"arr\":\"x\",\"d\":\"5\"}\n"
    "   {\"n\":\"7\",\"m\":7,\"s\":\"07\",\"s2\":\"7\",\"o\":\"x\",\"b\":256,\"arr\":[],\"d\":null}\n"
    "== 8: \n"
    "   {\"n\":5,\"m\":5,\"s\":\"5\",\"s2\":\"5\",\"o\":{\"k\":1},\"b\":true,\"arr\":[1],\"d\":5.7}\n"
    "== 9: \n"
    "   {\"n\":4294967301,\"m\":5,\"s\":\"abc\",\"s2\":\"abd\",\"o\":{},\"b\":false,\"arr\":\"x\",\"d\":\"5\"}\n"
    "== 12: \n"
    "   {\"n\":5,\"m\":5,\"s\":\"5\",\"s2\":\"5\",\"o\":{\"k\":1},\"b\":true,\"arr\":[1],\"d\":5.7}\n"
    "== 13: \n"
    "   {\"n\":5,\"m\":5,\"s\":\"5\",\"s2\":\"5\",\"o\":{\"k\":1},\"b\":true,\"arr\":[1],\"d\":5.7}\n"
    "== 14: \n"
    "   {\"n\":5,\"m\":5,\"s\":\"5\",\"s2\":\"5\",\"o\":{\"k\":1},\"b\":true,\"arr\":[1],\"d\":5.7}\n"
    "== 15: \n"
    "   {\"n\":5,\"m\":5,\"s\":\"5\",\"s2\":\"5\",\"o\":{\"k\":1},\"b\":true,\"arr\":[1],\"d\":5.7}\n"
    "   {\"n\":4294967301,\"m\":5,\"s\":\"abc\",\"s2\":\"abd\",\"o\":{},\"b\":false,\"arr\":\"x\",\"d\":\"5\"}\n"
    "   {\"n\":\"7\",\"m\":7,\"s\":\"07\",\"s2\":\"7\",\"o\":\"x\",\"b\":256,\"arr\":[],\"d\":null}\n"
    "== 16: \n"
    "   {\"n\":4294967301,\"m\":5,\"s\":\"abc\",\"s2\":\"abd\",\"o\":{},\"b\":false,\"arr\":\"x\",\"d\":\"5\"}\n"
    "== 17: \n"
    "   {\"n\":5,\"m\":5,\"s\":\"5\",\"s2\":\"5\",\"o\":{\"k\":1},\"b\":true,\"arr\":[1],\"d\":5.7}\n"
    "   {\"n\":4294967301,\"m\":5,\"s\":\"abc\",\"s2\":\"abd\",\"o\":{},\"b\":false,\"arr\":\"x\",\"d\":\"5\"}\n"
    "== 18: \n"
    "   {\"n\":5,\"m\":5,\"s\":\"5\",\"s2\":\"5\",\"o\":{\"k\":1},\"b\":true,\"arr\":[1],\"d\":5.7}\n"
    "   {\"n\":4294967301,\"m\":5,\"s\":\"abc\",\"s2\":\"abd\",\"o\":{},\"b\":false,\"arr\":\"x\",\"d\":\"5\"}\n"
    "   {\"n\":\"7\",\"m\":7,\"s\":\"07\",\"s2\":\"7\",\"o\":\"x\",\"b\":256,\"arr\":[],\"d\":null}\n"
    "== 20: \n"
    "   {\"n\":5,\"m\":5,\"s\":\"5\",\"s2\":\"5\",\"o\":{\"k\":1},\"b\":true,\"arr\":[1],\"d\":5.7}\n"
    "";

static const char *fe_conf =
    "template(name=\"m\" type=\"string\" string=\"%msg%\\n\")\n"
    "template(name=\"i\" type=\"string\" string=\"%$.i%|\\n\")\n"
    "set $.d = parse_json($msg, \"\\$!\");\n"
    "foreach ($.i in $!arr) do { action(type=\"omfile\" file=\"out/1\" template=\"i\") }\n"
    "foreach ($.i in $!obj) do { action(type=\"omfile\" file=\"out/2\" template=\"i\") }\n"
    "foreach ($.i in $!str) do { action(type=\"omfile\" file=\"out/3\" template=\"i\") }\n"
    "action(type=\"omfile\" file=\"out/4\" template=\"i\")\n"
    "set $!n = 40 + 2;\n"
    "set $!s = $programname & \"-x\";\n"
    "unset $!arr; unset $!obj; unset $!str;\n"
    "template(name=\"all\" type=\"string\" string=\"%$!%\\n\")\n"
    "action(type=\"omfile\" file=\"out/5\" template=\"all\")\n"
    "if $!n == 42 then action(type=\"omfile\" file=\"out/6\" template=\"all\")\n"
    "";
static const char *fe_msgs[] = {
    "<13>Jan  1 00:00:00 h sshd: {\"arr\":[1,2,3],\"obj\":{\"a\":\"x\",\"b\":[true]},\"str\":\"s\"}",
    NULL
};
static const char *fe_want =
    "== 1: \n"
    "   1|\n"
    "   2|\n"
    "   3|\n"
    "== 2: \n"
    "   { \"key\": \"a\", \"value\": \"x\" }|\n"
    "   { \"key\": \"b\", \"value\": [ true ] }|\n"
    "== 4: \n"
    "   |\n"
    "== 5: \n"
    "   { \"n\": 42, \"s\": \"sshd-x\" }\n"
    "== 6: \n"
    "   { \"n\": 42, \"s\": \"sshd-x\" }\n"
    "";

static const char *fn_conf =
    "template(name=\"m\" type=\"string\" string=\"%msg%\\n\")\n"
    "template(name=\"r\" type=\"string\" string=\"[%$.r%]\\n\")\n"
    "set $.r = strlen($msg);\n"
    "action(type=\"omfile\" file=\"out/1\" template=\"r\")\n"
    "unset $.r;\n"
    "set $.r = tolower($msg);\n"
    "action(type=\"omfile\" file=\"out/2\" template=\"r\")\n"
    "unset $.r;\n"
    "set $.r = substring($msg, 1, 3);\n"
    "action(type=\"omfile\" file=\"out/3\" template=\"r\")\n"
    "unset $.r;\n"
    "set $.r = substring($msg, 2, -1);\n"
    "action(type=\"omfile\" file=\"out/4\" template=\"r\")\n"
    "unset $.r;\n"
    "set $.r = substring($msg, 10, 2);\n"
    "action(type=\"omfile\" file=\"out/5\" template=\"r\")\n"
    "unset $.r;\n"
    "set $.r = replace($msg, \"a\", \"XY\");\n"
    "action(type=\"omfile\" file=\"out/6\" template=\"r\")\n"
    "unset $.r;\n"
    "set $.r = field($msg, \",\", 2);\n"
    "action(type=\"omfile\" file=\"out/7\" template=\"r\")\n"
    "unset $.r;\n"
    "set $.r = field($msg, 44, 3);\n"
    "action(type=\"omfile\" file=\"out/8\" template=\"r\")\n"
    "unset $.r;\n"
    "set $.r = field($msg, \",\", 0);\n"
    "action(type=\"omfile\" file=\"out/9\" template=\"r\")\n"
    "unset $.r;\n"
    "set $.r = field($msg, \",\", 9);\n"
    "action(type=\"omfile\" file=\"out/10\" template=\"r\")\n"
    "unset $.r;\n"
    "set $.r = re_match($msg, \"b+\");\n"
    "action(type=\"omfile\" file=\"out/11\" template=\"r\")\n"
    "unset $.r;\n"
    "set $.r = re_extract($msg, \"([a-z]+)([0-9]*)\", 1, 2, \"none\");\n"
    "action(type=\"omfile\" file=\"out/12\" template=\"r\")\n"
    "unset $.r;\n"
    "set $.r = re_extract($msg, \"([a-z]+)\", 0, 1, \"none\");\n"
    "action(type=\"omfile\" file=\"out/13\" template=\"r\")\n"
    "unset $.r;\n"
    "set $.r = int2hex($msg);\n"
    "action(type=\"omfile\" file=\"out/14\" template=\"r\")\n"
    "unset $.r;\n"
    "set $.r = int2hex(255);\n"
    "action(type=\"omfile\" file=\"out/15\" template=\"r\")\n"
    "unset $.r;\n"
    "set $.r = num2ipv4($msg);\n"
    "action(type=\"omfile\" file=\"out/16\" template=\"r\")\n"
    "unset $.r;\n"
    "set $.r = ipv42num($msg);\n"
    "action(type=\"omfile\" file=\"out/17\" template=\"r\")\n"
    "unset $.r;\n"
    "set $.r = ltrim($msg) & \"|\";\n"
    "action(type=\"omfile\" file=\"out/18\" template=\"r\")\n"
    "unset $.r;\n"
    "set $.r = rtrim($msg) & \"|\";\n"
    "action(type=\"omfile\" file=\"out/19\" template=\"r\")\n"
    "unset $.r;\n"
    "set $.r = cstr(5) & $msg;\n"
    "action(type=\"omfile\" file=\"out/20\" template=\"r\")\n"
    "unset $.r;\n"
    "set $.r = cnum($msg) + 1;\n"
    "action(type=\"omfile\" file=\"out/21\" template=\"r\")\n"
    "unset $.r;\n"
    "set $.r = wrap($msg, \"'\");\n"
    "action(type=\"omfile\" file=\"out/22\" template=\"r\")\n"
    "unset $.r;\n"
    "set $.r = wrap($msg, \"a\", \"b\");\n"
    "action(type=\"omfile\" file=\"out/23\" template=\"r\")\n"
    "unset $.r;\n"
    "set $.r = $msg & 7 * 3;\n"
    "action(type=\"omfile\" file=\"out/24\" template=\"r\")\n"
    "unset $.r;\n"
    "set $.r = 10 / 0;\n"
    "action(type=\"omfile\" file=\"out/25\" template=\"r\")\n"
    "unset $.r;\n"
    "set $.r = -7 % 3;\n"
    "action(type=\"omfile\" file=\"out/26\" template=\"r\")\n"
    "unset $.r;\n"
    "set $.r = $msg == [\"a,b,c\", \"x\"];\n"
    "action(type=\"omfile\" file=\"out/27\" template=\"r\")\n"
    "unset $.r;\n"
    "set $.r = re_extract($msg, \"(a)\", 5, 1, \"dflt\");\n"
    "action(type=\"omfile\" file=\"out/29\" template=\"r\")\n"
    "unset $.r;\n"
    "set $.r = re_match_i($msg, \"A\");\n"
    "action(type=\"omfile\" file=\"out/30\" template=\"r\")\n"
    "unset $.r;\n"
    "set $.r = field($msg, \",b\", 2);\n"
    "action(type=\"omfile\" file=\"out/31\" template=\"r\")\n"
    "unset $.r;\n"
    "set $.r = not \"\";\n"
    "action(type=\"omfile\" file=\"out/32\" template=\"r\")\n"
    "unset $.r;\n"
    "set $.r = is_time($msg);\n"
    "action(type=\"omfile\" file=\"out/33\" template=\"r\")\n"
    "unset $.r;\n"
    "set $.r = parse_time($msg);\n"
    "action(type=\"omfile\" file=\"out/34\" template=\"r\")\n"
    "unset $.r;\n"
    "set $.r = format_time(1700000000, \"date-rfc3164\");\n"
    "action(type=\"omfile\" file=\"out/35\" template=\"r\")\n"
    "unset $.r;\n"
    "set $.r = format_time(1700000000, \"date-rfc3339\");\n"
    "action(type=\"omfile\" file=\"out/36\" template=\"r\")\n"
    "unset $.r;\n"
    "set $.r = format_time($msg, \"date-rfc3339\");\n"
    "action(type=\"omfile\" file=\"out/37\" template=\"r\")\n"
    "unset $.r;\n"
    "set $.r = parse_json($msg, \"\\$.j\") & script_error();\n"
    "action(type=\"omfile\" file=\"out/38\" template=\"r\")\n"
    "unset $.r;\n"
    "";
static const char *fn_msgs[] = {
    "<13>Jan  1 00:00:00 ht:a,b,c",
    "<13>Jan  1 00:00:00 ht:  abc12 def34  ",
    "<13>Jan  1 00:00:00 ht:3232235777",
    "<13>Jan  1 00:00:00 ht:192.168.1.1",
    "<13>Jan  1 00:00:00 ht:2023-11-14T22:13:20Z",
    "<13>Jan  1 00:00:00 ht:Nov 14 22:13:20",
    "<13>Jan  1 00:00:00 ht:{\"k\":1}",
    NULL
};
static const char *fn_want =
    "== 1: \n"
    "   [5]\n"
    "   [15]\n"
    "   [10]\n"
    "   [11]\n"
    "   [20]\n"
    "   [15]\n"
    "   [7]\n"
    "== 2: \n"
    "   [a,b,c]\n"
    "   [  abc12 def34  ]\n"
    "   [3232235777]\n"
    "   [192.168.1.1]\n"
    "   [2023-11-14t22:13:20z]\n"
    "   [nov 14 22:13:20]\n"
    "   [{\"k\":1}]\n"
    "== 3: \n"
    "   [,b,]\n"
    "   [ ab]\n"
    "   [232]\n"
    "   [92.]\n"
    "   [023]\n"
    "   [ov ]\n"
    "   [\"k\"]\n"
    "== 4: \n"
    "   [b,c]\n"
    "   [abc12 def34  ]\n"
    "   [32235777]\n"
    "   [2.168.1.1]\n"
    "   [23-11-14T22:13:20Z]\n"
    "   [v 14 22:13:20]\n"
    "   [k\":1}]\n"
    "== 5: \n"
    "   []\n"
    "   [f3]\n"
    "   []\n"
    "   [1]\n"
    "   [T2]\n"
    "   [13]\n"
    "   []\n"
    "== 6: \n"
    "   [XY,b,c]\n"
    "   [  XYbc12 def34  ]\n"
    "   [3232235777]\n"
    "   [192.168.1.1]\n"
    "   [2023-11-14T22:13:20Z]\n"
    "   [Nov 14 22:13:20]\n"
    "   [{\"k\":1}]\n"
    "== 7: \n"
    "   [b]\n"
    "   [***FIELD NOT FOUND***]\n"
    "   [***FIELD NOT FOUND***]\n"
    "   [***FIELD NOT FOUND***]\n"
    "   [***FIELD NOT FOUND***]\n"
    "   [***FIELD NOT FOUND***]\n"
    "   [***FIELD NOT FOUND***]\n"
    "== 8: \n"
    "   [c]\n"
    "   [***FIELD NOT FOUND***]\n"
    "   [***FIELD NOT FOUND***]\n"
    "   [***FIELD NOT FOUND***]\n"
    "   [***FIELD NOT FOUND***]\n"
    "   [***FIELD NOT FOUND***]\n"
    "   [***FIELD NOT FOUND***]\n"
    "== 9: \n"
    "   [***FIELD NOT FOUND***]\n"
    "   [***FIELD NOT FOUND***]\n"
    "   [***FIELD NOT FOUND***]\n"
    "   [***FIELD NOT FOUND***]\n"
    "   [***FIELD NOT FOUND***]\n"
    "   [***FIELD NOT FOUND***]\n"
    "   [***FIELD NOT FOUND***]\n"
    "== 10: \n"
    "   [***FIELD NOT FOUND***]\n"
    "   [***FIELD NOT FOUND***]\n"
    "   [***FIELD NOT FOUND***]\n"
    "   [***FIELD NOT FOUND***]\n"
    "   [***FIELD NOT FOUND***]\n"
    "   [***FIELD NOT FOUND***]\n"
    "   [***FIELD NOT FOUND***]\n"
    "== 11: \n"
    "   [1]\n"
    "   [1]\n"
    "   [0]\n"
    "   [0]\n"
    "   [0]\n"
    "   [0]\n"
    "   [0]\n"
    "== 12: \n"
    "   []\n"
    "   [34]\n"
    "   [none]\n"
    "   [none]\n"
    "   [none]\n"
    "   [none]\n"
    "   [none]\n"
    "== 13: \n"
    "   [a]\n"
    "   [abc]\n"
    "   [none]\n"
    "   [none]\n"
    "   [none]\n"
    "   [ov]\n"
    "   [k]\n"
    "== 14: \n"
    "   [NAN]\n"
    "   [NAN]\n"
    "   [c0a80101]\n"
    "   [NAN]\n"
    "   [NAN]\n"
    "   [NAN]\n"
    "   [NAN]\n"
    "== 15: \n"
    "   [ff]\n"
    "   [ff]\n"
    "   [ff]\n"
    "   [ff]\n"
    "   [ff]\n"
    "   [ff]\n"
    "   [ff]\n"
    "== 16: \n"
    "   [-1]\n"
    "   [-1]\n"
    "   [192.168.1.1]\n"
    "   [-1]\n"
    "   [-1]\n"
    "   [-1]\n"
    "   [-1]\n"
    "== 17: \n"
    "   [-1]\n"
    "   [-1]\n"
    "   [-1]\n"
    "   [3232235777]\n"
    "   [-1]\n"
    "   [-1]\n"
    "   [-1]\n"
    "== 18: \n"
    "   [a,b,c|]\n"
    "   [abc12 def34  |]\n"
    "   [3232235777|]\n"
    "   [192.168.1.1|]\n"
    "   [2023-11-14T22:13:20Z|]\n"
    "   [Nov 14 22:13:20|]\n"
    "   [{\"k\":1}|]\n"
    "== 19: \n"
    "   [a,b,c|]\n"
    "   [  abc12 def34|]\n"
    "   [3232235777|]\n"
    "   [192.168.1.1|]\n"
    "   [2023-11-14T22:13:20Z|]\n"
    "   [Nov 14 22:13:20|]\n"
    "   [{\"k\":1}|]\n"
    "== 20: \n"
    "   [5a,b,c]\n"
    "   [5  abc12 def34  ]\n"
    "   [53232235777]\n"
    "   [5192.168.1.1]\n"
    "   [52023-11-14T22:13:20Z]\n"
    "   [5Nov 14 22:13:20]\n"
    "   [5{\"k\":1}]\n"
    "== 21: \n"
    "   [1]\n"
    "   [1]\n"
    "   [3232235778]\n"
    "   [193]\n"
    "   [2024]\n"
    "   [1]\n"
    "   [1]\n"
    "== 22: \n"
    "   ['a,b,c']\n"
    "   ['  abc12 def34  ']\n"
    "   ['3232235777']\n"
    "   ['192.168.1.1']\n"
    "   ['2023-11-14T22:13:20Z']\n"
    "   ['Nov 14 22:13:20']\n"
    "   ['{\"k\":1}']\n"
    "== 23: \n"
    "   [ab,b,ca]\n"
    "   [a  bbc12 def34  a]\n"
    "   [a3232235777a]\n"
    "   [a192.168.1.1a]\n"
    "   [a2023-11-14T22:13:20Za]\n"
    "   [aNov 14 22:13:20a]\n"
    "   [a{\"k\":1}a]\n"
    "== 24: \n"
    "   [a,b,c21]\n"
    "   [  abc12 def34  21]\n"
    "   [323223577721]\n"
    "   [192.168.1.121]\n"
    "   [2023-11-14T22:13:20Z21]\n"
    "   [Nov 14 22:13:2021]\n"
    "   [{\"k\":1}21]\n"
    "== 25: \n"
    "   [0]\n"
    "   [0]\n"
    "   [0]\n"
    "   [0]\n"
    "   [0]\n"
    "   [0]\n"
    "   [0]\n"
    "== 26: \n"
    "   [-1]\n"
    "   [-1]\n"
    "   [-1]\n"
    "   [-1]\n"
    "   [-1]\n"
    "   [-1]\n"
    "   [-1]\n"
    "== 27: \n"
    "   [1]\n"
    "   [0]\n"
    "   [0]\n"
    "   [0]\n"
    "   [0]\n"
    "   [0]\n"
    "   [0]\n"
    "== 29: \n"
    "   [dflt]\n"
    "   [dflt]\n"
    "   [dflt]\n"
    "   [dflt]\n"
    "   [dflt]\n"
    "   [dflt]\n"
    "   [dflt]\n"
    "== 30: \n"
    "   [1]\n"
    "   [1]\n"
    "   [0]\n"
    "   [0]\n"
    "   [0]\n"
    "   [0]\n"
    "   [0]\n"
    "== 31: \n"
    "   [,c]\n"
    "   [***FIELD NOT FOUND***]\n"
    "   [***FIELD NOT FOUND***]\n"
    "   [***FIELD NOT FOUND***]\n"
    "   [***FIELD NOT FOUND***]\n"
    "   [***FIELD NOT FOUND***]\n"
    "   [***FIELD NOT FOUND***]\n"
    "== 32: \n"
    "   [1]\n"
    "   [1]\n"
    "   [1]\n"
    "   [1]\n"
    "   [1]\n"
    "   [1]\n"
    "   [1]\n"
    "== 33: \n"
    "   [0]\n"
    "   [0]\n"
    "   [1]\n"
    "   [0]\n"
    "   [1]\n"
    "   [1]\n"
    "   [0]\n"
    "== 34: \n"
    "   [0]\n"
    "   [0]\n"
    "   [0]\n"
    "   [0]\n"
    "   [1700000000]\n"
    "   [1794694400]\n"
    "   [0]\n"
    "== 35: \n"
    "   [Nov 14 22:13:20]\n"
    "   [Nov 14 22:13:20]\n"
    "   [Nov 14 22:13:20]\n"
    "   [Nov 14 22:13:20]\n"
    "   [Nov 14 22:13:20]\n"
    "   [Nov 14 22:13:20]\n"
    "   [Nov 14 22:13:20]\n"
    "== 36: \n"
    "   [2023-11-14T22:13:20Z]\n"
    "   [2023-11-14T22:13:20Z]\n"
    "   [2023-11-14T22:13:20Z]\n"
    "   [2023-11-14T22:13:20Z]\n"
    "   [2023-11-14T22:13:20Z]\n"
    "   [2023-11-14T22:13:20Z]\n"
    "   [2023-11-14T22:13:20Z]\n"
    "== 37: \n"
    "   [a,b,c]\n"
    "   [  abc12 def34  ]\n"
    "   [2072-06-04T03:16:17Z]\n"
    "   [192.168.1.1]\n"
    "   [2023-11-14T22:13:20Z]\n"
    "   [Nov 14 22:13:20]\n"
    "   [{\"k\":1}]\n"
    "== 38: \n"
    "   [11]\n"
    "   [11]\n"
    "   [11]\n"
    "   [11]\n"
    "   [11]\n"
    "   [11]\n"
    "   [00]\n"
    "";

START_TEST(test_control_flow)
{
    run_scenario("ctl.conf", ctl_conf, ctl_msgs, ctl_want);
}
END_TEST

START_TEST(test_comparisons)
{
    run_scenario("cmp.conf", cmp_conf, cmp_msgs, cmp_want);
}
END_TEST

START_TEST(test_json_vars)
{
    run_scenario("json.conf", json_conf, json_msgs, json_want);
}
END_TEST

START_TEST(test_foreach_set)
{
    run_scenario("fe.conf", fe_conf, fe_msgs, fe_want);
}
END_TEST

START_TEST(test_functions)
{
    run_scenario("fn.conf", fn_conf, fn_msgs, fn_want);
}
END_TEST

/* lookup tables: expected values from rsyslogd 8.2302 with the same three tables */
static char lk_dir[64];

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[128];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

static void lk_cleanup(void)
{
    char path[128];
    static const char *const files[] = { "s.json", "a.json", "sp.json", "bad.json", "ip.json" };
    size_t i;

    for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", lk_dir, files[i]);
        unlink(path);
    }
    rmdir(lk_dir);
}

START_TEST(test_lookup)
{
    static const char *const msgs[] = {
        "<13>Jan  1 00:00:00 ht:a", "<13>Jan  1 00:00:00 ht:5", "<13>Jan  1 00:00:00 ht:",
        "<13>Jan  1 00:00:00 ht:3", "<13>Jan  1 00:00:00 ht:4", "<13>Jan  1 00:00:00 ht:6",
        "<13>Jan  1 00:00:00 ht:2", "<13>Jan  1 00:00:00 ht:10", "<13>Jan  1 00:00:00 ht:15",
        "<13>Jan  1 00:00:00 ht:20", "<13>Jan  1 00:00:00 ht:99", "<13>Jan  1 00:00:00 ht:100",
        "<13>Jan  1 00:00:00 ht:1000", "<13>Jan  1 00:00:00 ht:-1", "<13>Jan  1 00:00:00 ht:abc",
        "<13>Jan  1 00:00:00 ht:05", NULL
    };
    static const char *want =
        "== 1: \n   [A]\n   [five]\n   [empty]\n   [unk]\n   [unk]\n   [unk]\n   [unk]\n"
        "   [unk]\n   [unk]\n   [unk]\n   [unk]\n   [unk]\n   [unk]\n   [unk]\n   [unk]\n"
        "   [unk]\n"
        "== 2: \n   [nomatch!]\n   [five]\n   [nomatch!]\n   [three]\n   [four]\n"
        "   [nomatch!]\n   [nomatch!]\n   [nomatch!]\n   [nomatch!]\n   [nomatch!]\n"
        "   [nomatch!]\n   [nomatch!]\n   [nomatch!]\n   [nomatch!]\n   [nomatch!]\n"
        "   [five]\n"
        "== 3: \n   []\n   []\n   []\n   []\n   []\n   []\n   []\n   [ten+]\n   [ten+]\n"
        "   [twenty+]\n   [twenty+]\n   [hundred+]\n   [hundred+]\n   []\n   []\n   []\n"
        "== 4: \n   [five]\n   [five]\n   [five]\n   [five]\n   [five]\n   [five]\n"
        "   [five]\n   [five]\n   [five]\n   [five]\n   [five]\n   [five]\n   [five]\n"
        "   [five]\n   [five]\n   [five]\n";
    struct sl_buf conf = { NULL, 0, 0 };
    int i;

    snprintf(lk_dir, sizeof(lk_dir), "/tmp/sl_test_lookup_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(lk_dir));
    write_file(lk_dir, "s.json", "{\"version\":1, \"nomatch\":\"unk\", \"type\":\"string\", "
               "\"table\":[{\"index\":\"a\",\"value\":\"A\"},{\"index\":\"5\",\"value\":"
               "\"five\"},{\"index\":\"\",\"value\":\"empty\"}]}\n");
    write_file(lk_dir, "a.json", "{\"version\":1, \"nomatch\":\"nomatch!\", \"type\":\"array\", "
               "\"table\":[{\"index\":3,\"value\":\"three\"},{\"index\":4,\"value\":\"four\"},"
               "{\"index\":5,\"value\":\"five\"}]}\n");
    write_file(lk_dir, "sp.json", "{\"version\":1, \"type\":\"sparseArray\", \"table\":["
               "{\"index\":10,\"value\":\"ten+\"},{\"index\":100,\"value\":\"hundred+\"},"
               "{\"index\":20,\"value\":\"twenty+\"}]}\n");
    write_file(lk_dir, "bad.json", "{\"version\":1, \"type\":\"string\", \"table\":[\n");
    sl_buf_printf(&conf, "lookup_table(name=\"s\" file=\"%s/s.json\")\n"
                  "lookup_table(name=\"a\" file=\"%s/a.json\")\n"
                  "lookup_table(name=\"sp\" file=\"%s/sp.json\")\n"
                  "template(name=\"r\" type=\"string\" string=\"[%%$.r%%]\\n\")\n",
                  lk_dir, lk_dir, lk_dir);
    for (i = 1; i <= 4; i++) {
        static const char *const ex[] = { "", "lookup(\"s\", $msg)", "lookup(\"a\", $msg)",
                                           "lookup(\"sp\", $msg)", "lookup(\"s\", 5)" };
        sl_buf_printf(&conf, "set $.r = %s;\naction(type=\"omfile\" file=\"out/%d\" "
                      "template=\"r\")\nunset $.r;\n", ex[i], i);
    }
    run_scenario("lookup.conf", conf.p, msgs, want);
    sl_buf_free(&conf);

    /* IPv4 addresses as numbers (ipv42num) in a sparseArray, as rsyslogd 8.2302 answers
     * (diff case rw-fn-time-ip): indexes of 2^31 and more are clamped to 2147483647 and
     * keys compare by their 32-bit difference, so 198.51.100.99 does not find
     * "test-net-2" but "internet"; 10.10.1.15 and 0 are found as expected. */
    write_file(lk_dir, "ip.json", "{\"version\":1, \"nomatch\":\"inet\", \"type\":\"sparseArray\", "
               "\"table\":[{\"index\":0,\"value\":\"zero\"},{\"index\":167772160,\"value\":\"ten\"},"
               "{\"index\":184549376,\"value\":\"internet\"},{\"index\":3325256704,\"value\":"
               "\"test-net-2\"},{\"index\":3325256960,\"value\":\"internet\"},{\"index\":3405803776,"
               "\"value\":\"test-net-3\"},{\"index\":3405804032,\"value\":\"internet\"}]}\n");
    sl_buf_printf(&conf, "lookup_table(name=\"ip\" file=\"%s/ip.json\")\n"
                  "template(name=\"r\" type=\"string\" string=\"[%%$.r%%]\\n\")\n"
                  "set $.r = lookup(\"ip\", ipv42num($msg));\n"
                  "action(type=\"omfile\" file=\"out/1\" template=\"r\")\n", lk_dir);
    {
        static const char *const ips[] = {
            "<13>Jan  1 00:00:00 ht:198.51.100.99", "<13>Jan  1 00:00:00 ht:10.10.1.15",
            "<13>Jan  1 00:00:00 ht:0.0.0.0", "<13>Jan  1 00:00:00 ht:203.0.113.77", NULL
        };
        run_scenario("lookup-ip.conf", conf.p, ips,
                     "== 1: \n   [internet]\n   [ten]\n   [zero]\n   [internet]\n");
    }
    sl_buf_free(&conf);

    /* unknown table and unreadable file are reported at bind time; unbound calls give
     * rsyslog's "TABLE-NOT-FOUND" */
    sl_buf_printf(&conf, "lookup_table(name=\"bad\" file=\"%s/bad.json\")\n"
                  "template(name=\"r\" type=\"string\" string=\"[%%$.r%%]\\n\")\n"
                  "set $.r = lookup(\"nosuch\", $msg) & lookup(\"bad\", $msg) & lookup(\"bad\", 1);\n"
                  "action(type=\"omfile\" file=\"out/1\" template=\"r\")\n", lk_dir);
    run_scenario_lk("lookup-bad.conf", conf.p, msgs + 15,
                    "== 1: \n   [TABLE-NOT-FOUNDTABLE-NOT-FOUNDTABLE-NOT-FOUND]\n", 2);
    sl_buf_free(&conf);
    lk_cleanup();
}
END_TEST

static Suite *rule_conf_suite(void)
{
    Suite *s = suite_create("rule_conf");
    TCase *tc = tcase_create("rsyslog-golden");

    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_control_flow);
    tcase_add_test(tc, test_comparisons);
    tcase_add_test(tc, test_json_vars);
    tcase_add_test(tc, test_foreach_set);
    tcase_add_test(tc, test_functions);
    tcase_add_test(tc, test_lookup);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(rule_conf_suite());
    int nf;

    sl_log_set_stderr(0);
    srunner_run_all(sr, CK_NORMAL);
    nf = srunner_ntests_failed(sr);
    srunner_free(sr);
    return nf == 0 ? 0 : 1;
}
