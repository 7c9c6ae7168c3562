/* SPDX-License-Identifier: GPL-2.0 */
/*
 * balancer_structs.h - data layout shared by the l4lb XDP sample and the
 * user space that fills its maps: keys, values, flags, sizes and the
 * defaults of the compile-time feature switches.
 *
 * Everything here is part of the map ABI: changing a struct changes what
 * the control plane has to write.
 */
#ifndef BALANCER_STRUCTS_H
#define BALANCER_STRUCTS_H

#include <linux/bpf.h>

/*
 * Feature switches. Each one compiles a feature in (1) or out (0); build
 * with -DNAME=0 to drop it. They are tested with #if, not #ifdef, so that
 * the =0 form works.
 */
#ifndef ENABLE_GUE_DECAP
#define ENABLE_GUE_DECAP 1	/* strip GUE tunnels addressed to gue_port */
#endif
#ifndef ENABLE_IPIP_DECAP
#define ENABLE_IPIP_DECAP 1	/* strip IPIP / IP6IP6 tunnels */
#endif
#ifndef ENABLE_GUE_ENCAP
#define ENABLE_GUE_ENCAP 1	/* VIPs flagged F_VIP_GUE_ENCAP use GUE to reach reals */
#endif
#ifndef ENABLE_ICMP_TOO_BIG
#define ENABLE_ICMP_TOO_BIG 1	/* answer oversized packets with ICMP frag-needed / PTB */
#endif
#ifndef ENABLE_PERCPU_LRU
#define ENABLE_PERCPU_LRU 1	/* prefer a per-CPU connection table from lru_mapping */
#endif
#ifndef ENABLE_BACKEND_SCAN
#define ENABLE_BACKEND_SCAN 1	/* walk the ring past draining reals with bpf_loop */
#endif
#ifndef LB_STATS
#define LB_STATS 1		/* per-VIP and global counters in the stats map */
#endif
/* LB_DEBUG is different: define it (no value) to get bpf_printk traces. */

/* Sizes of the maps. */
#define MAX_VIPS		64
/* Prime, as Maglev-style ring building needs: each real's permutation hits all slots. */
#define CH_RING_SIZE		1021
#define CH_RINGS_SIZE		(MAX_VIPS * CH_RING_SIZE)
#define MAX_REALS		1024
#define DEFAULT_LRU_SIZE	65536
#define PERCPU_LRU_SIZE		8192
#define MAX_SUPPORTED_CPUS	128
#define CTL_MAP_SIZE		16

/* Largest frame we may send, Ethernet header included (1500 MTU + 14). */
#define MAX_PCKT_SIZE		1514
#define LB_TTL			64

/* IPv4 fragment bits of iphdr.frag_off (host order); the UAPI has none. */
#define LB_IP_DF		0x4000
#define LB_IP_MF		0x2000
#define LB_IP_OFFMASK		0x1fff

/* Bytes of the offending datagram quoted back in an ICMP error. */
#define ICMP_TOOBIG_V4_PAYLOAD	64
#define ICMP_TOOBIG_V6_PAYLOAD	128

/* Tunnel overheads, on top of the inner L3 packet. */
#define GUE_UDP_LEN		(sizeof(struct udphdr) + sizeof(struct guehdr))
#define IPIP_V4_OVERHEAD	(sizeof(struct iphdr))
#define IPIP_V6_OVERHEAD	(sizeof(struct ipv6hdr))
#define GUE_V4_OVERHEAD		(IPIP_V4_OVERHEAD + GUE_UDP_LEN)
#define GUE_V6_OVERHEAD		(IPIP_V6_OVERHEAD + GUE_UDP_LEN)
/* MTU to advertise so that the packet plus the tunnel fits MAX_PCKT_SIZE. */
#define TOOBIG_MTU(overhead)	(MAX_PCKT_SIZE - ETH_HLEN - (overhead))

/* vip_meta.flags */
#define F_VIP_HASH_NO_SRC_PORT	(1U << 0) /* pin a client, not a connection */
#define F_VIP_LRU_BYPASS	(1U << 1) /* no connection table for this VIP */
#define F_VIP_GUE_ENCAP		(1U << 2) /* reach reals through GUE, not IPIP */

/* real_definition.flags */
#define F_REAL_IPV6		(1U << 0)
#define F_REAL_DRAINING		(1U << 1) /* keeps old flows, takes no new ones */

/* packet_description.flags */
#define F_PKT_SYN		(1U << 0)
#define F_PKT_ICMP_ERR		(1U << 1) /* flow key taken from the quoted packet */

/* Internal verdict: not an XDP action, "keep going". */
#define LB_CONTINUE		(-1)

/* GUE (draft-ietf-intarea-gue) header fields in its first byte. */
#define GUE_VARIANT(b)		((b) >> 6)
#define GUE_IS_CONTROL(b)	((b) & 0x20)
#define GUE_HLEN_BYTES(b)	(((b) & 0x1f) << 2)

/*
 * Ring hashing: add/rotate/xor rounds over three words in the style of
 * Jenkins' lookup3 (rotations and finish are ours). Every input bit must
 * reach all three words before more words are added.
 */
