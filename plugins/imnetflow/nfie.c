/*
 * nfie.c - information elements and the JSON form of one flow.
 *
 * A table of the IANA information elements imnetflow knows by name (id, abstract data type,
 * IANA name, nProbe --json-labels name); everything else is still rendered, never dropped:
 * an unknown IANA element as its number ("ID"), an enterprise element as "PEN.ID", with the
 * value in hex.  Values by type: unsigned/signed integers of any length 1..8 (reduced-size
 * encoding), float32/64, boolean, IPv4/IPv6 addresses and MAC addresses as text, strings
 * (trailing NULs dropped, escaped), octet arrays in hex; timestamps as integers since the
 * epoch in their own unit (dateTimeSeconds s, dateTimeMilliseconds ms, dateTimeMicroseconds
 * us and dateTimeNanoseconds ns, the last two converted from NTP format).  sysUptime-relative
 * times (21/22): the nprobe profiles show seconds since the epoch (as nProbe does), the ipfix
 * profile the uptime in ms (the element's IANA meaning); when the record has no
 * flowStart/EndMilliseconds (152/153), they are added, absolute, so every flow has ms times.
 * A known sampling rate the record does not carry is added as samplingInterval (34).
 * A field that occurs twice in a record gets "#2", "#3" appended to its key.
 *
 * Ownership: the table is constant; the JSON buffer belongs to its caller.
 * Concurrency & locking: pure functions, no state.
 */
#include "config.h"

#include <arpa/inet.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nf.h"

enum { T_U = 0, T_S, T_F, T_B, T_V4, T_V6, T_MAC, T_STR, T_HEX, T_SEC, T_MS, T_US, T_NS, T_UPT };

struct ie {
    uint8_t type;
    const char *iana;
    const char *label;   /* nProbe's --json-labels name */
};

