// ARGS: --map hits
// KEEP: static void count_hit\(void\)
// KEEP: static int read_hits\(void\)
// KEEP: \} hits SEC\("\.maps"\)
// DROP: unrelated_fn
/* --map M keeps every function that reads or writes M. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} hits SEC(".maps");

static void count_hit(void)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&hits, &k);
	if (v)
		*v += 1;
}

static int read_hits(void)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&hits, &k);
	return v ? (int)*v : 0;
}

static int unrelated_fn(void)
{
	return 7;
}
