// ARGS: --program count_tc
// VERIFY: pass
// KEEP: #pragma clang section text="tc"\n/\* from pragma_section\.bpf\.c:[0-9]+ \*/\nint count_tc
// KEEP: #pragma clang section text=""
// DROP: count_xdp
// DROP: helper_in_text
/* Programs placed with `#pragma clang section text=` (libbpf loads them as it loads SEC()
 * programs): the slice places the kept one the same way; a function after the region is in .text. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} seen SEC(".maps");

#pragma clang section text="xdp"
int count_xdp(struct xdp_md *ctx)
{
	return XDP_PASS;
}
#pragma clang section text="tc"
int count_tc(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u64 *n = bpf_map_lookup_elem(&seen, &key);

	if (n)
		__sync_fetch_and_add(n, 1);
	return 0;
}
#pragma clang section text=""

static __attribute__((noinline)) int helper_in_text(int x)
{
	return x * 2;
}

char LICENSE[] SEC("license") = "GPL";
