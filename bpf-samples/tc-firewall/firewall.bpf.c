// SPDX-License-Identifier: GPL-2.0
/*
 * firewall.bpf.c - a stateful TC firewall and classifier, a bpfcarve sample.
 *
 * Attached with cls_bpf in direct-action mode (or tcx), once per direction:
 * fw_ingress filters what arrives, fw_egress what leaves. Each packet is parsed
 * (Ethernet, up to two VLAN tags, IPv4 with options, IPv6 with its extension
 * headers, TCP/UDP ports, ICMP types) and then
 *
 *   1. looked up in the connection table: packets of a flow that was allowed
 *      before, in either direction, pass without touching the rules;
 *   2. classified by the rules: three lookups (source prefix, destination prefix,
 *      protocol/port) each give a set of rules, and the lowest rule in all three
 *      sets wins (a bit-vector classifier: one lookup per dimension, whatever the
 *      number of rules);
 *   3. rate limited, for rules that ask for it, with a token bucket per source;
 *   4. tracked: an allowed first packet opens a flow;
 *   5. marked: skb->mark and skb->tc_classid take the rule's values, so that
 *      routing rules, iptables and classful qdiscs (HTB on egress) can act on them.
 *
 * Unmatched packets get default_policy. Feature switches and the map ABI are in
 * firewall.h. match_rule() is the parse-and-classify core alone: it takes only
 * data/data_end and maps, so an XDP program can use it as is.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/in.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/icmp.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "firewall.h"

#ifdef FW_DEBUG
#define fw_dbg(fmt, ...) bpf_printk("fw: " fmt, ##__VA_ARGS__)
#else
#define fw_dbg(fmt, ...) do { } while (0)
#endif

/* Largest L4 offset we accept: IPv6 with a few extension headers fits easily. */
#define FW_MAX_L4_OFF		512

/* ---- maps ---------------------------------------------------------------- */

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, FW_LPM_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct lpm_v4_key);
	__type(value, rule_set_t);
} src_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, FW_LPM_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct lpm_v4_key);
	__type(value, rule_set_t);
} dst_v4 SEC(".maps");

#if ENABLE_IPV6
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, FW_LPM_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct lpm_v6_key);
	__type(value, rule_set_t);
} src_v6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, FW_LPM_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct lpm_v6_key);
	__type(value, rule_set_t);
} dst_v6 SEC(".maps");
#endif

/* (proto, destination port) -> rules; see struct port_key for the wildcards. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FW_PORT_ENTRIES);
	__type(key, struct port_key);
	__type(value, rule_set_t);
} port_rules SEC(".maps");

/* Rule id -> action, flags, classification and rate. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FW_MAX_RULES);
	__type(key, __u32);
	__type(value, struct fw_rule);
} rules SEC(".maps");

#if ENABLE_CONNTRACK
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FW_CT_ENTRIES);
	__type(key, struct ct_key);
	__type(value, struct ct_entry);
} conntrack SEC(".maps");
#endif

#if ENABLE_RATE_LIMIT
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FW_RL_ENTRIES);
	__type(key, struct rl_key);
	__type(value, struct token_bucket);
} rate_limit SEC(".maps");
#endif

#if FW_STATS
/* Rule id -> hits of that rule; FW_CNT_KEY(counter) -> global counters. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FW_STATS_SIZE);
	__type(key, __u32);
	__type(value, struct fw_counters);
} fw_stats SEC(".maps");
#endif

/* ---- load-time knobs and globals ------------------------------------------ */

/* Verdict for packets no rule matches (enum fw_action). */
const volatile __u8 default_policy = FW_ACTION_ALLOW;
/* Drop TCP segments without SYN that belong to no tracked flow. */
const volatile __u8 ct_drop_invalid = 1;
/* Drop non-first fragments instead of matching them on addresses and protocol. */
const volatile __u8 drop_fragments = 0;

