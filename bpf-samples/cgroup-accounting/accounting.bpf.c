// SPDX-License-Identifier: GPL-2.0
/*
 * accounting.bpf.c - traffic accounting and byte quotas per cgroup, a bpfcarve
 * sample.
 *
 * Two cgroup_skb programs, attached to a cgroup (v2) for ingress and egress,
 * see every packet of every socket in that cgroup and its descendants, from the
 * IP header on. They count
 *
 *   - packets and bytes per cgroup and direction (cgroup_stats),
 *   - the same per address family and L4 protocol (proto_stats),
 *   - the same per remote port, the ICMP type standing in for ICMP (port_stats),
 *   - totals of the attachment itself in cgroup local storage (acct_local),
 *
 * and enforce a byte quota per cgroup on egress: over the soft limit packets
 * still go, with congestion notification (TCP backs off); over the hard limit
 * they are dropped. Crossing a limit sends one event per period through a ring
 * buffer. Cgroups can be accounted at an ancestor level (a systemd slice, say)
 * instead of the socket's own cgroup.
 *
 * Packets are read with bpf_skb_load_bytes_relative(BPF_HDR_START_NET) and
 * bpf_skb_load_bytes: at cgroup_skb both see offset 0 at the IP header.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "accounting.h"

/* ---- maps ---------------------------------------------------------------- */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, ACCT_MAX_CGROUPS);
	__type(key, __u64);
	__type(value, struct traffic_counters);
} cgroup_stats SEC(".maps");

#if ENABLE_PROTO_STATS
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, ACCT_MAX_PROTO_KEYS);
	__type(key, struct proto_key);
	__type(value, struct pkt_counters);
} proto_stats SEC(".maps");
#endif

#if ENABLE_PORT_STATS
/* LRU: remote ports come and go; a busy table forgets the quiet ones. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, ACCT_MAX_PORT_KEYS);
	__type(key, struct port_key);
	__type(value, struct pkt_counters);
} port_stats SEC(".maps");
#endif

#if ENABLE_QUOTA
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ACCT_MAX_CGROUPS);
	__type(key, __u64);
	__type(value, struct quota);
} quotas SEC(".maps");
#endif

#if ENABLE_QUOTA && ENABLE_QUOTA_EVENTS
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, ACCT_EVENTS_BYTES);
} quota_events SEC(".maps");
#endif

#if ENABLE_LOCAL_STORAGE
/*
 * One value per cgroup the programs are attached to (key: the cgroup's inode
 * id, shared by the ingress and egress attachments), so user space reads the
 * totals of an attachment without knowing the cgroup ids below it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_STORAGE);
	__type(key, __u64);
	__type(value, struct cg_local_stats);
} acct_local SEC(".maps");
#endif

/* ---- load-time knobs and globals ------------------------------------------ */

/* Account at this ancestor level (1 = the root's children...); 0 = own cgroup. */
const volatile __u32 ancestor_level = 0;
/* Drop egress traffic over the hard limit; 0 only counts and reports. */
const volatile __u8 enforce_quota = 1;
/* Charge ingress bytes to the quota too, dropping them over the hard limit. */
const volatile __u8 quota_ingress = 0;
/* Remote ports from here up are ephemeral: counted as port 0. */
const volatile __u16 ephemeral_port_floor = 32768;

/* Quota events the ring buffer had no room for. */
__u64 events_lost;

/* ---- parsing: L3-based, from skb->protocol ---------------------------------- */

/* Ports (or the ICMP type) of the L4 header at l4_off from the network header. */
static __always_inline int load_l4(struct __sk_buff *skb, __u32 l4_off, struct flow_info *fi)
{
	__be16 ports[2];
	__u8 icmp_type;

	switch (fi->l4proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		if (bpf_skb_load_bytes_relative(skb, l4_off, ports, sizeof(ports),
						BPF_HDR_START_NET))
			return -1;
		fi->sport = bpf_ntohs(ports[0]);
		fi->dport = bpf_ntohs(ports[1]);
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if (bpf_skb_load_bytes_relative(skb, l4_off, &icmp_type, 1, BPF_HDR_START_NET))
			return -1;
		fi->dport = icmp_type;
		break;
	default:
		break;
	}
	return 0;
}