#define IE_MAX 512
static const struct ie ies[IE_MAX] = {
    [1] = { T_U, "octetDeltaCount", "IN_BYTES" },
    [2] = { T_U, "packetDeltaCount", "IN_PKTS" },
    [3] = { T_U, "deltaFlowCount", "FLOWS" },
    [4] = { T_U, "protocolIdentifier", "PROTOCOL" },
    [5] = { T_U, "ipClassOfService", "SRC_TOS" },
    [6] = { T_U, "tcpControlBits", "TCP_FLAGS" },
    [7] = { T_U, "sourceTransportPort", "L4_SRC_PORT" },
    [8] = { T_V4, "sourceIPv4Address", "IPV4_SRC_ADDR" },
    [9] = { T_U, "sourceIPv4PrefixLength", "IPV4_SRC_MASK" },
    [10] = { T_U, "ingressInterface", "INPUT_SNMP" },
    [11] = { T_U, "destinationTransportPort", "L4_DST_PORT" },
    [12] = { T_V4, "destinationIPv4Address", "IPV4_DST_ADDR" },
    [13] = { T_U, "destinationIPv4PrefixLength", "IPV4_DST_MASK" },
    [14] = { T_U, "egressInterface", "OUTPUT_SNMP" },
    [15] = { T_V4, "ipNextHopIPv4Address", "IPV4_NEXT_HOP" },
    [16] = { T_U, "bgpSourceAsNumber", "SRC_AS" },
    [17] = { T_U, "bgpDestinationAsNumber", "DST_AS" },
    [18] = { T_V4, "bgpNextHopIPv4Address", "BGP_IPV4_NEXT_HOP" },
    [19] = { T_U, "postMCastPacketDeltaCount", "MUL_DST_PKTS" },
    [20] = { T_U, "postMCastOctetDeltaCount", "MUL_DST_BYTES" },
    [21] = { T_UPT, "flowEndSysUpTime", "LAST_SWITCHED" },
    [22] = { T_UPT, "flowStartSysUpTime", "FIRST_SWITCHED" },
    [23] = { T_U, "postOctetDeltaCount", "OUT_BYTES" },
    [24] = { T_U, "postPacketDeltaCount", "OUT_PKTS" },
    [25] = { T_U, "minimumIpTotalLength", "MIN_IP_PKT_LEN" },
    [26] = { T_U, "maximumIpTotalLength", "MAX_IP_PKT_LEN" },
    [27] = { T_V6, "sourceIPv6Address", "IPV6_SRC_ADDR" },
    [28] = { T_V6, "destinationIPv6Address", "IPV6_DST_ADDR" },
    [29] = { T_U, "sourceIPv6PrefixLength", "IPV6_SRC_MASK" },
    [30] = { T_U, "destinationIPv6PrefixLength", "IPV6_DST_MASK" },
    [31] = { T_U, "flowLabelIPv6", "IPV6_FLOW_LABEL" },
    [32] = { T_U, "icmpTypeCodeIPv4", "ICMP_TYPE" },
    [33] = { T_U, "igmpType", "MUL_IGMP_TYPE" },
    [34] = { T_U, "samplingInterval", "SAMPLING_INTERVAL" },
    [35] = { T_U, "samplingAlgorithm", "SAMPLING_ALGORITHM" },
    [36] = { T_U, "flowActiveTimeout", "FLOW_ACTIVE_TIMEOUT" },
    [37] = { T_U, "flowIdleTimeout", "FLOW_INACTIVE_TIMEOUT" },
    [38] = { T_U, "engineType", "ENGINE_TYPE" },
    [39] = { T_U, "engineId", "ENGINE_ID" },
    [40] = { T_U, "exportedOctetTotalCount", "TOTAL_BYTES_EXP" },
    [41] = { T_U, "exportedMessageTotalCount", "TOTAL_PKTS_EXP" },
    [42] = { T_U, "exportedFlowRecordTotalCount", "TOTAL_FLOWS_EXP" },
    [44] = { T_V4, "sourceIPv4Prefix", "IPV4_SRC_PREFIX" },
    [45] = { T_V4, "destinationIPv4Prefix", "IPV4_DST_PREFIX" },
    [46] = { T_U, "mplsTopLabelType", "MPLS_TOP_LABEL_TYPE" },
    [47] = { T_V4, "mplsTopLabelIPv4Address", "MPLS_TOP_LABEL_IP_ADDR" },
    [48] = { T_U, "samplerId", "FLOW_SAMPLER_ID" },
    [49] = { T_U, "samplerMode", "FLOW_SAMPLER_MODE" },
    [50] = { T_U, "samplerRandomInterval", "FLOW_SAMPLER_RANDOM_INTERVAL" },
    [51] = { T_U, "classId", "CLASS_ID" },
    [52] = { T_U, "minimumTTL", "MIN_TTL" },
    [53] = { T_U, "maximumTTL", "MAX_TTL" },
    [54] = { T_U, "fragmentIdentification", "IPV4_IDENT" },
    [55] = { T_U, "postIpClassOfService", "DST_TOS" },
    [56] = { T_MAC, "sourceMacAddress", "IN_SRC_MAC" },
    [57] = { T_MAC, "postDestinationMacAddress", "OUT_DST_MAC" },
    [58] = { T_U, "vlanId", "SRC_VLAN" },
    [59] = { T_U, "postVlanId", "DST_VLAN" },
    [60] = { T_U, "ipVersion", "IP_PROTOCOL_VERSION" },
    [61] = { T_U, "flowDirection", "DIRECTION" },
    [62] = { T_V6, "ipNextHopIPv6Address", "IPV6_NEXT_HOP" },
    [63] = { T_V6, "bgpNextHopIPv6Address", "BPG_IPV6_NEXT_HOP" },
    [64] = { T_U, "ipv6ExtensionHeaders", "IPV6_OPTION_HEADERS" },
    [70] = { T_HEX, "mplsTopLabelStackSection", "MPLS_LABEL_1" },
    [71] = { T_HEX, "mplsLabelStackSection2", "MPLS_LABEL_2" },
    [72] = { T_HEX, "mplsLabelStackSection3", "MPLS_LABEL_3" },
    [73] = { T_HEX, "mplsLabelStackSection4", "MPLS_LABEL_4" },
    [74] = { T_HEX, "mplsLabelStackSection5", "MPLS_LABEL_5" },
    [75] = { T_HEX, "mplsLabelStackSection6", "MPLS_LABEL_6" },
    [76] = { T_HEX, "mplsLabelStackSection7", "MPLS_LABEL_7" },
    [77] = { T_HEX, "mplsLabelStackSection8", "MPLS_LABEL_8" },
    [78] = { T_HEX, "mplsLabelStackSection9", "MPLS_LABEL_9" },
    [79] = { T_HEX, "mplsLabelStackSection10", "MPLS_LABEL_10" },
    [80] = { T_MAC, "destinationMacAddress", "IN_DST_MAC" },
    [81] = { T_MAC, "postSourceMacAddress", "OUT_SRC_MAC" },
    [82] = { T_STR, "interfaceName", "INTERFACE_NAME" },
    [83] = { T_STR, "interfaceDescription", "INTERFACE_DESCRIPTION" },
    [84] = { T_STR, "samplerName", "SAMPLER_NAME" },
    [85] = { T_U, "octetTotalCount", "IN_PERMANENT_BYTES" },
    [86] = { T_U, "packetTotalCount", "IN_PERMANENT_PKTS" },
    [88] = { T_U, "fragmentOffset", "FRAGMENT_OFFSET" },
    [89] = { T_U, "forwardingStatus", "FORWARDING_STATUS" },
    [90] = { T_HEX, "mplsVpnRouteDistinguisher", "MPLS_VPN_RD" },
    [94] = { T_STR, "applicationDescription", "APPLICATION_DESCRIPTION" },
    [95] = { T_HEX, "applicationId", "APPLICATION_ID" },
    [96] = { T_STR, "applicationName", "APPLICATION_NAME" },
    [98] = { T_U, "postIpDiffServCodePoint", "POST_IP_DSCP" },
    [102] = { T_U, "layer2packetSectionOffset", "PACKET_SECTION_OFFSET" },
    [103] = { T_U, "layer2packetSectionSize", "SAMPLED_FRAME_SIZE" },
    [104] = { T_HEX, "layer2packetSectionData", "SAMPLED_FRAME_DATA" },
    [128] = { T_U, "bgpNextAdjacentAsNumber", "BGP_NEXT_ADJACENT_ASN" },
    [129] = { T_U, "bgpPrevAdjacentAsNumber", "BGP_PREV_ADJACENT_ASN" },
    [130] = { T_V4, "exporterIPv4Address", "EXPORTER_IPV4_ADDRESS" },
    [131] = { T_V6, "exporterIPv6Address", "EXPORTER_IPV6_ADDRESS" },
    [132] = { T_U, "droppedOctetDeltaCount", "DROPPED_BYTES" },
    [133] = { T_U, "droppedPacketDeltaCount", "DROPPED_PACKETS" },
    [136] = { T_U, "flowEndReason", "FLOW_END_REASON" },
    [137] = { T_U, "commonPropertiesId", "COMMON_PROPERTIES_ID" },
    [138] = { T_U, "observationPointId", "OBSERVATION_POINT_ID" },
    [139] = { T_U, "icmpTypeCodeIPv6", "ICMP_IPV6_TYPE" },
    [140] = { T_V6, "mplsTopLabelIPv6Address", "MPLS_TOP_LABEL_IPV6_ADDR" },
    [141] = { T_U, "lineCardId", "LINE_CARD_ID" },
    [142] = { T_U, "portId", "PORT_ID" },
    [143] = { T_U, "meteringProcessId", "METERING_PROCESS_ID" },
    [144] = { T_U, "exportingProcessId", "EXPORTING_PROCESS_ID" },
    [145] = { T_U, "templateId", "TEMPLATE_ID" },
    [146] = { T_U, "wlanChannelId", "WLAN_CHANNEL_ID" },
    [147] = { T_STR, "wlanSSID", "WLAN_SSID" },
    [148] = { T_U, "flowId", "FLOW_ID" },
    [149] = { T_U, "observationDomainId", "OBSERVATION_DOMAIN_ID" },
    [150] = { T_SEC, "flowStartSeconds", "FLOW_START_SEC" },
    [151] = { T_SEC, "flowEndSeconds", "FLOW_END_SEC" },
    [152] = { T_MS, "flowStartMilliseconds", "FLOW_START_MILLISECONDS" },
    [153] = { T_MS, "flowEndMilliseconds", "FLOW_END_MILLISECONDS" },
    [154] = { T_US, "flowStartMicroseconds", "FLOW_START_MICROSECONDS" },
    [155] = { T_US, "flowEndMicroseconds", "FLOW_END_MICROSECONDS" },
    [156] = { T_NS, "flowStartNanoseconds", "FLOW_START_NANOSECONDS" },
    [157] = { T_NS, "flowEndNanoseconds", "FLOW_END_NANOSECONDS" },
    [158] = { T_U, "flowStartDeltaMicroseconds", "FLOW_START_DELTA_MICROSECONDS" },
    [159] = { T_U, "flowEndDeltaMicroseconds", "FLOW_END_DELTA_MICROSECONDS" },
    [160] = { T_MS, "systemInitTimeMilliseconds", "SYSTEM_INIT_TIME_MILLISECONDS" },
    [161] = { T_U, "flowDurationMilliseconds", "FLOW_DURATION_MILLISECONDS" },
    [162] = { T_U, "flowDurationMicroseconds", "FLOW_DURATION_MICROSECONDS" },
    [163] = { T_U, "observedFlowTotalCount", "OBSERVED_FLOW_TOTAL_COUNT" },
    [164] = { T_U, "ignoredPacketTotalCount", "IGNORED_PACKET_TOTAL_COUNT" },
    [165] = { T_U, "ignoredOctetTotalCount", "IGNORED_OCTET_TOTAL_COUNT" },
    [166] = { T_U, "notSentFlowTotalCount", "NOT_SENT_FLOW_TOTAL_COUNT" },
    [167] = { T_U, "notSentPacketTotalCount", "NOT_SENT_PACKET_TOTAL_COUNT" },
    [168] = { T_U, "notSentOctetTotalCount", "NOT_SENT_OCTET_TOTAL_COUNT" },
    [169] = { T_V6, "destinationIPv6Prefix", "IPV6_DST_PREFIX" },
    [170] = { T_V6, "sourceIPv6Prefix", "IPV6_SRC_PREFIX" },
    [171] = { T_U, "postOctetTotalCount", "POST_OCTET_TOTAL_COUNT" },
    [172] = { T_U, "postPacketTotalCount", "POST_PACKET_TOTAL_COUNT" },
    [173] = { T_U, "flowKeyIndicator", "FLOW_KEY_INDICATOR" },
    [176] = { T_U, "icmpTypeIPv4", "ICMP_IPV4_TYPE" },
    [177] = { T_U, "icmpCodeIPv4", "ICMP_IPV4_CODE" },
    [178] = { T_U, "icmpTypeIPv6", "ICMP_IPV6_TYPE_ONLY" },
    [179] = { T_U, "icmpCodeIPv6", "ICMP_IPV6_CODE" },
    [180] = { T_U, "udpSourcePort", "UDP_SRC_PORT" },
    [181] = { T_U, "udpDestinationPort", "UDP_DST_PORT" },
    [182] = { T_U, "tcpSourcePort", "TCP_SRC_PORT" },
    [183] = { T_U, "tcpDestinationPort", "TCP_DST_PORT" },
    [184] = { T_U, "tcpSequenceNumber", "TCP_SEQ_NUM" },
    [185] = { T_U, "tcpAcknowledgementNumber", "TCP_ACK_NUM" },
    [186] = { T_U, "tcpWindowSize", "TCP_WIN_SIZE" },
    [189] = { T_U, "ipHeaderLength", "IP_HEADER_LENGTH" },
    [190] = { T_U, "totalLengthIPv4", "IPV4_TOTAL_LENGTH" },
    [192] = { T_U, "ipTTL", "IP_TTL" },
    [193] = { T_U, "nextHeaderIPv6", "IPV6_NEXT_HEADER" },
    [195] = { T_U, "ipDiffServCodePoint", "IP_DSCP" },
    [196] = { T_U, "ipPrecedence", "IP_PRECEDENCE" },
    [197] = { T_U, "fragmentFlags", "FRAGMENT_FLAGS" },
    [224] = { T_U, "ipTotalLength", "IP_TOTAL_LENGTH" },
    [225] = { T_V4, "postNATSourceIPv4Address", "POST_NAT_SRC_IPV4_ADDR" },
    [226] = { T_V4, "postNATDestinationIPv4Address", "POST_NAT_DST_IPV4_ADDR" },
    [227] = { T_U, "postNAPTSourceTransportPort", "POST_NAPT_SRC_TRANSPORT_PORT" },
    [228] = { T_U, "postNAPTDestinationTransportPort", "POST_NAPT_DST_TRANSPORT_PORT" },
    [230] = { T_U, "natEvent", "NAT_EVENT" },
    [231] = { T_U, "initiatorOctets", "INITIATOR_OCTETS" },
    [232] = { T_U, "responderOctets", "RESPONDER_OCTETS" },
    [233] = { T_U, "firewallEvent", "FIREWALL_EVENT" },
    [234] = { T_U, "ingressVRFID", "INGRESS_VRFID" },
    [235] = { T_U, "egressVRFID", "EGRESS_VRFID" },
    [239] = { T_U, "biflowDirection", "BIFLOW_DIRECTION" },
    [243] = { T_U, "dot1qVlanId", "DOT1Q_VLAN_ID" },
    [245] = { T_U, "dot1qCustomerVlanId", "DOT1Q_CUSTOMER_VLAN_ID" },
    [298] = { T_U, "initiatorPackets", "INITIATOR_PKTS" },
    [299] = { T_U, "responderPackets", "RESPONDER_PKTS" },
    [302] = { T_U, "selectorId", "SELECTOR_ID" },
    [304] = { T_U, "selectorAlgorithm", "SELECTOR_ALGORITHM" },
    [305] = { T_U, "samplingPacketInterval", "SAMPLING_PACKET_INTERVAL" },
    [306] = { T_U, "samplingPacketSpace", "SAMPLING_PACKET_SPACE" },
    [323] = { T_MS, "observationTimeMilliseconds", "OBSERVATION_TIME_MILLISECONDS" },
    [352] = { T_U, "layer2OctetDeltaCount", "LAYER2_OCTET_DELTA_COUNT" },
};