const volatile __u64 ct_timeout_new_ns = 30ULL * 1000000000ULL;
const volatile __u64 ct_timeout_established_ns = 3600ULL * 1000000000ULL;
const volatile __u64 ct_timeout_udp_ns = 60ULL * 1000000000ULL;
const volatile __u64 ct_timeout_closing_ns = 10ULL * 1000000000ULL;

/*
 * Rules that apply in each direction (enum fw_dir), ANDed with the lookup result:
 * the control plane clears a rule's bit to make it ingress- or egress-only.
 */
rule_set_t dir_rules[2] = { ~0ULL, ~0ULL };

/* Drops since load, both directions: cheap to read without summing per-CPU stats. */
__u64 fw_dropped;

/* ---- counters ------------------------------------------------------------- */

static __always_inline void stats_add(__u32 key, __u32 bytes)
{
#if FW_STATS
	struct fw_counters *c = bpf_map_lookup_elem(&fw_stats, &key);

	if (c) {
		c->packets += 1;
		c->bytes += bytes;
	}
#else
	(void)key;
	(void)bytes;
#endif
}

#define fw_count(counter, bytes) stats_add(FW_CNT_KEY(counter), (bytes))

/* ---- parsing (data/data_end only: usable from XDP as is) ------------------ */

/* Ethernet and up to FW_MAX_VLAN_TAGS tags; returns the L3 offset or -1. */
static __always_inline int parse_l2(void *data, void *data_end, __u16 *eth_proto)
{
	struct ethhdr *eth = data;
	struct fw_vlan_hdr *vlan;
	int off = sizeof(*eth);

	if ((void *)(eth + 1) > data_end)
		return -1;
	*eth_proto = bpf_ntohs(eth->h_proto);
	/* Real tc ingress has untagged the outer tag already; XDP and test-run have not. */
#pragma clang loop unroll(full)
	for (int i = 0; i < FW_MAX_VLAN_TAGS; i++) {
		if (*eth_proto != FW_ETH_P_8021Q && *eth_proto != FW_ETH_P_8021AD)
			break;
		vlan = data + off;
		if ((void *)(vlan + 1) > data_end)
			return -1;
		*eth_proto = bpf_ntohs(vlan->encap_proto);
		off += sizeof(*vlan);
	}
	return off;
}

static __always_inline int parse_ipv4(void *data, void *data_end, __u32 off, struct fw_pkt *pkt)
{
	struct iphdr *iph = data + off;
	__u32 hlen;

	if ((void *)(iph + 1) > data_end)
		return FW_MATCH_MALFORMED;
	if (iph->version != 4 || iph->ihl < 5)
		return FW_MATCH_MALFORMED;
	hlen = iph->ihl * 4;
	if (data + off + hlen > data_end || bpf_ntohs(iph->tot_len) < hlen)
		return FW_MATCH_MALFORMED;

	pkt->family = 4;
	pkt->proto = iph->protocol;
	pkt->saddr[0] = iph->saddr;
	pkt->daddr[0] = iph->daddr;
	pkt->len = bpf_ntohs(iph->tot_len);
	pkt->l3_off = off;
	pkt->l4_off = off + hlen;
	/* Only the first fragment carries the L4 header. */
	if (iph->frag_off & bpf_htons(FW_IP_OFFMASK))
		pkt->flags |= F_PKT_FRAGMENT;
	return 0;
}

#if ENABLE_IPV6
/*
 * IPv6 header and the extension headers in front of the transport header. The
 * upper-layer protocol ends up in pkt->proto; a non-first fragment sets
 * F_PKT_FRAGMENT. A chain longer than FW_IPV6_MAX_EXT is malformed to us.
 */
