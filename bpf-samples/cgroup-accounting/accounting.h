/* SPDX-License-Identifier: GPL-2.0 */
/*
 * accounting.h - map ABI of the cgroup-accounting sample: counter keys and
 * values, the quota record, the ring buffer event and the defaults of the
 * compile-time feature switches.
 */
#ifndef ACCOUNTING_H
#define ACCOUNTING_H

#include <linux/bpf.h>
#include <linux/types.h>

/* Feature switches: 1 in, 0 out; tested with #if, so -DNAME=0 works. */
#ifndef ENABLE_IPV6
#define ENABLE_IPV6 1		/* account IPv6 (extension headers are walked) */
#endif
#ifndef ENABLE_PROTO_STATS
#define ENABLE_PROTO_STATS 1	/* per cgroup, family and L4 protocol */
#endif
#ifndef ENABLE_PORT_STATS
#define ENABLE_PORT_STATS 1	/* per cgroup and remote port */
#endif
#ifndef ENABLE_QUOTA
#define ENABLE_QUOTA 1		/* byte quota per cgroup: egress over it is dropped */
#endif
#ifndef ENABLE_QUOTA_EVENTS
#define ENABLE_QUOTA_EVENTS 1	/* ring buffer event when a cgroup crosses a limit */
#endif
#ifndef ENABLE_LOCAL_STORAGE
#define ENABLE_LOCAL_STORAGE 1	/* per-attachment totals in cgroup local storage */
#endif
#ifndef ENABLE_SOCK_PORT
#define ENABLE_SOCK_PORT 1	/* remote port of fragments from the socket, not the packet */
#endif

/* Sizes. */
#define ACCT_MAX_CGROUPS	4096
#define ACCT_MAX_PROTO_KEYS	(ACCT_MAX_CGROUPS * 4)
#define ACCT_MAX_PORT_KEYS	65536
#define ACCT_EVENTS_BYTES	(256 * 1024)
#define ACCT_IPV6_MAX_EXT	4

/* Return codes of cgroup_skb programs (hooks.md section 2). */
#define CG_DROP			0
#define CG_PASS			1
#define CG_DROP_CN		2	/* egress only: drop, tell TCP it was congestion */
#define CG_PASS_CN		3	/* egress only: pass, with congestion notification */

/* The cgroup the quota map uses as the template for cgroups without an entry. */
#define QUOTA_DEFAULT_KEY	0

/* IPv4 fragment bits (host order) and IPv6 extension headers we skip. */
#define ACCT_IP_MF		0x2000
#define ACCT_IP_OFFMASK		0x1fff
#define ACCT_NEXTHDR_HOP	0
#define ACCT_NEXTHDR_ROUTING	43
#define ACCT_NEXTHDR_FRAGMENT	44
#define ACCT_NEXTHDR_DEST	60

enum acct_dir {
	ACCT_INGRESS = 0,
	ACCT_EGRESS = 1,
};

/* What the quota says about one packet. */
enum quota_verdict {
	QUOTA_OK = 0,
	QUOTA_SOFT = 1,		/* over the soft limit: pass with congestion notification */
	QUOTA_HARD = 2,		/* over the limit: drop */
};

/* quota.tripped: which limits this period has crossed already (one event each). */
#define QUOTA_TRIPPED_SOFT	(1U << 0)
#define QUOTA_TRIPPED_HARD	(1U << 1)

struct traffic_counters {
	__u64 packets[2];	/* by enum acct_dir */
	__u64 bytes[2];
};

struct proto_key {
	__u64 cgroup_id;
	__u8 family;		/* 4 or 6 */
	__u8 l4proto;
	__u8 dir;		/* enum acct_dir */
	__u8 pad[5];
};

/*
 * Remote port: the source port of what comes in, the destination port of what
 * goes out; the ICMP type for ICMP. Ports at or above ephemeral_port_floor are
 * folded into port 0 so that clients do not flood the table.
 */
struct port_key {
	__u64 cgroup_id;
	__u16 remote_port;	/* host order */
	__u8 l4proto;
	__u8 dir;
	__u32 pad;
};

struct pkt_counters {
	__u64 packets;
	__u64 bytes;
};

/*
 * Byte quota of a cgroup's egress traffic. A period of 0
 * never resets. Entry QUOTA_DEFAULT_KEY is copied for every cgroup that has no
 * entry of its own when it first sends.
 */
struct quota {
	struct bpf_spin_lock lock;
	__u32 tripped;		/* QUOTA_TRIPPED_* in this period */
	__u64 limit_bytes;	/* 0 = no hard limit */
	__u64 soft_limit_bytes;	/* 0 = no soft limit */
	__u64 period_ns;
	__u64 period_start_ns;
	__u64 used_bytes;
};

/* Ring buffer record: a cgroup crossed a limit. */
struct quota_event {
	__u64 cgroup_id;
	__u64 timestamp_ns;
	__u64 used_bytes;
	__u64 limit_bytes;
	__u32 kind;		/* QUOTA_SOFT or QUOTA_HARD */
	__u32 dir;
};

/* Per-attachment totals, in BPF_MAP_TYPE_CGROUP_STORAGE. */
struct cg_local_stats {
	__u64 packets;
	__u64 bytes;
	__u64 dropped;
};

/* What the parser learned; lengths are L3 lengths. */
struct flow_info {
	__u32 len;		/* skb->len: from the network header */
	__u16 sport;		/* host order */
	__u16 dport;
	__u8 family;
	__u8 l4proto;
	__u8 fragment;		/* a non-first fragment: no ports in the packet */
	__u8 pad;
};

#endif /* ACCOUNTING_H */