static __always_inline int parse_ipv4(struct __sk_buff *skb, struct flow_info *fi)
{
	struct iphdr iph;

	if (bpf_skb_load_bytes_relative(skb, 0, &iph, sizeof(iph), BPF_HDR_START_NET))
		return -1;
	if (iph.version != 4 || iph.ihl < 5)
		return -1;
	fi->family = 4;
	fi->l4proto = iph.protocol;
	if (iph.frag_off & bpf_htons(ACCT_IP_OFFMASK)) {
		fi->fragment = 1;
		return 0;
	}
	return load_l4(skb, iph.ihl * 4, fi);
}

#if ENABLE_IPV6
/*
 * Skips hop-by-hop, routing, destination options and fragment headers with
 * bpf_skb_load_bytes: its offsets count from skb->data, which is the network
 * header at cgroup_skb (and the Ethernet header at tc).
 */
static __always_inline int parse_ipv6(struct __sk_buff *skb, struct flow_info *fi)
{
	struct ipv6hdr ip6h;
	__u32 off = sizeof(ip6h);
	__u8 nexthdr;

	if (bpf_skb_load_bytes_relative(skb, 0, &ip6h, sizeof(ip6h), BPF_HDR_START_NET))
		return -1;
	if (ip6h.version != 6)
		return -1;
	fi->family = 6;
	nexthdr = ip6h.nexthdr;

#pragma clang loop unroll(full)
	for (int i = 0; i < ACCT_IPV6_MAX_EXT; i++) {
		__u8 ext[4];

		if (nexthdr != ACCT_NEXTHDR_HOP && nexthdr != ACCT_NEXTHDR_ROUTING &&
		    nexthdr != ACCT_NEXTHDR_DEST && nexthdr != ACCT_NEXTHDR_FRAGMENT)
			break;
		if (bpf_skb_load_bytes(skb, off, ext, sizeof(ext)))
			return -1;
		if (nexthdr == ACCT_NEXTHDR_FRAGMENT) {
			if ((ext[2] << 8 | ext[3]) & 0xfff8)
				fi->fragment = 1;
			off += 8;
		} else {
			off += (ext[1] + 1) * 8;
		}
		nexthdr = ext[0];
	}
	fi->l4proto = nexthdr;
	if (fi->fragment)
		return 0;
	return load_l4(skb, off, fi);
}
#endif

/* Family, protocol and ports of a packet; -1 if it is not IP or cut short. */
static __always_inline int parse_flow(struct __sk_buff *skb, struct flow_info *fi)
{
	fi->len = skb->len;
	if (skb->protocol == bpf_htons(ETH_P_IP))
		return parse_ipv4(skb, fi);
#if ENABLE_IPV6
	if (skb->protocol == bpf_htons(ETH_P_IPV6))
		return parse_ipv6(skb, fi);
#endif
	return -1;
}

/* ---- whose traffic is it --------------------------------------------------- */

/*
 * The cgroup of the packet's socket, or of its ancestor at ancestor_level. At
 * ingress the current task is whoever runs the softirq, so the socket, not
 * bpf_get_current_cgroup_id(), tells the owner.
 */
static __always_inline __u64 owner_cgroup(struct __sk_buff *skb)
{
	__u64 id = 0;

	/* 0 when the socket's cgroup sits above that level: it accounts for itself. */
	if (ancestor_level)
		id = bpf_skb_ancestor_cgroup_id(skb, ancestor_level);
	if (!id)
		id = bpf_skb_cgroup_id(skb);
	return id;
}

#if ENABLE_PORT_STATS
/*
 * The remote port: from the packet, or for fragments without an L4 header from
 * the socket's connected peer (0 for unconnected sockets).
 */
static __always_inline __u16 remote_port(struct __sk_buff *skb, const struct flow_info *fi,
					 enum acct_dir dir)
{
	__u16 port = dir == ACCT_INGRESS ? fi->sport : fi->dport;

#if ENABLE_SOCK_PORT
	/* remote_port holds the port in network order in its upper 16 bits. */
	if (fi->fragment && (fi->l4proto == IPPROTO_TCP || fi->l4proto == IPPROTO_UDP))
		port = bpf_ntohl(skb->remote_port) & 0xffff;
#else
	(void)skb;
#endif
	if (fi->l4proto == IPPROTO_ICMP || fi->l4proto == IPPROTO_ICMPV6)
		return fi->dport;
	if (port >= ephemeral_port_floor)
		return 0;
	return port;
}
#endif

