// SPDX-License-Identifier: GPL-2.0
/*
 * balancer.bpf.c - an XDP layer-4 load balancer, the first bpfcarve sample.
 *
 * Packets for a virtual IP (VIP) go to one of its backends ("reals"), tunnelled
 * (IPIP/IP6IP6 or GUE) with XDP_TX; the real answers the client directly. A flow
 * sticks to its real through a connection table; new flows pick a real from a
 * per-VIP consistent-hashing ring, so adding or removing a real moves few flows.
 *
 * Side features, each behind a switch from balancer_structs.h: GUE and IPIP
 * decapsulation, ICMP "fragmentation needed" / "packet too big" for packets that no
 * longer fit once tunnelled, steering of ICMP errors to the real of their flow,
 * per-CPU connection tables in a map of maps, a bpf_loop walk of the ring past
 * draining reals, and per-VIP statistics.
 *
 * Entry points: balancer_ingress (everything) and gue_decap_only (the GUE
 * decapsulation alone, always XDP_PASS), which balancer_ingress tail-calls.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/in.h>
#include <linux/udp.h>
#include <linux/tcp.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "balancer_structs.h"

#if defined(ENABLE_PERCPU_LRU) && ENABLE_PERCPU_LRU
#define LB_USE_PERCPU_LRU
#endif

#ifdef LB_DEBUG
#define lb_dbg(fmt, ...) bpf_printk("l4lb: " fmt, ##__VA_ARGS__)
#else
#define lb_dbg(fmt, ...) do { } while (0)
#endif

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_VIPS);
	__type(key, struct vip_definition);
	__type(value, struct vip_meta);
} vip_map SEC(".maps");

/* MAX_VIPS rings of CH_RING_SIZE slots; ring n starts at n * CH_RING_SIZE. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CH_RINGS_SIZE);
	__type(key, __u32);
	__type(value, ring_entry_t);
} ch_rings SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_REALS);
	__type(key, __u32);
	__type(value, struct real_definition);
} reals SEC(".maps");

/* Shared connection table, for CPUs that have no table of their own. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, DEFAULT_LRU_SIZE);
	__type(key, struct flow_key);
	__type(value, struct real_pos_lru);
} fallback_lru SEC(".maps");

#ifdef LB_USE_PERCPU_LRU
struct lru_inner_map {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PERCPU_LRU_SIZE);
	__type(key, struct flow_key);
	__type(value, struct real_pos_lru);
};

/*
 * One connection table per CPU, installed by user space. RSS keeps a flow on one
 * CPU, so private tables spare the shared LRU's lock and cache line bouncing.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, MAX_SUPPORTED_CPUS);
	__type(key, __u32);
	__array(values, struct lru_inner_map);
} lru_mapping SEC(".maps");
#endif

#if LB_STATS
/* Index vip_num for a VIP, LB_STAT_KEY(counter) for the global counters. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, STATS_MAP_SIZE);
	__type(key, __u32);
	__type(value, struct lb_stats);
} stats SEC(".maps");
#endif

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CTL_MAP_SIZE);
	__type(key, __u32);
	__type(value, struct ctl_value);
} ctl_array SEC(".maps");

/* Load-time knobs: the verifier sees them as constants. */
const volatile __u16 gue_port = 6080;
const volatile __u32 max_ring_probes = 8;
const volatile __u64 udp_flow_timeout_ns = 30ULL * 1000000000ULL;

/* Writable, but flows outside the connection tables move when it changes. */
__u32 hash_seed = 0x5eed1b4c;

/* Total of stripped tunnels, readable without summing per-CPU stats. */
__u64 decapsulated_packets;

static __always_inline struct ctl_value *ctl_get(enum ctl_index idx)
{
	__u32 key = idx;

	return bpf_map_lookup_elem(&ctl_array, &key);
}

/* Packets and bytes for a VIP (key vip_num); global counters count packets only. */
static __always_inline void stats_update(__u32 key, __u32 bytes)
{
#if LB_STATS
	struct lb_stats *st = bpf_map_lookup_elem(&stats, &key);

	if (st) {
		st->v1 += 1;
		st->v2 += bytes;
	}
#endif
}

#define lb_count(counter) stats_update(LB_STAT_KEY(counter), 0)