#define LB_HASH_INIT		0x2545f491
#define LB_HASH_MULT		0x9e3779b1 /* Knuth's golden-ratio multiplier */
#define LB_ROL32(w, s)		(((w) << (s)) | ((w) >> (32 - (s))))

#define LB_MIX3(a, b, c)				\
	do {						\
		a -= c; a ^= LB_ROL32(c, 5);  c += b;	\
		b -= a; b ^= LB_ROL32(a, 7);  a += c;	\
		c -= b; c ^= LB_ROL32(b, 13); b += a;	\
		a -= c; a ^= LB_ROL32(c, 17); c += b;	\
		b -= a; b ^= LB_ROL32(a, 21); a += c;	\
		c -= b; c ^= LB_ROL32(b, 3);  b += a;	\
	} while (0)

/* Final avalanche into c; the multiply lifts low bits for the modulo. */
#define LB_FINAL3(a, b, c)				\
	do {						\
		c ^= b; c -= LB_ROL32(b, 11);		\
		a ^= c; a -= LB_ROL32(c, 23);		\
		b ^= a; b -= LB_ROL32(a, 6);		\
		c ^= b; c -= LB_ROL32(b, 15);		\
		c *= LB_HASH_MULT; c ^= c >> 16;	\
	} while (0)

/* Indexes into ctl_array. */
enum ctl_index {
	CTL_GW_MAC = 0,		/* next hop towards the reals */
	CTL_V4_ENCAP_SRC,	/* /16 prefix for outer IPv4 sources */
	CTL_V6_ENCAP_SRC,	/* /96 prefix for outer IPv6 sources */
	CTL__COUNT,
};

/* Global counters, stored after the per-VIP ones in the stats map. */
enum lb_stat_counter {
	LB_STAT_LRU_MISS = 0,
	LB_STAT_NO_REAL,
	LB_STAT_DRAIN_SKIP,
	LB_STAT_ICMP_TOOBIG,
	LB_STAT_GUE_DECAP,
	LB_STAT_GUE_MALFORMED,	/* seen by gue_decap_only, passed on anyway */
	LB_STAT_IPIP_DECAP,
	LB_STAT__COUNT,
};

#define STATS_MAP_SIZE		(MAX_VIPS + LB_STAT__COUNT)
#define LB_STAT_KEY(counter)	(MAX_VIPS + (counter))

/* Slots of the lb_progs program array. */
enum lb_prog_slot {
	LB_PROG_GUE_DECAP = 0,	/* gue_decap_only */
	LB_PROG__COUNT,
};

/*
 * A ring slot holds a real id; id 0 means "empty slot", so reals are
 * numbered from 1.
 */
typedef __u32 real_id_t;
typedef real_id_t ring_entry_t;

/* Connection identity. IPv4 addresses use the first word of the unions. */
struct flow_key {
	union {
		__be32 src;
		__be32 srcv6[4];
	};
	union {
		__be32 dst;
		__be32 dstv6[4];
	};
	union {
		__u32 ports;
		__be16 port16[2];	/* [0] source, [1] destination */
	};
	__u8 proto;
	__u8 pad[3];
};

/* vip_map key. port 0 stands for "every port of this address". */
struct vip_definition {
	union {
		__be32 vip;
		__be32 vipv6[4];
	};
	__be16 port;
	__u8 proto;
	__u8 pad;
};

struct vip_meta {
	__u32 flags;
	__u32 vip_num;		/* < MAX_VIPS: ring and stats index */
};

struct real_definition {
	union {
		__be32 dst;
		__be32 dstv6[4];
	};
	__u8 flags;
	__u8 pad[3];
};

/* Connection table value. */
struct real_pos_lru {
	real_id_t pos;
	__u32 pad;
	__u64 atime;		/* last use, ns; only UDP flows expire */
};

/* v1 = packets, v2 = bytes (global counters use v1 only). */
struct lb_stats {
	__u64 v1;
	__u64 v2;
};

struct ctl_value {
	union {
		__u64 value;
		__u32 ifindex;
		__u8 mac[6];
		__be32 addr6[4];
	};
};

/* What the parsers learned about one packet. */
struct packet_description {
	struct flow_key flow;
	real_id_t real_index;
	__u16 pkt_bytes;	/* L3 length from the IP header */
	__u8 flags;
	__u8 tos;
};

/* State shared with the bpf_loop callback that walks a ring. */
struct ring_probe_ctx {
	__u32 ring_base;
	__u32 start;
	real_id_t real_id;
	__u32 skipped;
};

/* GUE variant 0 base header; optional fields follow (hlen words). */
struct guehdr {
	__u8 ver_c_hlen;	/* version:2 control:1 hlen:5 */
	__u8 proto_ctype;	/* inner IP protocol for data packets */
	__be16 flags;
};

/* IPv6 pseudo header for the ICMPv6 checksum (RFC 8200 section 8.1). */
struct ipv6_pseudo_hdr {
	__be32 saddr[4];
	__be32 daddr[4];
	__be32 len;
	__u8 zero[3];
	__u8 nexthdr;
};

#endif /* BALANCER_STRUCTS_H */