/* v9 options scope types (RFC 3954 section 6.1), for scope fields */
static const char *const scope_names[] = { NULL, "scopeSystem", "scopeInterface", "scopeLineCard",
                                           "scopeCache", "scopeTemplate" };

/* "0".."511": the nprobe profile's keys without formatting them per flow */
static char numkeys[IE_MAX][4];
static pthread_once_t numkeys_once = PTHREAD_ONCE_INIT;

static void numkeys_init(void)
{
    for (int i = 0; i < IE_MAX; i++) {
        snprintf(numkeys[i], sizeof numkeys[i], "%d", i);
    }
}

static uint64_t be_uint(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        v = (v << 8) | p[i];
    }
    return v;
}

/* ---- rendering ---- */

static const char hexd[] = "0123456789abcdef";

static void emit_hex(const struct nf_sink *sk, void *a, const char *key, int kc,
                     const uint8_t *p, size_t n)
{
    char stackbuf[256];
    char *s = n * 2 <= sizeof stackbuf ? stackbuf : malloc(n * 2 + 1);
    if (s == NULL) {
        sk->str(a, key, kc, "", 0);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        s[2 * i] = hexd[p[i] >> 4];
        s[2 * i + 1] = hexd[p[i] & 15];
    }
    sk->str(a, key, kc, s, n * 2);
    if (s != stackbuf) {
        free(s);
    }
}