/* Fold a one's complement partial sum into a final 16-bit checksum. */
static __always_inline __u16 csum_fold(__u64 sum)
{
#pragma clang loop unroll(full)
	for (int i = 0; i < 4; i++)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

static __always_inline void ipv4_set_csum(struct iphdr *iph)
{
	__u16 *word = (__u16 *)iph;
	__u32 sum = 0;

	iph->check = 0;
#pragma clang loop unroll(full)
	for (int i = 0; i < (int)(sizeof(*iph) >> 1); i++)
		sum += word[i];
	iph->check = csum_fold(sum);
}

/*
 * Hash of the client side of a flow: the VIP already chose the ring. IPv4 leaves
 * srcv6[1..3] zero, so one body serves both families. Out of line: it is big and
 * runs only on a connection table miss.
 */
static __attribute__((noinline)) __u32
flow_hash(const struct flow_key *flow, __u32 seed, __u32 vip_flags)
{
	__u32 sport = 0;
	__u32 a, b, c;

	if (!(vip_flags & F_VIP_HASH_NO_SRC_PORT))
		sport = flow->port16[0];
	a = LB_HASH_INIT + seed + flow->srcv6[0];
	b = LB_HASH_INIT + flow->srcv6[1];
	c = LB_HASH_INIT + flow->srcv6[2];
	LB_MIX3(a, b, c);
	a += flow->srcv6[3];
	b += sport;
	c += flow->proto;
	LB_FINAL3(a, b, c);
	return c;
}

/* Cheap entropy for outer headers, so that the real's NIC can spread tunnels. */
static __always_inline __u32 flow_entropy(const struct flow_key *flow)
{
	return flow->srcv6[0] ^ flow->srcv6[1] ^ flow->srcv6[2] ^ flow->srcv6[3] ^
	       flow->port16[0];
}

static __always_inline int parse_eth(void *data, void *data_end, __u16 *eth_proto)
{
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return -1;
	/* VLAN-tagged frames come out as ETH_P_8021Q and are left to the kernel. */
	*eth_proto = bpf_ntohs(eth->h_proto);
	return 0;
}

static __always_inline int parse_ipv4(void *data, void *data_end, __u32 nh_off,
				      struct packet_description *pckt, __u32 *l4_off)
{
	struct iphdr *iph = data + nh_off;
	__u32 ihl_len;

	if ((void *)(iph + 1) > data_end || iph->ihl < 5)
		return XDP_DROP;
	/* Options are skipped, not interpreted: they travel inside the tunnel. */
	ihl_len = iph->ihl * 4;
	if (data + nh_off + ihl_len > data_end)
		return XDP_DROP;
	/* Only a first fragment carries ports: the others cannot be hashed. */
	if (iph->frag_off & bpf_htons(LB_IP_MF | LB_IP_OFFMASK))
		return XDP_DROP;

	pckt->flow.proto = iph->protocol;
	pckt->flow.src = iph->saddr;
	pckt->flow.dst = iph->daddr;
	pckt->tos = iph->tos;
	pckt->pkt_bytes = bpf_ntohs(iph->tot_len);
	*l4_off = nh_off + ihl_len;
	return LB_CONTINUE;
}

static __always_inline int parse_ipv6(void *data, void *data_end, __u32 nh_off,
				      struct packet_description *pckt, __u32 *l4_off)
{
	struct ipv6hdr *ip6h = data + nh_off;

	if ((void *)(ip6h + 1) > data_end)
		return XDP_DROP;
	/* Extension headers are not walked; a fragment header would hide the ports. */
	if (ip6h->nexthdr == IPPROTO_FRAGMENT)
		return XDP_DROP;

	pckt->flow.proto = ip6h->nexthdr;
	__builtin_memcpy(pckt->flow.srcv6, &ip6h->saddr, sizeof(ip6h->saddr));
	__builtin_memcpy(pckt->flow.dstv6, &ip6h->daddr, sizeof(ip6h->daddr));
	pckt->tos = (ip6h->priority << 4) | (ip6h->flow_lbl[0] >> 4);
	pckt->pkt_bytes = bpf_ntohs(ip6h->payload_len) + sizeof(*ip6h);
	*l4_off = nh_off + sizeof(*ip6h);
	return LB_CONTINUE;
}

static __always_inline int parse_ports(void *data, void *data_end, __u32 l4_off,
				       struct packet_description *pckt)
{
	struct tcphdr *tcp = data + l4_off;
	__be16 *ports = data + l4_off;

	/* TCP and UDP both start with the source and destination ports. */
	if ((void *)(ports + 2) > data_end)
		return XDP_DROP;
	pckt->flow.port16[0] = ports[0];
	pckt->flow.port16[1] = ports[1];
	if (pckt->flow.proto == IPPROTO_TCP) {
		if ((void *)(tcp + 1) > data_end)
			return XDP_DROP;
		if (tcp->syn)
			pckt->flags |= F_PKT_SYN;
	}
	return LB_CONTINUE;
}

/*
 * An ICMP error about a VIP flow must reach the real that serves the flow, or path
 * MTU discovery breaks. The quoted packet went from the VIP to the client, so its
 * reversed tuple is the flow's key.
 */
static __always_inline int parse_icmp_v4(void *data, void *data_end, __u32 l4_off,
					 struct packet_description *pckt)
{
	struct icmphdr *icmp = data + l4_off;
	struct iphdr *quoted = (void *)(icmp + 1);
	__be16 *ports = (void *)(quoted + 1);

	if ((void *)(icmp + 1) > data_end)
		return XDP_DROP;
	/* Pings and the rest are the host's business. */
	if (icmp->type != ICMP_DEST_UNREACH && icmp->type != ICMP_TIME_EXCEEDED)
		return XDP_PASS;
	if ((void *)(ports + 2) > data_end)
		return XDP_DROP;
	/* Quoted options would move the ports; rare enough to leave to the host. */
	if (quoted->ihl != 5)
		return XDP_PASS;

	pckt->flow.proto = quoted->protocol;
	pckt->flow.src = quoted->daddr;
	pckt->flow.dst = quoted->saddr;
	pckt->flow.port16[0] = ports[1];
	pckt->flow.port16[1] = ports[0];
	pckt->flags |= F_PKT_ICMP_ERR;
	return LB_CONTINUE;
}

static __always_inline int parse_icmp_v6(void *data, void *data_end, __u32 l4_off,
					 struct packet_description *pckt)
{
	struct icmp6hdr *icmp6 = data + l4_off;
	struct ipv6hdr *quoted = (void *)(icmp6 + 1);
	__be16 *ports = (void *)(quoted + 1);

	if ((void *)(icmp6 + 1) > data_end)
		return XDP_DROP;
	/* The same for ICMPv6; pings, neighbour discovery and the rest are the host's. */
	if (icmp6->icmp6_type != ICMPV6_DEST_UNREACH && icmp6->icmp6_type != ICMPV6_PKT_TOOBIG &&
	    icmp6->icmp6_type != ICMPV6_TIME_EXCEED)
		return XDP_PASS;
	if ((void *)(ports + 2) > data_end)
		return XDP_DROP;

	__builtin_memcpy(pckt->flow.srcv6, &quoted->daddr, sizeof(quoted->daddr));
	__builtin_memcpy(pckt->flow.dstv6, &quoted->saddr, sizeof(quoted->saddr));
	pckt->flow.proto = quoted->nexthdr;
	pckt->flow.port16[0] = ports[1];
	pckt->flow.port16[1] = ports[0];
	pckt->flags |= F_PKT_ICMP_ERR;
	return LB_CONTINUE;
}

static __always_inline struct vip_meta *vip_lookup(const struct packet_description *pckt,
						   int is_ipv6)
{
	struct vip_definition vip = {};
	struct vip_meta *meta;

	if (is_ipv6)
		__builtin_memcpy(vip.vipv6, pckt->flow.dstv6, sizeof(vip.vipv6));
	else
		vip.vip = pckt->flow.dst;
	vip.port = pckt->flow.port16[1];
	vip.proto = pckt->flow.proto;

	meta = bpf_map_lookup_elem(&vip_map, &vip);
	if (meta)
		return meta;
	/* A port-0 entry makes the VIP serve every port. */
	vip.port = 0;
	return bpf_map_lookup_elem(&vip_map, &vip);
}

#if ENABLE_BACKEND_SCAN
static __always_inline int real_is_draining(const ring_entry_t *id)
{
	struct real_definition *real = bpf_map_lookup_elem(&reals, id);

	return real && (real->flags & F_REAL_DRAINING);
}

/* bpf_loop step over the next ring slot; returning 1 ends the walk. */
static long ring_probe_step(__u64 index, void *data)
{
	struct ring_probe_ctx *probe = data;
	ring_entry_t *entry;
	__u32 pos;

	pos = probe->ring_base + (probe->start + index + 1) % CH_RING_SIZE;
	entry = bpf_map_lookup_elem(&ch_rings, &pos);
	if (!entry || !*entry)
		return 0;
	if (real_is_draining(entry)) {
		probe->skipped++;
		return 0;
	}
	probe->real_id = *entry;
	return 1;
}

/*
 * The ring chose a draining real: take the next healthy one on the ring. Walking
 * the ring, rather than rehashing, keeps all LB instances in agreement.
 */
static __always_inline real_id_t ring_probe(__u32 ring_base, __u32 start, real_id_t draining)
{
	struct ring_probe_ctx probe = { .ring_base = ring_base, .start = start };

	bpf_loop(max_ring_probes, ring_probe_step, &probe, 0);
	if (probe.skipped)
		lb_count(LB_STAT_DRAIN_SKIP);
	/* If every candidate drains too, the draining real beats a drop. */
	return probe.real_id ? probe.real_id : draining;
}
#endif /* ENABLE_BACKEND_SCAN */

/* Consistent-hashing choice of a real; 0 when the ring slot is empty. */
static __always_inline real_id_t ring_pick(const struct packet_description *pckt,
					   const struct vip_meta *vip_info)
{
	__u32 hash = flow_hash(&pckt->flow, hash_seed, vip_info->flags);
	__u32 ring_base = vip_info->vip_num * CH_RING_SIZE;
	__u32 pos = ring_base + hash % CH_RING_SIZE;
	ring_entry_t *entry = bpf_map_lookup_elem(&ch_rings, &pos);

	if (!entry)
		return 0;
#if ENABLE_BACKEND_SCAN
	if (*entry && real_is_draining(entry))
		return ring_probe(ring_base, hash % CH_RING_SIZE, *entry);
#endif
	return *entry;
}

static __always_inline void *lru_for_this_cpu(void)
{
#ifdef LB_USE_PERCPU_LRU
	__u32 cpu = bpf_get_smp_processor_id();
	void *lru = bpf_map_lookup_elem(&lru_mapping, &cpu);

	if (lru)
		return lru;
#endif
	return &fallback_lru;
}

static __always_inline int lru_lookup(void *lru, struct packet_description *pckt, __u64 now)
{
	struct real_pos_lru *entry = bpf_map_lookup_elem(lru, &pckt->flow);

	if (!entry)
		return 0;
	if (pckt->flow.proto == IPPROTO_UDP) {
		/* UDP has no FIN: without a timeout a reused tuple would stick forever. */
		if (now - entry->atime > udp_flow_timeout_ns)
			return 0;
		entry->atime = now;
	}
	pckt->real_index = entry->pos;
	return 1;
}

static __always_inline void lru_update(void *lru, const struct packet_description *pckt,
				       __u64 now)
{
	struct real_pos_lru entry = { .pos = pckt->real_index, .atime = now };

	bpf_map_update_elem(lru, &pckt->flow, &entry, BPF_ANY);
}

/* Fills pckt->real_index; returns 0 when the VIP has no real to offer. */
static __always_inline int select_real(struct packet_description *pckt,
				       const struct vip_meta *vip_info)
{
	int use_lru = !(vip_info->flags & F_VIP_LRU_BYPASS);
	void *lru = lru_for_this_cpu();
	__u64 now = bpf_ktime_get_ns();

	/* A SYN opens a new connection: an entry for its tuple is stale. */
	if (use_lru && !(pckt->flags & F_PKT_SYN) && lru_lookup(lru, pckt, now))
		return 1;

	pckt->real_index = ring_pick(pckt, vip_info);
	if (!pckt->real_index)
		return 0;
	lb_count(LB_STAT_LRU_MISS);
	/* ICMP errors follow flows, they never create one. */
	if (use_lru && !(pckt->flags & F_PKT_ICMP_ERR))
		lru_update(lru, pckt, now);
	return 1;
}

/* Outer source: a configured prefix (/16 IPv4, /96 IPv6), client entropy below it. */
static __always_inline void encap_src(__be32 *saddr, const struct flow_key *flow, int v6)
{
	struct ctl_value *prefix = ctl_get(v6 ? CTL_V6_ENCAP_SRC : CTL_V4_ENCAP_SRC);
	__u32 entropy = flow_entropy(flow);
	struct ctl_value none = {};

	if (!prefix)
		prefix = &none;
	if (v6) {
		__builtin_memcpy(saddr, prefix->addr6, 3 * sizeof(__be32));
		saddr[3] = entropy;
	} else {
		saddr[0] = bpf_htonl((bpf_ntohl(prefix->addr6[0]) & 0xffff0000) |
				     (entropy & 0xffff));
	}
}

/*
 * Grow room bytes in front and write the Ethernet header, to the gateway since reals
 * are usually not on this segment. Returns where the outer headers go, or NULL.
 */
static __always_inline void *push_outer(struct xdp_md *ctx, __u32 room, __u16 eth_proto)
{
	struct ctl_value *gw = ctl_get(CTL_GW_MAC);
	struct ethhdr *eth, *old_eth;
	void *data, *data_end;

	if (!gw || bpf_xdp_adjust_head(ctx, 0 - (int)room))
		return NULL;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (data + ETH_HLEN + room > data_end)
		return NULL;
	eth = data;
	old_eth = data + room;
	/* Read the old header before the caller covers it with outer headers. */
	__builtin_memcpy(eth->h_source, old_eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, gw->mac, ETH_ALEN);
	eth->h_proto = bpf_htons(eth_proto);
	return data + ETH_HLEN;
}

static __always_inline void fill_outer_ipv4(struct iphdr *iph, __be32 saddr, __be32 daddr,
					    __u8 tos, __u8 proto, __u16 payload_len)
{
	iph->version = 4;
	iph->ihl = sizeof(*iph) >> 2;
	iph->tos = tos;
	iph->tot_len = bpf_htons(sizeof(*iph) + payload_len);
	iph->id = 0;
	/* Oversized packets were refused already; nothing may fragment. */
	iph->frag_off = bpf_htons(LB_IP_DF);
	iph->ttl = LB_TTL;
	iph->protocol = proto;
	iph->saddr = saddr;
	iph->daddr = daddr;
	ipv4_set_csum(iph);
}

static __always_inline void fill_outer_ipv6(struct ipv6hdr *ip6h, const __be32 *saddr,
					    const __be32 *daddr, __u8 tclass, __u32 entropy,
					    __u8 nexthdr, __u16 payload_len)
{
	ip6h->version = 6;
	ip6h->priority = tclass >> 4;
	/* RFC 6438: the flow label carries per-flow entropy for ECMP. */
	ip6h->flow_lbl[0] = ((tclass & 0xf) << 4) | ((entropy >> 16) & 0xf);
	ip6h->flow_lbl[1] = entropy >> 8;
	ip6h->flow_lbl[2] = entropy;
	ip6h->payload_len = bpf_htons(payload_len);
	ip6h->nexthdr = nexthdr;
	ip6h->hop_limit = LB_TTL;
	__builtin_memcpy(&ip6h->saddr, saddr, sizeof(ip6h->saddr));
	__builtin_memcpy(&ip6h->daddr, daddr, sizeof(ip6h->daddr));
}

/* IPIP or IP6IP6 (or 6in4 / 4in6): outer family from the real, inner from inner_proto. */
static __always_inline int ipip_encap(struct xdp_md *ctx, const struct real_definition *real,
				      const struct packet_description *pckt, __u8 inner_proto)
{
	__u32 entropy = flow_entropy(&pckt->flow);
	int v6 = real->flags & F_REAL_IPV6;
	__be32 saddr[4];
	void *outer;

	encap_src(saddr, &pckt->flow, v6);
	if (v6) {
		outer = push_outer(ctx, IPIP_V6_OVERHEAD, ETH_P_IPV6);
		if (!outer)
			return XDP_DROP;
		fill_outer_ipv6(outer, saddr, real->dstv6, pckt->tos, entropy, inner_proto,
				pckt->pkt_bytes);
	} else {
		outer = push_outer(ctx, IPIP_V4_OVERHEAD, ETH_P_IP);
		if (!outer)
			return XDP_DROP;
		fill_outer_ipv4(outer, saddr[0], real->dst, pckt->tos, inner_proto,
				pckt->pkt_bytes);
	}
	return XDP_TX;
}

#if ENABLE_GUE_ENCAP
static __always_inline void fill_gue(struct udphdr *udph, __u32 entropy, __u16 inner_len,
				     __u8 inner_proto)
{
	struct guehdr *gueh = (void *)(udph + 1);

	/* Receivers spread tunnels by UDP ports: entropy goes in the source port. */
	udph->source = bpf_htons(0xc000 | (entropy & 0x3fff));
	udph->dest = bpf_htons(gue_port);
	udph->len = bpf_htons(GUE_UDP_LEN + inner_len);
	/* Zero, as RFC 6935 allows tunnels over IPv6: a real sum must cover the payload. */
	udph->check = 0;
	gueh->ver_c_hlen = 0;		/* version 0, data message, no optional fields */
	gueh->proto_ctype = inner_proto;
	gueh->flags = 0;
}

/* GUE (variant 0) over UDP to gue_port, over IPv4 or IPv6 as the real has it. */
static __always_inline int gue_encap(struct xdp_md *ctx, const struct real_definition *real,
				     const struct packet_description *pckt, __u8 inner_proto)
{
	__u32 entropy = flow_entropy(&pckt->flow);
	__u16 udp_len = GUE_UDP_LEN + pckt->pkt_bytes;
	int v6 = real->flags & F_REAL_IPV6;
	struct ipv6hdr *ip6h;
	struct iphdr *iph;
	__be32 saddr[4];

	encap_src(saddr, &pckt->flow, v6);
	if (v6) {
		ip6h = push_outer(ctx, GUE_V6_OVERHEAD, ETH_P_IPV6);
		if (!ip6h)
			return XDP_DROP;
		fill_gue((void *)(ip6h + 1), entropy, pckt->pkt_bytes, inner_proto);
		fill_outer_ipv6(ip6h, saddr, real->dstv6, pckt->tos, entropy, IPPROTO_UDP,
				udp_len);
	} else {
		iph = push_outer(ctx, GUE_V4_OVERHEAD, ETH_P_IP);
		if (!iph)
			return XDP_DROP;
		fill_gue((void *)(iph + 1), entropy, pckt->pkt_bytes, inner_proto);
		fill_outer_ipv4(iph, saddr[0], real->dst, pckt->tos, IPPROTO_UDP, udp_len);
	}
	return XDP_TX;
}
#endif /* ENABLE_GUE_ENCAP */

static __always_inline __u32 encap_overhead(__u8 real_flags, __u32 vip_flags)
{
	int v6 = real_flags & F_REAL_IPV6;

#if ENABLE_GUE_ENCAP
	if (vip_flags & F_VIP_GUE_ENCAP)
		return v6 ? GUE_V6_OVERHEAD : GUE_V4_OVERHEAD;
#endif
	return v6 ? IPIP_V6_OVERHEAD : IPIP_V4_OVERHEAD;
}

#if ENABLE_GUE_DECAP || ENABLE_IPIP_DECAP
/*
 * Remove len bytes of tunnel headers after the Ethernet header, which moves up with
 * the inner ethertype; the MACs stay, the frame did arrive at us.
 */
static __attribute__((noinline)) int pop_outer_headers(struct xdp_md *ctx, __u32 len,
						       __be16 inner_eth_proto)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct ethhdr saved;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	__builtin_memcpy(&saved, eth, sizeof(saved));
	saved.h_proto = inner_eth_proto;
	if (bpf_xdp_adjust_head(ctx, (int)len))
		return XDP_DROP;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	__builtin_memcpy(eth, &saved, sizeof(*eth));
	__sync_fetch_and_add(&decapsulated_packets, 1);
	return XDP_PASS;
}
#endif

