/* Records when it last dropped: map contents depend on the clock, so they are reported only. */
#include <linux/pkt_cls.h>
#include "port_filter.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} last_drop SEC(".maps");

SEC("tc")
int port_filter(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	if (!should_drop(data, end))
		return TC_ACT_OK;
	__u32 k = 0;
	__u64 *t = bpf_map_lookup_elem(&last_drop, &k);
	if (t)
		*t = bpf_ktime_get_ns();
	return TC_ACT_SHOT;
}