static __always_inline int parse_ipv6(void *data, void *data_end, __u32 off, struct fw_pkt *pkt)
{
	struct ipv6hdr *ip6h = data + off;
	__u8 nexthdr;

	if ((void *)(ip6h + 1) > data_end || ip6h->version != 6)
		return FW_MATCH_MALFORMED;

	pkt->family = 6;
	pkt->flags |= F_PKT_IPV6;
	__builtin_memcpy(pkt->saddr, &ip6h->saddr, sizeof(pkt->saddr));
	__builtin_memcpy(pkt->daddr, &ip6h->daddr, sizeof(pkt->daddr));
	pkt->len = bpf_ntohs(ip6h->payload_len) + sizeof(*ip6h);
	pkt->l3_off = off;
	nexthdr = ip6h->nexthdr;
	off += sizeof(*ip6h);

#pragma clang loop unroll(full)
	for (int i = 0; i < FW_IPV6_MAX_EXT; i++) {
		__u8 *ext = data + off;

		if (nexthdr != FW_NEXTHDR_HOP && nexthdr != FW_NEXTHDR_ROUTING &&
		    nexthdr != FW_NEXTHDR_DEST && nexthdr != FW_NEXTHDR_FRAGMENT &&
		    nexthdr != FW_NEXTHDR_AUTH)
			break;
		if ((void *)(ext + 8) > data_end)
			return FW_MATCH_MALFORMED;
		if (nexthdr == FW_NEXTHDR_FRAGMENT) {
			/* Fragment offset: the upper 13 bits of bytes 2-3. */
			if ((ext[2] << 8 | ext[3]) & 0xfff8)
				pkt->flags |= F_PKT_FRAGMENT;
			off += 8;
		} else if (nexthdr == FW_NEXTHDR_AUTH) {
			off += (ext[1] + 2) * 4;
		} else {
			off += (ext[1] + 1) * 8;
		}
		nexthdr = ext[0];
		if (off > FW_MAX_L4_OFF)
			return FW_MATCH_MALFORMED;
	}
	/* Still an extension header: a chain too long to follow. */
	if (nexthdr == FW_NEXTHDR_HOP || nexthdr == FW_NEXTHDR_ROUTING ||
	    nexthdr == FW_NEXTHDR_DEST || nexthdr == FW_NEXTHDR_FRAGMENT ||
	    nexthdr == FW_NEXTHDR_AUTH)
		return FW_MATCH_MALFORMED;
	pkt->proto = nexthdr;
	pkt->l4_off = off;
	return 0;
}
#endif /* ENABLE_IPV6 */

/*
 * Ports, TCP flags, ICMP type. For ICMP and ICMPv6 the type goes in dport, so
 * port rules with the ICMP protocol match message types (echo request is 8/128).
 */
static __always_inline int parse_l4(void *data, void *data_end, struct fw_pkt *pkt)
{
	__u32 off = pkt->l4_off;
	struct tcphdr *tcp;
	struct udphdr *udp;
	__be16 *ports;
	__u8 *icmp;

	if (pkt->flags & F_PKT_FRAGMENT)
		return 0;
	if (off > FW_MAX_L4_OFF)
		return FW_MATCH_MALFORMED;
	/* One pointer for all cases: TCP and UDP both start with the two ports. */
	ports = data + off;
	tcp = (void *)ports;
	udp = (void *)ports;
	icmp = (void *)ports;

	switch (pkt->proto) {
	case IPPROTO_TCP:
		if ((void *)(tcp + 1) > data_end || tcp->doff < 5)
			return FW_MATCH_MALFORMED;
		pkt->tcp_flags = ((__u8 *)tcp)[13];
		break;
	case IPPROTO_UDP:
		if ((void *)(udp + 1) > data_end || bpf_ntohs(udp->len) < sizeof(*udp))
			return FW_MATCH_MALFORMED;
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if ((void *)(icmp + 4) > data_end)
			return FW_MATCH_MALFORMED;
		pkt->dport = bpf_htons(icmp[0]);
		return 0;
	default:
		return 0;
	}
	pkt->sport = ports[0];
	pkt->dport = ports[1];
	pkt->flags |= F_PKT_HAS_PORTS;
	return 0;
}