#if ENABLE_GUE_DECAP
/*
 * Inner ethertype of a GUE payload, or 0 if it is not a data packet we can strip;
 * *gue_len gets the length of the GUE header (0 for variant 1).
 */
static __always_inline __be16 gue_inner_proto(void *gue, void *data_end, __u32 *gue_len)
{
	struct guehdr *gueh = gue;
	__u8 *first = gue;
	__u8 ipproto = 0;

	if ((void *)(first + 1) > data_end)
		return 0;
	if (GUE_VARIANT(*first) == 1) {
		/* Variant 1 has no header: the IP version nibble tells the family. */
		*gue_len = 0;
		ipproto = (*first >> 4) == 4 ? IPPROTO_IPIP : (*first >> 4) == 6 ? IPPROTO_IPV6 : 0;
	} else if (GUE_VARIANT(*first) == 0) {
		/* Control messages are for the host's own GUE stack. */
		if ((void *)(gueh + 1) > data_end || GUE_IS_CONTROL(gueh->ver_c_hlen))
			return 0;
		*gue_len = sizeof(*gueh) + GUE_HLEN_BYTES(gueh->ver_c_hlen);
		ipproto = gueh->proto_ctype;
	}
	/* An inner header must follow, or the kernel would get a runt. */
	if (gue + *gue_len + sizeof(struct iphdr) > data_end)
		return 0;
	if (ipproto == IPPROTO_IPIP)
		return bpf_htons(ETH_P_IP);
	return ipproto == IPPROTO_IPV6 ? bpf_htons(ETH_P_IPV6) : 0;
}

