/* SPDX-License-Identifier: GPL-2.0 */
/*
 * firewall.h - map ABI of the tc-firewall sample: rule keys and values,
 * connection tracking and rate limiting state, counters, verdict codes and
 * the defaults of the compile-time feature switches.
 *
 * User space writes the rule maps; everything here is what it has to agree on.
 */
#ifndef FIREWALL_H
#define FIREWALL_H

#include <linux/bpf.h>
#include <linux/types.h>

/*
 * Feature switches: 1 compiles a feature in, 0 leaves it out. Tested with
 * #if, so -DNAME=0 works.
 */
#ifndef ENABLE_IPV6
#define ENABLE_IPV6 1		/* IPv6 rules and extension header walk */
#endif
#ifndef ENABLE_CONNTRACK
#define ENABLE_CONNTRACK 1	/* flow state: replies and established flows skip the rules */
#endif
#ifndef ENABLE_RATE_LIMIT
#define ENABLE_RATE_LIMIT 1	/* token bucket per source for rules flagged F_RULE_RATE_LIMIT */
#endif
#ifndef ENABLE_CLASSIFY
#define ENABLE_CLASSIFY 1	/* skb->mark and skb->tc_classid from the matching rule */
#endif
#ifndef FW_STATS
#define FW_STATS 1		/* per-rule and global counters */
#endif
/* FW_DEBUG: define it (no value) for bpf_printk traces. */

/* Sizes. A rule is one bit of a 64-bit set, so 64 rules at most. */
#define FW_MAX_RULES		64
#define FW_LPM_ENTRIES		4096
#define FW_PORT_ENTRIES		1024
#define FW_CT_ENTRIES		65536
#define FW_RL_ENTRIES		16384
#define FW_IPV6_MAX_EXT		6	/* extension headers walked before giving up */

/* IPv4 fragment bits of iphdr.frag_off, host order. */
#define FW_IP_MF		0x2000
#define FW_IP_OFFMASK		0x1fff

/* IPv6 extension headers we know how to skip (and the fragment header). */
#define FW_NEXTHDR_HOP		0
#define FW_NEXTHDR_ROUTING	43
#define FW_NEXTHDR_FRAGMENT	44
#define FW_NEXTHDR_AUTH		51
#define FW_NEXTHDR_NONE		59
#define FW_NEXTHDR_DEST		60

/* 802.1Q / 802.1ad; test-run and XDP see tags in the data, tc ingress does not. */
#define FW_ETH_P_8021Q		0x8100
#define FW_ETH_P_8021AD		0x88A8
#define FW_MAX_VLAN_TAGS	2

/*
 * What match_rule() returns when it has no rule id (ids are >= 0).
 */
#define FW_MATCH_NONE		(-1)	/* parsed fine, no rule matched */
#define FW_MATCH_MALFORMED	(-2)	/* truncated or inconsistent headers */
#define FW_MATCH_NOT_IP		(-3)	/* ARP and other ethertypes: not our business */

/* fw_rule.action */
enum fw_action {
	FW_ACTION_ALLOW = 0,
	FW_ACTION_DENY = 1,
};

/* fw_rule.flags */
#define F_RULE_NOTRACK		(1U << 0) /* allowed flows are not tracked (stateless rule) */
#define F_RULE_RATE_LIMIT	(1U << 1) /* token bucket per source: rate_pps, burst */
#define F_RULE_LOG		(1U << 2) /* bpf_printk when FW_DEBUG is defined */

/* fw_pkt.flags */
#define F_PKT_FRAGMENT		(1U << 0) /* a non-first fragment: no L4 header */
#define F_PKT_IPV6		(1U << 1)
#define F_PKT_HAS_PORTS		(1U << 2)

/* TCP flags as in the 14th byte of the header. */
#define FW_TCP_FIN		0x01
#define FW_TCP_SYN		0x02
#define FW_TCP_RST		0x04
#define FW_TCP_ACK		0x10

/* Direction of the program that sees the packet. */
enum fw_dir {
	FW_DIR_INGRESS = 0,
	FW_DIR_EGRESS = 1,
};

/* Connection tracking states. */
enum ct_state {
	CT_NEW = 1,		/* first packet seen, no reply yet */
	CT_ESTABLISHED = 2,	/* a reply was seen */
	CT_CLOSING = 3,		/* FIN seen in either direction */
};