/* ---- counters ------------------------------------------------------------- */

static __always_inline void count_cgroup(__u64 cgid, enum acct_dir dir, __u32 len)
{
	struct traffic_counters *tc = bpf_map_lookup_elem(&cgroup_stats, &cgid);

	if (!tc) {
		struct traffic_counters zero = {};

		bpf_map_update_elem(&cgroup_stats, &cgid, &zero, BPF_NOEXIST);
		tc = bpf_map_lookup_elem(&cgroup_stats, &cgid);
		if (!tc)
			return;
	}
	/* Per-CPU values: no atomics needed. */
	tc->packets[dir & 1] += 1;
	tc->bytes[dir & 1] += len;
}

#if ENABLE_PROTO_STATS || ENABLE_PORT_STATS
/* Add one packet to a per-CPU pkt_counters map, creating the entry if needed. */
static __always_inline void count_keyed(void *map, const void *key, __u32 len)
{
	struct pkt_counters *c = bpf_map_lookup_elem(map, key);
	struct pkt_counters first = { .packets = 1, .bytes = len };

	if (c) {
		c->packets += 1;
		c->bytes += len;
		return;
	}
	bpf_map_update_elem(map, key, &first, BPF_NOEXIST);
}
#endif

#if ENABLE_PROTO_STATS
static __always_inline void count_proto(__u64 cgid, const struct flow_info *fi, enum acct_dir dir)
{
	struct proto_key key = {
		.cgroup_id = cgid,
		.family = fi->family,
		.l4proto = fi->l4proto,
		.dir = dir,
	};

	count_keyed(&proto_stats, &key, fi->len);
}
#endif

#if ENABLE_PORT_STATS
static __always_inline void count_port(__u64 cgid, __u16 port, const struct flow_info *fi,
				       enum acct_dir dir)
{
	struct port_key key = {
		.cgroup_id = cgid,
		.remote_port = port,
		.l4proto = fi->l4proto,
		.dir = dir,
	};

	count_keyed(&port_stats, &key, fi->len);
}
#endif

#if ENABLE_LOCAL_STORAGE
static __always_inline void count_local(__u32 len, int dropped)
{
	struct cg_local_stats *ls = bpf_get_local_storage(&acct_local, 0);

	__sync_fetch_and_add(&ls->packets, 1);
	__sync_fetch_and_add(&ls->bytes, len);
	if (dropped)
		__sync_fetch_and_add(&ls->dropped, 1);
}
#endif

/* ---- quota ------------------------------------------------------------------- */

#if ENABLE_QUOTA
#if ENABLE_QUOTA_EVENTS
static __always_inline void quota_event(__u64 cgid, __u64 now, __u64 used, __u64 limit,
					enum quota_verdict kind, enum acct_dir dir)
{
	struct quota_event *ev = bpf_ringbuf_reserve(&quota_events, sizeof(*ev), 0);

	if (!ev) {
		__sync_fetch_and_add(&events_lost, 1);
		return;
	}
	ev->cgroup_id = cgid;
	ev->timestamp_ns = now;
	ev->used_bytes = used;
	ev->limit_bytes = limit;
	ev->kind = kind;
	ev->dir = dir;
	bpf_ringbuf_submit(ev, 0);
}
#endif

/*
 * The cgroup's quota, created from the default entry on first use; NULL if none.
 * Cgroup id 0 (no socket) has none: its key is the default entry's.
 */
static __always_inline struct quota *quota_of(__u64 cgid, __u64 now)
{
	__u64 default_key = QUOTA_DEFAULT_KEY;
	struct quota *q, fresh = {};

	if (cgid == QUOTA_DEFAULT_KEY)
		return NULL;
	q = bpf_map_lookup_elem(&quotas, &cgid);
	if (q)
		return q;
	q = bpf_map_lookup_elem(&quotas, &default_key);
	if (!q || (!q->limit_bytes && !q->soft_limit_bytes))
		return NULL;
	fresh.limit_bytes = q->limit_bytes;
	fresh.soft_limit_bytes = q->soft_limit_bytes;
	fresh.period_ns = q->period_ns;
	fresh.period_start_ns = now;
	bpf_map_update_elem(&quotas, &cgid, &fresh, BPF_NOEXIST);
	return bpf_map_lookup_elem(&quotas, &cgid);
}