/* What both GUE decaps share, from the outer UDP header on. */
static __always_inline int gue_strip(struct xdp_md *ctx, struct udphdr *udph, void *data_end,
				     __u32 outer_len)
{
	__u32 gue_len = 0;
	__be16 inner;
	int action;

	if ((void *)(udph + 1) > data_end)
		return XDP_DROP;
	if (udph->dest != bpf_htons(gue_port))
		return XDP_PASS;
	inner = gue_inner_proto(udph + 1, data_end, &gue_len);
	if (!inner)
		return XDP_PASS;
	action = pop_outer_headers(ctx, outer_len + sizeof(*udph) + gue_len, inner);
	if (action == XDP_PASS)
		lb_count(LB_STAT_GUE_DECAP);
	lb_dbg("gue decap: %d", action);
	return action;
}

/* Ethernet/IPv4/UDP(gue_port)/GUE/inner to Ethernet/inner; XDP_DROP if malformed. */
static __always_inline int gue_decap_v4(struct xdp_md *ctx, __u32 nh_off)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct iphdr *outer = data + nh_off;
	__u32 outer_len;

	if ((void *)(outer + 1) > data_end)
		return XDP_DROP;
	outer_len = outer->ihl * 4;
	if (outer_len < sizeof(*outer) || outer->protocol != IPPROTO_UDP)
		return XDP_PASS;
	/* A fragment cannot be stripped alone; the kernel reassembles it first. */
	if (outer->frag_off & bpf_htons(LB_IP_MF | LB_IP_OFFMASK))
		return XDP_PASS;
	return gue_strip(ctx, (void *)outer + outer_len, data_end, outer_len);
}