/* What conntrack says about one packet. */
enum ct_verdict {
	CT_UNTRACKED = 0,	/* no entry: go through the rules */
	CT_ORIGINAL = 1,	/* more packets of a flow we allowed */
	CT_REPLY = 2,		/* the other direction of a flow we allowed */
	CT_INVALID = 3,		/* TCP without SYN and without an entry */
};

/*
 * Global counters, after the per-rule ones in fw_stats.
 */
enum fw_counter {
	FW_CNT_NO_MATCH = 0,	/* default policy applied */
	FW_CNT_MALFORMED,
	FW_CNT_NOT_IP,
	FW_CNT_FRAGMENT,
	FW_CNT_CT_HIT,
	FW_CNT_CT_NEW,
	FW_CNT_CT_INVALID,
	FW_CNT_RATE_LIMITED,
	FW_CNT__COUNT,
};

#define FW_STATS_SIZE		(FW_MAX_RULES + FW_CNT__COUNT)
#define FW_CNT_KEY(c)		(FW_MAX_RULES + (c))

/* Bit set of rules; bit n is rule n, lower n wins. */
typedef __u64 rule_set_t;

/*
 * LPM trie keys; prefixlen first, as the trie wants, then the address in
 * network order. Every entry holds the rules whose prefix covers it, so the
 * control plane ORs the sets of shorter covering prefixes into longer ones.
 */
struct lpm_v4_key {
	__u32 prefixlen;
	__be32 addr;
};

struct lpm_v6_key {
	__u32 prefixlen;
	__be32 addr[4];
};

/*
 * Port/protocol key. Looked up three times: (proto, port), (proto, 0) and
 * (0, 0); the sets are ORed, so "any port" and "any protocol" rules live in
 * the wildcard entries.
 */
struct port_key {
	__be16 port;		/* destination port, network order */
	__u8 proto;
	__u8 pad;
};

struct fw_rule {
	__u8 action;		/* enum fw_action */
	__u8 flags;		/* F_RULE_* */
	__u16 pad;
	__u32 mark;		/* skb->mark on allow, 0 = leave */
	__u32 classid;		/* skb->tc_classid on allow (major:minor), 0 = leave */
	__u32 rate_pps;		/* F_RULE_RATE_LIMIT: tokens per second */
	__u32 burst;		/* F_RULE_RATE_LIMIT: bucket depth */
	__u32 pad2;
};

/* One flow, in the direction of its first packet. */
struct ct_key {
	__be32 saddr[4];	/* IPv4 in [0], rest zero */
	__be32 daddr[4];
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 family;		/* 4 or 6 */
	__u16 pad;
};

struct ct_entry {
	__u64 last_seen_ns;
	__u8 state;		/* enum ct_state */
	__u8 seen_fin;		/* FIN directions: bit 0 original, bit 1 reply */
	__u16 rule_id;
	__u32 mark;		/* remembered from the rule that opened the flow */
	__u32 classid;
	__u32 pad;
	__u64 packets;
	__u64 bytes;
};

/* Rate limiting per (source, rule). */
struct rl_key {
	__be32 saddr[4];
	__u32 rule_id;
};

/* Tokens are scaled by FW_RL_SCALE so that refills below one token add up. */
#define FW_RL_SCALE		1000ULL
struct token_bucket {
	__u64 tokens;		/* scaled */
	__u64 last_ns;
};

struct fw_counters {
	__u64 packets;
	__u64 bytes;
};

/* An 802.1Q/802.1ad tag after the MAC addresses (the kernel's vlan_hdr is not UAPI). */
struct fw_vlan_hdr {
	__be16 tci;
	__be16 encap_proto;
};

/* Everything the parser learned about a packet. */
struct fw_pkt {
	__be32 saddr[4];
	__be32 daddr[4];
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 family;		/* 4 or 6 */
	__u8 tcp_flags;		/* FW_TCP_* */
	__u8 flags;		/* F_PKT_* */
	__u16 l3_off;		/* from the start of the frame */
	__u16 l4_off;
	__u32 len;		/* L3 length from the IP header */
};

#endif /* FIREWALL_H */