/* NTP 64-bit timestamp to units (1e6 or 1e9) since the Unix epoch */
static int64_t ntp_to(const uint8_t *p, uint64_t units)
{
    uint64_t sec = be_uint(p, 4), frac = be_uint(p + 4, 4);
    int64_t s = (int64_t)sec - 2208988800LL;
    return s * (int64_t)units + (int64_t)((frac * units) >> 32);
}

static int64_t uptime_abs_ms(const struct nf_flow *fl, uint32_t t)
{
    if (fl->version == 10) {
        return fl->init_ms + (int64_t)t;
    }
    /* export time minus how long ago (in uptime) the event was; unsigned difference handles
     * the 49.7-day wrap of sysUptime */
    return fl->export_ms - (int64_t)(uint32_t)(fl->uptime_ms - t);
}

static int upt_known(const struct nf_flow *fl)
{
    return fl->version == 10 ? fl->init_valid : fl->uptime_valid;
}

void nf_render(const struct nf_flow *fl, enum nf_profile prof, const struct nf_sink *sk, void *a)
{
    uint64_t seen[IE_MAX / 64];
    memset(seen, 0, sizeof seen);
    int have_ms_start = 0, have_ms_end = 0, have_sampling = 0;
    int64_t upt_start = 0, upt_end = 0;
    int has_upt_start = 0, has_upt_end = 0;
    char kbuf[48];
    pthread_once(&numkeys_once, numkeys_init);

    for (size_t i = 0; i < fl->n; i++) {
        const struct nf_fval *f = &fl->f[i];
        const struct ie *ie = NULL;
        int dup = 0;
        if (f->pen == 0 && f->id < IE_MAX) {
            if (ies[f->id].iana != NULL) {
                ie = &ies[f->id];
            }
            uint64_t bit = 1ULL << (f->id & 63);
            if (seen[f->id >> 6] & bit) {
                for (size_t j = 0; j < i; j++) {
                    dup += fl->f[j].pen == 0 && fl->f[j].id == f->id;
                }
            }
            seen[f->id >> 6] |= bit;
        } else {
            for (size_t j = 0; j < i; j++) {
                dup += fl->f[j].pen == f->pen && fl->f[j].id == f->id;
            }
        }
        /* key: a constant string where possible (no formatting, and the JSON tree may keep
         * the pointer) */
        const char *key;
        int kc = 1;
        if (f->pen == NF_SCOPE_PEN) {
            const char *sn = f->id < 6 ? scope_names[f->id] : NULL;
            if (sn != NULL) {
                key = sn;
            } else {
                snprintf(kbuf, sizeof kbuf, "scope%u", f->id);
                key = kbuf;
                kc = 0;
            }
        } else if (f->pen != 0) {
            snprintf(kbuf, sizeof kbuf, "%u.%u", f->pen, f->id);
            key = kbuf;
            kc = 0;
        } else if (ie != NULL && prof == NF_PROFILE_IPFIX) {
            key = ie->iana;
        } else if (ie != NULL && prof == NF_PROFILE_LABELS) {
            key = ie->label;
        } else if (f->id < IE_MAX) {
            key = numkeys[f->id];
        } else {
            snprintf(kbuf, sizeof kbuf, "%u", f->id);
            key = kbuf;
            kc = 0;
        }
        if (dup > 0) {
            char tmp[sizeof kbuf];
            size_t kl = strlen(key);
            if (kl > sizeof tmp - 8) {
                kl = sizeof tmp - 8;
            }
            memcpy(tmp, key, kl);
            snprintf(tmp + kl, 8, "#%d", dup + 1 > 999999 ? 999999 : dup + 1);
            memcpy(kbuf, tmp, sizeof kbuf);
            key = kbuf;
            kc = 0;
        }
        if (f->pen == 0 && f->id == 152) have_ms_start = 1;
        if (f->pen == 0 && f->id == 153) have_ms_end = 1;
        if (f->pen == 0 && f->id == 34) have_sampling = 1;

        int type = ie != NULL ? ie->type : T_HEX;
        if (f->pen == NF_SCOPE_PEN) {
            type = f->len <= 8 ? T_U : T_HEX;
        }
        switch (type) {
        case T_U:
        case T_SEC:
        case T_MS:
            if (f->len >= 1 && f->len <= 8) {
                sk->num(a, key, kc, be_uint(f->p, f->len));
                continue;
            }
            break;
        case T_S:
            if (f->len >= 1 && f->len <= 8) {
                uint64_t v = be_uint(f->p, f->len);
                if (f->len < 8 && (v >> (f->len * 8 - 1)) & 1) {
                    v |= ~0ULL << (f->len * 8);
                }
                sk->snum(a, key, kc, (int64_t)v);
                continue;
            }
            break;
        case T_UPT:
            if (f->len >= 1 && f->len <= 4) {
                uint32_t t = (uint32_t)be_uint(f->p, f->len);
                if (f->id == 22) {
                    upt_start = t;
                    has_upt_start = 1;
                } else {
                    upt_end = t;
                    has_upt_end = 1;
                }
                if (prof != NF_PROFILE_IPFIX && upt_known(fl)) {
                    int64_t ms = uptime_abs_ms(fl, t);
                    sk->num(a, key, kc, (uint64_t)(ms >= 0 ? ms / 1000 : 0));
                } else {
                    sk->num(a, key, kc, t);
                }
                continue;
            }
            break;
        case T_US:
        case T_NS:
            if (f->len == 8) {
                sk->snum(a, key, kc, ntp_to(f->p, type == T_US ? 1000000u : 1000000000u));
                continue;
            }
            break;
        case T_F:
            if (f->len == 4 || f->len == 8) {
                double d;
                uint64_t v = be_uint(f->p, f->len);
                if (f->len == 4) {
                    uint32_t u = (uint32_t)v;
                    float fv;
                    memcpy(&fv, &u, 4);
                    d = fv;
                } else {
                    memcpy(&d, &v, 8);
                }
                sk->dbl(a, key, kc, d);
                continue;
            }
            break;
        case T_B:
            if (f->len == 1) {
                sk->boolean(a, key, kc, f->p[0] == 1);
                continue;
            }
            break;
        case T_V4:
            if (f->len == 4) {
                char s[INET_ADDRSTRLEN];
                inet_ntop(AF_INET, f->p, s, sizeof s);
                sk->str(a, key, kc, s, strlen(s));
                continue;
            }
            break;
        case T_V6:
            if (f->len == 16) {
                char s[INET6_ADDRSTRLEN];
                inet_ntop(AF_INET6, f->p, s, sizeof s);
                sk->str(a, key, kc, s, strlen(s));
                continue;
            }
            break;
        case T_MAC:
            if (f->len == 6) {
                char s[18];
                for (int k = 0; k < 6; k++) {
                    s[k * 3] = hexd[f->p[k] >> 4];
                    s[k * 3 + 1] = hexd[f->p[k] & 15];
                    s[k * 3 + 2] = ':';
                }
                sk->str(a, key, kc, s, 17);
                continue;
            }
            break;
        case T_STR: {
            size_t n = f->len;
            while (n > 0 && f->p[n - 1] == '\0') {
                n--;
            }
            sk->str(a, key, kc, (const char *)f->p, n);
            continue;
        }
        default:
            break;
        }
        emit_hex(sk, a, key, kc, f->p, f->len);
    }
    /* derived fields */
    if (upt_known(fl)) {
        if (has_upt_start && !have_ms_start) {
            int64_t ms = uptime_abs_ms(fl, (uint32_t)upt_start);
            sk->num(a, prof == NF_PROFILE_NPROBE ? "152"
                       : prof == NF_PROFILE_LABELS ? "FLOW_START_MILLISECONDS"
                                                   : "flowStartMilliseconds", 1,
                    (uint64_t)(ms > 0 ? ms : 0));
        }
        if (has_upt_end && !have_ms_end) {
            int64_t ms = uptime_abs_ms(fl, (uint32_t)upt_end);
            sk->num(a, prof == NF_PROFILE_NPROBE ? "153"
                       : prof == NF_PROFILE_LABELS ? "FLOW_END_MILLISECONDS"
                                                   : "flowEndMilliseconds", 1,
                    (uint64_t)(ms > 0 ? ms : 0));
        }
    }
    if (fl->sampling > 0 && !have_sampling) {
        sk->num(a, prof == NF_PROFILE_NPROBE ? "34"
                   : prof == NF_PROFILE_LABELS ? "SAMPLING_INTERVAL" : "samplingInterval", 1,
                fl->sampling);
    }
}