/* Fills pkt; 0, FW_MATCH_NOT_IP or FW_MATCH_MALFORMED. */
static __always_inline int parse_packet(void *data, void *data_end, struct fw_pkt *pkt)
{
	__u16 eth_proto = 0;
	int off, ret;

	off = parse_l2(data, data_end, &eth_proto);
	if (off < 0)
		return FW_MATCH_MALFORMED;
	if (eth_proto == ETH_P_IP)
		ret = parse_ipv4(data, data_end, off, pkt);
#if ENABLE_IPV6
	else if (eth_proto == ETH_P_IPV6)
		ret = parse_ipv6(data, data_end, off, pkt);
#endif
	else
		return FW_MATCH_NOT_IP;
	if (ret)
		return ret;
	return parse_l4(data, data_end, pkt);
}

/* ---- rule classification --------------------------------------------------- */

/* Index of the lowest set bit of a non-empty set: the winning rule. */
static __always_inline int rule_set_first(rule_set_t set)
{
	int n = 0;

	if (!(set & 0xffffffffULL)) {
		n += 32;
		set >>= 32;
	}
	if (!(set & 0xffff)) {
		n += 16;
		set >>= 16;
	}
	if (!(set & 0xff)) {
		n += 8;
		set >>= 8;
	}
	if (!(set & 0xf)) {
		n += 4;
		set >>= 4;
	}
	if (!(set & 0x3)) {
		n += 2;
		set >>= 2;
	}
	if (!(set & 0x1))
		n += 1;
	return n;
}

static __always_inline rule_set_t lpm_rules(void *trie, void *key)
{
	rule_set_t *set = bpf_map_lookup_elem(trie, key);

	return set ? *set : 0;
}

/* Rules for the addresses, both dimensions ANDed. */
static __always_inline rule_set_t addr_rules(const struct fw_pkt *pkt)
{
	rule_set_t set;

#if ENABLE_IPV6
	if (pkt->family == 6) {
		struct lpm_v6_key k6 = { .prefixlen = 128 };

		__builtin_memcpy(k6.addr, pkt->saddr, sizeof(k6.addr));
		set = lpm_rules(&src_v6, &k6);
		if (!set)
			return 0;
		__builtin_memcpy(k6.addr, pkt->daddr, sizeof(k6.addr));
		return set & lpm_rules(&dst_v6, &k6);
	}
#endif
	struct lpm_v4_key k4 = { .prefixlen = 32, .addr = pkt->saddr[0] };

	set = lpm_rules(&src_v4, &k4);
	if (!set)
		return 0;
	k4.addr = pkt->daddr[0];
	return set & lpm_rules(&dst_v4, &k4);
}

/* Rules for protocol and port: exact, any port of the protocol, any protocol. */
static __always_inline rule_set_t proto_port_rules(__u8 proto, __be16 port)
{
	struct port_key key = { .port = port, .proto = proto };
	rule_set_t set = 0, *v;

	v = bpf_map_lookup_elem(&port_rules, &key);
	if (v)
		set |= *v;
	if (port) {
		key.port = 0;
		v = bpf_map_lookup_elem(&port_rules, &key);
		if (v)
			set |= *v;
	}
	key.proto = 0;
	key.port = 0;
	v = bpf_map_lookup_elem(&port_rules, &key);
	if (v)
		set |= *v;
	return set;
}

/* The winning rule among those in candidates for a parsed packet, or FW_MATCH_NONE. */
static __always_inline int lookup_rule(const struct fw_pkt *pkt, rule_set_t candidates)
{
	rule_set_t set = addr_rules(pkt) & candidates;

	if (!set)
		return FW_MATCH_NONE;
	set &= proto_port_rules(pkt->proto, pkt->dport);
	if (!set)
		return FW_MATCH_NONE;
	return rule_set_first(set);
}

#if ENABLE_CLASSIFY
/*
 * Parse a frame and classify it: the rule id, or FW_MATCH_NONE, FW_MATCH_NOT_IP,
 * FW_MATCH_MALFORMED. No context, no skb: the same code runs at XDP. Every rule
 * is a candidate. (Under ENABLE_CLASSIFY only because tc_classifier is its user.)
 */
static __always_inline int match_rule(void *data, void *data_end, struct fw_pkt *pkt)
{
	int ret = parse_packet(data, data_end, pkt);

	if (ret)
		return ret;
	return lookup_rule(pkt, ~0ULL);
}
#endif

