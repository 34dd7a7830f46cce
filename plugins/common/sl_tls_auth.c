/*
 * sl_tls_auth.c - the parts of the "gtls" stream driver (sl_tls.h) that need no GnuTLS:
 * the authentication mode names and the PermitExpiredCerts values.  Parameter tables and
 * config checks use them whether or not TLS is ever started, so they are compiled into
 * every user of the driver, next to the loader (sl_tls_dl.c) or the driver itself.
 */
#include "config.h"

#include <stddef.h>
#include <strings.h>

#include "sluice/sl_plugin.h"
#include "sl_tls.h"

const char *const sl_tls_permit_expired_enum[] = { "off", "on", "warn", NULL };

int sl_tls_auth_parse(const char *s, enum sl_tls_auth *out)
{
    if (s == NULL || s[0] == '\0' || strcasecmp(s, "anon") == 0) {
        *out = SL_TLS_AUTH_ANON;
    } else if (strcasecmp(s, "x509/certvalid") == 0) {
        *out = SL_TLS_AUTH_CERTVALID;
    } else if (strcasecmp(s, "x509/name") == 0) {
        *out = SL_TLS_AUTH_NAME;
    } else if (strcasecmp(s, "x509/fingerprint") == 0) {
        *out = SL_TLS_AUTH_FINGERPRINT;
    } else {
        return SL_EINVAL;
    }
    return 0;
}

const char *sl_tls_auth_name(enum sl_tls_auth a)
{
    switch (a) {
    case SL_TLS_AUTH_CERTVALID:
        return "x509/certvalid";
    case SL_TLS_AUTH_NAME:
        return "x509/name";
    case SL_TLS_AUTH_FINGERPRINT:
        return "x509/fingerprint";
    default:
        return "anon";
    }
}