/* ---- the JSON text sink ---- */

static int jb_reserve(struct nf_jbuf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap) {
        return 0;
    }
    size_t nc = b->cap ? b->cap : 512;
    while (nc < b->len + extra + 1) {
        nc *= 2;
    }
    char *np = realloc(b->p, nc);
    if (np == NULL) {
        b->oom = 1;
        return -1;
    }
    b->p = np;
    b->cap = nc;
    return 0;
}

static void jb_key(struct nf_jbuf *b, const char *key)
{
    size_t kl = strlen(key);
    if (jb_reserve(b, kl + 4) != 0) {
        return;
    }
    if (b->n++ > 0) {
        b->p[b->len++] = ',';
    }
    b->p[b->len++] = '"';
    memcpy(b->p + b->len, key, kl);   /* keys are names and digits: nothing to escape */
    b->len += kl;
    b->p[b->len++] = '"';
    b->p[b->len++] = ':';
}

static void j_num(void *a, const char *key, int kc, uint64_t v)
{
    struct nf_jbuf *b = a;
    (void)kc;
    jb_key(b, key);
    if (jb_reserve(b, 24) == 0) {
        char t[24];
        int i = 24;
        do {
            t[--i] = (char)('0' + v % 10);
            v /= 10;
        } while (v != 0);
        memcpy(b->p + b->len, t + i, (size_t)(24 - i));
        b->len += (size_t)(24 - i);
    }
}