/* ---- rate limiting --------------------------------------------------------- */

#if ENABLE_RATE_LIMIT
/*
 * Token bucket per (source, rule): rate_pps tokens a second, at most burst; a
 * packet takes one. Not atomic: two CPUs may both take the last token, which
 * lets a packet or two more through under contention, never fewer.
 */
static __always_inline int rl_allow(const struct fw_pkt *pkt, __u32 rule_id,
				    const struct fw_rule *rule, __u64 now)
{
	struct rl_key key = { .rule_id = rule_id };
	__u64 max = (__u64)rule->burst * FW_RL_SCALE;
	struct token_bucket *tb, fresh;
	__u64 elapsed, fill_ns;

	if (!rule->rate_pps || !rule->burst)
		return 1;
	__builtin_memcpy(key.saddr, pkt->saddr, sizeof(key.saddr));
	tb = bpf_map_lookup_elem(&rate_limit, &key);
	if (!tb) {
		/* A new source starts with a full bucket, minus this packet. */
		fresh.tokens = max - FW_RL_SCALE;
		fresh.last_ns = now;
		bpf_map_update_elem(&rate_limit, &key, &fresh, BPF_ANY);
		return 1;
	}
	elapsed = now - tb->last_ns;
	/* Time to fill an empty bucket; beyond it the bucket is simply full. */
	fill_ns = (__u64)rule->burst * 1000000000ULL / rule->rate_pps;
	if (elapsed >= fill_ns)
		tb->tokens = max;
	else
		/* elapsed * rate < burst * 1e9 here: no overflow before the division. */
		tb->tokens += elapsed * rule->rate_pps / (1000000000ULL / FW_RL_SCALE);
	if (tb->tokens > max)
		tb->tokens = max;
	tb->last_ns = now;
	if (tb->tokens < FW_RL_SCALE)
		return 0;
	tb->tokens -= FW_RL_SCALE;
	return 1;
}
#endif /* ENABLE_RATE_LIMIT */

/* ---- connection tracking --------------------------------------------------- */

#if ENABLE_CONNTRACK
static __always_inline void ct_key_of(const struct fw_pkt *pkt, struct ct_key *key, int reply)
{
	if (reply) {
		__builtin_memcpy(key->saddr, pkt->daddr, sizeof(key->saddr));
		__builtin_memcpy(key->daddr, pkt->saddr, sizeof(key->daddr));
		key->sport = pkt->dport;
		key->dport = pkt->sport;
	} else {
		__builtin_memcpy(key->saddr, pkt->saddr, sizeof(key->saddr));
		__builtin_memcpy(key->daddr, pkt->daddr, sizeof(key->daddr));
		key->sport = pkt->sport;
		key->dport = pkt->dport;
	}
	key->proto = pkt->proto;
	key->family = pkt->family;
}

static __always_inline int ct_trackable(const struct fw_pkt *pkt)
{
	return (pkt->proto == IPPROTO_TCP || pkt->proto == IPPROTO_UDP) &&
	       (pkt->flags & F_PKT_HAS_PORTS);
}

static __always_inline __u64 ct_timeout(const struct ct_entry *e, __u8 proto)
{
	if (e->state == CT_CLOSING)
		return ct_timeout_closing_ns;
	if (proto == IPPROTO_UDP)
		return ct_timeout_udp_ns;
	return e->state == CT_ESTABLISHED ? ct_timeout_established_ns : ct_timeout_new_ns;
}

/* Advance the state of a flow with one of its packets; 1 if the flow ends here. */
static __always_inline int ct_advance(struct ct_entry *e, const struct fw_pkt *pkt, int reply,
				      __u64 now)
{
	e->last_seen_ns = now;
	__sync_fetch_and_add(&e->packets, 1);
	__sync_fetch_and_add(&e->bytes, pkt->len);
	if (reply && e->state == CT_NEW)
		e->state = CT_ESTABLISHED;
	if (pkt->proto != IPPROTO_TCP)
		return 0;
	if (pkt->tcp_flags & FW_TCP_RST)
		return 1;
	if (pkt->tcp_flags & FW_TCP_FIN) {
		e->seen_fin |= reply ? 2 : 1;
		e->state = CT_CLOSING;
	}
	return 0;
}