/* The same behind IPv6; extension headers are not walked. */
static __always_inline int gue_decap_v6(struct xdp_md *ctx, __u32 nh_off)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ipv6hdr *outer = data + nh_off;

	if ((void *)(outer + 1) > data_end)
		return XDP_DROP;
	if (outer->nexthdr != IPPROTO_UDP)
		return XDP_PASS;
	return gue_strip(ctx, (void *)(outer + 1), data_end, sizeof(*outer));
}
#endif /* ENABLE_GUE_DECAP */

/*
 * GUE decapsulation alone, on a real that receives our tunnels or tail-called by
 * balancer_ingress. It never filters: every frame goes on, stripped if GUE to us,
 * and a malformed tunnel is only counted.
 */
SEC("xdp")
int gue_decap_only(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	int action = XDP_PASS;
	__u16 eth_proto;

	if (parse_eth(data, data_end, &eth_proto))
		return XDP_PASS;
#if ENABLE_GUE_DECAP
	if (eth_proto == ETH_P_IP)
		action = gue_decap_v4(ctx, ETH_HLEN);
	else if (eth_proto == ETH_P_IPV6)
		action = gue_decap_v6(ctx, ETH_HLEN);
#endif
	if (action == XDP_DROP)
		lb_count(LB_STAT_GUE_MALFORMED);
	return XDP_PASS;
}