static void j_snum(void *a, const char *key, int kc, int64_t v)
{
    struct nf_jbuf *b = a;
    (void)kc;
    jb_key(b, key);
    if (jb_reserve(b, 24) == 0) {
        b->len += (size_t)snprintf(b->p + b->len, 24, "%lld", (long long)v);
    }
}

static void j_dbl(void *a, const char *key, int kc, double v)
{
    struct nf_jbuf *b = a;
    (void)kc;
    jb_key(b, key);
    if (jb_reserve(b, 32) == 0) {
        if (isfinite(v)) {
            b->len += (size_t)snprintf(b->p + b->len, 32, "%.17g", v);
        } else {
            memcpy(b->p + b->len, "null", 4);
            b->len += 4;
        }
    }
}

static void j_bool(void *a, const char *key, int kc, int v)
{
    struct nf_jbuf *b = a;
    (void)kc;
    jb_key(b, key);
    if (jb_reserve(b, 6) == 0) {
        const char *s = v ? "true" : "false";
        memcpy(b->p + b->len, s, strlen(s));
        b->len += strlen(s);
    }
}

/* Strings: JSON escapes; bytes >= 0x80 that are not valid UTF-8 become \u00XX (Latin-1). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t l = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
    if (l == 0 || l > n) {
        return 0;
    }
    for (size_t i = 1; i < l; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            return 0;
        }
    }
    return l;
}

static void j_str(void *a, const char *key, int kc, const char *s, size_t n)
{
    struct nf_jbuf *b = a;
    (void)kc;
    jb_key(b, key);
    if (jb_reserve(b, n * 6 + 2) != 0) {
        return;
    }
    b->p[b->len++] = '"';
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n; i++) {
        unsigned c = u[i];
        if (c == '"' || c == '\\') {
            b->p[b->len++] = '\\';
            b->p[b->len++] = (char)c;
        } else if (c < 0x20 || c == 0x7f) {
            b->len += (size_t)snprintf(b->p + b->len, 7, "\\u%04x", c);
        } else if (c < 0x80) {
            b->p[b->len++] = (char)c;
        } else {
            size_t l = utf8_len(u + i, n - i);
            if (l > 0) {
                memcpy(b->p + b->len, u + i, l);
                b->len += l;
                i += l - 1;
            } else {
                b->len += (size_t)snprintf(b->p + b->len, 7, "\\u%04x", c);
            }
        }
    }
    b->p[b->len++] = '"';
}

const struct nf_sink nf_json_sink = { j_num, j_snum, j_dbl, j_str, j_bool };

void nf_jbuf_reset(struct nf_jbuf *b)
{
    b->len = 0;
    b->n = 0;
    b->oom = 0;
}

void nf_jbuf_free(struct nf_jbuf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

int nf_json(const struct nf_flow *fl, enum nf_profile prof, struct nf_jbuf *b)
{
    nf_jbuf_reset(b);
    if (jb_reserve(b, 2) != 0) {
        return -1;
    }
    b->p[b->len++] = '{';
    nf_render(fl, prof, &nf_json_sink, b);
    if (jb_reserve(b, 2) != 0 || b->oom) {
        return -1;
    }
    b->p[b->len++] = '}';
    b->p[b->len] = '\0';
    return 0;
}