/*
 * Look the packet's flow up in both directions. On a hit, *entry points at the
 * flow (NULL if the packet ended it) and the result says which direction it is.
 */
static __always_inline int ct_lookup(const struct fw_pkt *pkt, __u64 now, struct ct_entry **entry)
{
	struct ct_key key = {};
	struct ct_entry *e;
	int reply = 0;

	*entry = NULL;
	if (!ct_trackable(pkt))
		return CT_UNTRACKED;
	ct_key_of(pkt, &key, 0);
	e = bpf_map_lookup_elem(&conntrack, &key);
	if (!e) {
		reply = 1;
		ct_key_of(pkt, &key, 1);
		e = bpf_map_lookup_elem(&conntrack, &key);
	}
	if (e && now - e->last_seen_ns > ct_timeout(e, pkt->proto)) {
		bpf_map_delete_elem(&conntrack, &key);
		e = NULL;
	}
	if (!e) {
		/* Mid-stream TCP: either we lost the state or someone probes us. */
		if (pkt->proto == IPPROTO_TCP && !(pkt->tcp_flags & FW_TCP_SYN))
			return CT_INVALID;
		return CT_UNTRACKED;
	}
	if (ct_advance(e, pkt, reply, now))
		bpf_map_delete_elem(&conntrack, &key);
	else
		*entry = e;
	return reply ? CT_REPLY : CT_ORIGINAL;
}

/* Open a flow for an allowed first packet (a SYN without ACK, or UDP). */
static __always_inline void ct_create(const struct fw_pkt *pkt, __u32 rule_id, __u32 mark,
				      __u32 classid, __u64 now)
{
	struct ct_entry e = {
		.last_seen_ns = now,
		.state = CT_NEW,
		.rule_id = rule_id,
		.mark = mark,
		.classid = classid,
		.packets = 1,
		.bytes = pkt->len,
	};
	struct ct_key key = {};

	if (!ct_trackable(pkt))
		return;
	if (pkt->proto == IPPROTO_TCP &&
	    (pkt->tcp_flags & (FW_TCP_SYN | FW_TCP_ACK)) != FW_TCP_SYN)
		return;
	ct_key_of(pkt, &key, 0);
	if (!bpf_map_update_elem(&conntrack, &key, &e, BPF_NOEXIST))
		fw_count(FW_CNT_CT_NEW, 0);
}
#endif /* ENABLE_CONNTRACK */

/* ---- classification of the skb --------------------------------------------- */

#if ENABLE_CLASSIFY
/*
 * skb->mark feeds policy routing, iptables and later BPF programs; tc_classid
 * picks the class of a classful qdisc when the program is a direct-action
 * cls_bpf filter. XDP has neither.
 */
static __always_inline void classify_skb(struct __sk_buff *skb, __u32 mark, __u32 classid)
{
	if (mark)
		skb->mark = mark;
	if (classid)
		skb->tc_classid = classid;
}
#endif

/* ---- the pipeline ----------------------------------------------------------- */

static __always_inline int default_verdict(void)
{
	return default_policy == FW_ACTION_ALLOW ? TC_ACT_OK : TC_ACT_SHOT;
}

static __always_inline int fw_process(struct __sk_buff *skb, enum fw_dir dir)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	__u32 mark = 0, classid = 0, flags = 0;
	struct fw_pkt pkt = {};
	struct fw_rule *rule;
	int action = TC_ACT_OK;
#if ENABLE_CONNTRACK || ENABLE_RATE_LIMIT
	__u64 now = bpf_ktime_get_ns();
