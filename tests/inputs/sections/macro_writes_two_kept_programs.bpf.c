/* One macro writes two programs that the slice keeps both: stage_0 tail-calls stage_1, which a
 * prog array holds. Editing the macro's SEC() would retarget stage_1 too. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

int stage_1(struct __sk_buff *skb);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 2);
	__uint(key_size, sizeof(__u32));
	__array(values, int (void *));
} stages SEC(".maps") = {
	.values = { [1] = (void *)&stage_1 },
};

#define STAGE(n)                                   \
	SEC("tc")                                  \
	int stage_##n(struct __sk_buff *skb)       \
	{                                          \
		bpf_tail_call(skb, &stages, n + 1); \
		return TC_ACT_OK;                  \
	}
STAGE(0)
STAGE(1)

char LICENSE[] SEC("license") = "GPL";
