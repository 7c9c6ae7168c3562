/* Three program types in one object, one of them with autoload off: verify loads each alone,
 * with its own type (a whole-object load with one type cannot). */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME); /* must not land in /sys/fs/bpf */
} bpfcarve_t_hits SEC(".maps");

static __always_inline void count(void)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&bpfcarve_t_hits, &k);
	if (v)
		__sync_fetch_and_add(v, 1);
}

SEC("xdp")
int bpfcarve_t_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	count();
	return data + 14 <= end ? XDP_PASS : XDP_DROP;
}

SEC("tc")
int bpfcarve_t_tc(struct __sk_buff *skb)
{
	count();
	return skb->len > 14 ? TC_ACT_OK : TC_ACT_SHOT;
}

SEC("?socket")
int bpfcarve_t_sock(struct __sk_buff *skb)
{
	return skb->len;
}

char LICENSE[] SEC("license") = "GPL";