/* After its target, to take its address; key_size as the kernel refuses BTF here. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, LB_PROG__COUNT);
	__uint(key_size, sizeof(__u32));
	__array(values, int (void *));
} lb_progs SEC(".maps") = {
	.values = {
		[LB_PROG_GUE_DECAP] = (void *)&gue_decap_only,
	},
};

#if ENABLE_IPIP_DECAP
/* IPIP, 6in4, 4in6 or IP6IP6: the outer_len bytes of outer IP header go. */
static __always_inline int ipip_decap(struct xdp_md *ctx, __u32 outer_len, __u8 inner_proto)
{
	__be16 inner = inner_proto == IPPROTO_IPIP ? bpf_htons(ETH_P_IP) : bpf_htons(ETH_P_IPV6);
	int action;

	action = pop_outer_headers(ctx, outer_len, inner);
	if (action == XDP_PASS)
		lb_count(LB_STAT_IPIP_DECAP);
	return action;
}
#endif

#if ENABLE_ICMP_TOO_BIG
/*
 * Start of both "too big" replies: trim the frame to the quoted part, grow room for
 * L3 + ICMP in front, address it back to the sender. Returns the L3 header or NULL.
 */
static __always_inline void *icmp_reply_room(struct xdp_md *ctx, __u32 quoted, __u32 room,
					     __u16 eth_proto)
{
	__u32 frame_len = ctx->data_end - ctx->data;
	struct ethhdr *eth, *orig_eth;
	void *data, *data_end;

	if (frame_len < ETH_HLEN + quoted)
		return NULL;
	if (bpf_xdp_adjust_tail(ctx, 0 - (int)(frame_len - ETH_HLEN - quoted)))
		return NULL;
	if (bpf_xdp_adjust_head(ctx, 0 - (int)room))
		return NULL;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (data + ETH_HLEN + room + quoted > data_end)
		return NULL;
	/* The old Ethernet header lies under the new headers: read it first. */
	eth = data;
	orig_eth = data + room;
	__builtin_memcpy(eth->h_dest, orig_eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, orig_eth->h_dest, ETH_ALEN);
	eth->h_proto = bpf_htons(eth_proto);
	return data + ETH_HLEN;
}