/*
 * Charge len bytes to the cgroup. A packet that would cross the hard limit is
 * not charged (it will be dropped); crossing a limit reports once per period.
 */
static __always_inline enum quota_verdict quota_charge(__u64 cgid, __u32 len, enum acct_dir dir)
{
	enum quota_verdict verdict = QUOTA_OK, report = QUOTA_OK;
	__u64 now = bpf_ktime_get_ns();
	__u64 used, limit = 0;
	struct quota *q;

	q = quota_of(cgid, now);
	if (!q)
		return QUOTA_OK;

	bpf_spin_lock(&q->lock);
	if (q->period_ns && now - q->period_start_ns >= q->period_ns) {
		q->period_start_ns = now;
		q->used_bytes = 0;
		q->tripped = 0;
	}
	if (q->limit_bytes && q->used_bytes + len > q->limit_bytes) {
		verdict = QUOTA_HARD;
		limit = q->limit_bytes;
		if (!(q->tripped & QUOTA_TRIPPED_HARD)) {
			q->tripped |= QUOTA_TRIPPED_HARD;
			report = QUOTA_HARD;
		}
	} else {
		q->used_bytes += len;
		if (q->soft_limit_bytes && q->used_bytes > q->soft_limit_bytes) {
			verdict = QUOTA_SOFT;
			limit = q->soft_limit_bytes;
			if (!(q->tripped & QUOTA_TRIPPED_SOFT)) {
				q->tripped |= QUOTA_TRIPPED_SOFT;
				report = QUOTA_SOFT;
			}
		}
	}
	used = q->used_bytes;
	bpf_spin_unlock(&q->lock);

#if ENABLE_QUOTA_EVENTS
	/* Helpers other than the lock's own are not allowed while holding it. */
	if (report != QUOTA_OK)
		quota_event(cgid, now, used, limit, report, dir);
#else
	(void)used;
	(void)limit;
	(void)report;
	(void)dir;
#endif
	return verdict;
}
#endif /* ENABLE_QUOTA */

/* ---- the programs ------------------------------------------------------------ */

static __always_inline int account(struct __sk_buff *skb, enum acct_dir dir)
{
	struct flow_info fi = {};
	int verdict = CG_PASS;
	__u64 cgid;
	int parsed;

	cgid = owner_cgroup(skb);
	parsed = parse_flow(skb, &fi) == 0;
	if (!parsed)
		fi.len = skb->len;

#if ENABLE_QUOTA
	if (dir == ACCT_EGRESS || quota_ingress) {
		enum quota_verdict qv = quota_charge(cgid, fi.len, dir);

		if (qv == QUOTA_HARD && enforce_quota)
			verdict = CG_DROP;
		else if (qv == QUOTA_SOFT && enforce_quota && dir == ACCT_EGRESS)
			verdict = CG_PASS_CN;
	}
#endif
#if ENABLE_LOCAL_STORAGE
	count_local(fi.len, verdict == CG_DROP);
#endif
	/* What was dropped was not sent or received: the counters leave it out. */
	if (verdict == CG_DROP)
		return verdict;

	count_cgroup(cgid, dir, fi.len);
	if (!parsed)
		return verdict;
#if ENABLE_PROTO_STATS
	count_proto(cgid, &fi, dir);
#endif
#if ENABLE_PORT_STATS
	if (fi.l4proto == IPPROTO_TCP || fi.l4proto == IPPROTO_UDP ||
	    fi.l4proto == IPPROTO_ICMP || fi.l4proto == IPPROTO_ICMPV6)
		count_port(cgid, remote_port(skb, &fi, dir), &fi, dir);
#endif
	return verdict;
}

SEC("cgroup_skb/ingress")
int acct_ingress(struct __sk_buff *skb)
{
	return account(skb, ACCT_INGRESS);
}

SEC("cgroup_skb/egress")
int acct_egress(struct __sk_buff *skb)
{
	return account(skb, ACCT_EGRESS);
}

char LICENSE[] SEC("license") = "GPL";