#endif
	__u32 rule_id;
	int ret;

	ret = parse_packet(data, data_end, &pkt);
	if (ret == FW_MATCH_NOT_IP) {
		fw_count(FW_CNT_NOT_IP, skb->len);
		return action;
	}
	if (ret == FW_MATCH_MALFORMED) {
		fw_count(FW_CNT_MALFORMED, skb->len);
		action = TC_ACT_SHOT;
		goto out;
	}
	if (pkt.flags & F_PKT_FRAGMENT) {
		fw_count(FW_CNT_FRAGMENT, pkt.len);
		if (drop_fragments) {
			action = TC_ACT_SHOT;
			goto out;
		}
	}

#if ENABLE_CONNTRACK
	struct ct_entry *flow;

	ret = ct_lookup(&pkt, now, &flow);
	if (ret == CT_ORIGINAL || ret == CT_REPLY) {
		fw_count(FW_CNT_CT_HIT, pkt.len);
		if (flow) {
			mark = flow->mark;
			classid = flow->classid;
		}
		goto allow;
	}
	if (ret == CT_INVALID) {
		fw_count(FW_CNT_CT_INVALID, pkt.len);
		if (ct_drop_invalid) {
			action = TC_ACT_SHOT;
			goto out;
		}
	}
#endif

	ret = lookup_rule(&pkt, dir_rules[dir & 1]);
	rule_id = ret;
	rule = ret >= 0 ? bpf_map_lookup_elem(&rules, &rule_id) : NULL;
	if (!rule) {
		fw_count(FW_CNT_NO_MATCH, pkt.len);
		action = default_verdict();
		rule_id = FW_MAX_RULES;	/* conntrack: opened by the default policy */
		if (action != TC_ACT_OK)
			goto out;
	} else {
		stats_add(rule_id, pkt.len);
		flags = rule->flags;
		if (flags & F_RULE_LOG)
			fw_dbg("rule %u action %u dir %d", rule_id, rule->action, dir);
		if (rule->action != FW_ACTION_ALLOW) {
			action = TC_ACT_SHOT;
			goto out;
		}
#if ENABLE_RATE_LIMIT
		/* Sources are remote only on ingress; egress is not limited. */
		if (dir == FW_DIR_INGRESS && (flags & F_RULE_RATE_LIMIT) &&
		    !rl_allow(&pkt, rule_id, rule, now)) {
			fw_count(FW_CNT_RATE_LIMITED, pkt.len);
			action = TC_ACT_SHOT;
			goto out;
		}
#endif
		mark = rule->mark;
		classid = rule->classid;
	}
#if ENABLE_CONNTRACK
	if (!(flags & F_RULE_NOTRACK))
		ct_create(&pkt, rule_id, mark, classid, now);
allow:
#endif
#if ENABLE_CLASSIFY
	classify_skb(skb, mark, classid);
#else
	(void)mark;
	(void)classid;
#endif
out:
	if (action == TC_ACT_SHOT)
		__sync_fetch_and_add(&fw_dropped, 1);
	return action;
}

SEC("tc")
int fw_ingress(struct __sk_buff *skb)
{
	return fw_process(skb, FW_DIR_INGRESS);
}

SEC("tc")
int fw_egress(struct __sk_buff *skb)
{
	return fw_process(skb, FW_DIR_EGRESS);
}

#if ENABLE_CLASSIFY
/*
 * Stateless classifier for a classful qdisc (HTB, say) on egress: the rules set
 * mark and class, their actions are ignored, nothing is dropped. Unmatched
 * packets go to the next filter of the chain (TC_ACT_UNSPEC), which may classify
 * them otherwise; the qdisc's default class gets them at the end.
 */
SEC("tc")
int tc_classifier(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct fw_pkt pkt = {};
	int verdict = TC_ACT_UNSPEC;
	struct fw_rule *rule;
	__u32 rule_id;
	int ret;

	ret = match_rule(data, data_end, &pkt);
	if (ret < 0)
		return verdict;
	rule_id = ret;
	rule = bpf_map_lookup_elem(&rules, &rule_id);
	if (rule && (rule->mark || rule->classid)) {
		classify_skb(skb, rule->mark, rule->classid);
		verdict = TC_ACT_OK;
	}
	return verdict;
}
#endif

char LICENSE[] SEC("license") = "GPL";