/* Out of line, like the IPv6 one: a rare, cold path. */
static __attribute__((noinline)) int send_icmp4_too_big(struct xdp_md *ctx, __u16 mtu)
{
	struct iphdr *iph, *orig_iph;
	struct icmphdr *icmp;
	__u64 csum;

	iph = icmp_reply_room(ctx, ICMP_TOOBIG_V4_PAYLOAD, sizeof(*iph) + sizeof(*icmp),
			      ETH_P_IP);
	if (!iph)
		return XDP_DROP;
	icmp = (void *)(iph + 1);
	orig_iph = (void *)(icmp + 1);

	icmp->type = ICMP_DEST_UNREACH;
	icmp->code = ICMP_FRAG_NEEDED;
	icmp->checksum = 0;
	icmp->un.frag.__unused = 0;
	icmp->un.frag.mtu = bpf_htons(mtu);
	csum = bpf_csum_diff(0, 0, (void *)icmp, sizeof(*icmp) + ICMP_TOOBIG_V4_PAYLOAD, 0);
	icmp->checksum = csum_fold(csum);
	/* From the address the sender tried to reach, i.e. the VIP. */
	fill_outer_ipv4(iph, orig_iph->daddr, orig_iph->saddr, 0, IPPROTO_ICMP,
			sizeof(*icmp) + ICMP_TOOBIG_V4_PAYLOAD);
	return XDP_TX;
}

static __attribute__((noinline)) int send_icmp6_too_big(struct xdp_md *ctx, __u16 mtu)
{
	struct ipv6_pseudo_hdr pseudo = {};
	struct ipv6hdr *ip6h, *orig_ip6h;
	struct icmp6hdr *icmp6;
	__u64 csum;

	ip6h = icmp_reply_room(ctx, ICMP_TOOBIG_V6_PAYLOAD, sizeof(*ip6h) + sizeof(*icmp6),
			       ETH_P_IPV6);
	if (!ip6h)
		return XDP_DROP;
	icmp6 = (void *)(ip6h + 1);
	orig_ip6h = (void *)(icmp6 + 1);

	__builtin_memcpy(pseudo.saddr, &orig_ip6h->daddr, sizeof(pseudo.saddr));
	__builtin_memcpy(pseudo.daddr, &orig_ip6h->saddr, sizeof(pseudo.daddr));
	pseudo.len = bpf_htonl(sizeof(*icmp6) + ICMP_TOOBIG_V6_PAYLOAD);
	pseudo.nexthdr = IPPROTO_ICMPV6;

	icmp6->icmp6_type = ICMPV6_PKT_TOOBIG;
	icmp6->icmp6_code = 0;
	icmp6->icmp6_cksum = 0;
	icmp6->icmp6_mtu = bpf_htonl(mtu);
	/* Unlike ICMPv4, the ICMPv6 checksum covers a pseudo header. */
	csum = bpf_csum_diff(0, 0, (void *)&pseudo, sizeof(pseudo), 0);
	csum = bpf_csum_diff(0, 0, (void *)icmp6, sizeof(*icmp6) + ICMP_TOOBIG_V6_PAYLOAD, csum);
	icmp6->icmp6_cksum = csum_fold(csum);
	fill_outer_ipv6(ip6h, pseudo.saddr, pseudo.daddr, 0, 0, IPPROTO_ICMPV6,
			sizeof(*icmp6) + ICMP_TOOBIG_V6_PAYLOAD);
	return XDP_TX;
}
#endif /* ENABLE_ICMP_TOO_BIG */

static __always_inline int packet_too_big(struct xdp_md *ctx,
					  const struct packet_description *pckt,
					  __u32 overhead, int is_ipv6)
{
	int action = XDP_DROP;

#if ENABLE_ICMP_TOO_BIG
	/* Never an ICMP error about an ICMP error (RFC 1122, RFC 4443). */
	if (pckt->flags & F_PKT_ICMP_ERR)
		return action;
	lb_count(LB_STAT_ICMP_TOOBIG);
	/* Whatever DF says: a router would fragment, XDP cannot, so ask the sender. */
	if (is_ipv6)
		action = send_icmp6_too_big(ctx, TOOBIG_MTU(overhead));
	else
		action = send_icmp4_too_big(ctx, TOOBIG_MTU(overhead));
#endif
	return action;
}

static __always_inline int process_packet(struct xdp_md *ctx, __u32 nh_off, int is_ipv6)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct packet_description pckt = {};
	__u8 inner_proto = is_ipv6 ? IPPROTO_IPV6 : IPPROTO_IPIP;
	struct real_definition *real;
	struct vip_meta *vip_info;
	__u32 l4_off = 0, overhead;
	int action;

	if (is_ipv6)
		action = parse_ipv6(data, data_end, nh_off, &pckt, &l4_off);
	else
		action = parse_ipv4(data, data_end, nh_off, &pckt, &l4_off);
	if (action != LB_CONTINUE)
		return action;

	switch (pckt.flow.proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		action = parse_ports(data, data_end, l4_off, &pckt);
		break;
	case IPPROTO_ICMP:
		action = is_ipv6 ? XDP_PASS : parse_icmp_v4(data, data_end, l4_off, &pckt);
		break;
	case IPPROTO_ICMPV6:
		action = is_ipv6 ? parse_icmp_v6(data, data_end, l4_off, &pckt) : XDP_PASS;
		break;
#if ENABLE_IPIP_DECAP
	case IPPROTO_IPIP:
	case IPPROTO_IPV6:
		return ipip_decap(ctx, l4_off - nh_off, pckt.flow.proto);
#endif
	default:
		return XDP_PASS;
	}
	if (action != LB_CONTINUE)
		return action;

#if ENABLE_GUE_DECAP
	if (pckt.flow.proto == IPPROTO_UDP && pckt.flow.port16[1] == bpf_htons(gue_port)) {
		/* Tunnels to us belong to the decap program, which reals also run alone. */
		bpf_tail_call(ctx, &lb_progs, LB_PROG_GUE_DECAP);
		return XDP_PASS;	/* empty slot: the kernel's own GUE stack decides */
	}
#endif

	vip_info = vip_lookup(&pckt, is_ipv6);
	if (!vip_info)
		return XDP_PASS;	/* not a VIP: the host's own traffic */
	if (!select_real(&pckt, vip_info)) {
		lb_count(LB_STAT_NO_REAL);
		lb_dbg("no real for vip %u", vip_info->vip_num);
		return XDP_DROP;
	}
	real = bpf_map_lookup_elem(&reals, &pckt.real_index);
	if (!real)
		return XDP_DROP;

	overhead = encap_overhead(real->flags, vip_info->flags);
	if (pckt.pkt_bytes + ETH_HLEN + overhead > MAX_PCKT_SIZE)
		return packet_too_big(ctx, &pckt, overhead, is_ipv6);
	stats_update(vip_info->vip_num, pckt.pkt_bytes);

#if ENABLE_GUE_ENCAP
	if (vip_info->flags & F_VIP_GUE_ENCAP)
		return gue_encap(ctx, real, &pckt, inner_proto);
#endif
	action = ipip_encap(ctx, real, &pckt, inner_proto);
	return action;
}

SEC("xdp")
int balancer_ingress(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	int action = XDP_PASS;
	__u16 eth_proto;

	if (parse_eth(data, data_end, &eth_proto))
		return XDP_DROP;
	if (eth_proto == ETH_P_IP)
		action = process_packet(ctx, ETH_HLEN, 0);
	else if (eth_proto == ETH_P_IPV6)
		action = process_packet(ctx, ETH_HLEN, 1);
	return action;
}

char LICENSE[] SEC("license") = "GPL";
