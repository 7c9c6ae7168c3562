// ARGS: --function first_byte_is,msg_tag --harness sk_msg
// VERIFY: pass
// KEEP: SEC\("sk_msg"\)\nint bpfcarve_harness\(struct sk_msg_md \*ctx\)
// KEEP: void \*bpfcarve_data = \(void \*\)\(long\)ctx->data;
// KEEP: first_byte_is\(bpfcarve_data, bpfcarve_data_end, 71ULL\)
// KEEP: bpfcarve_ret = msg_tag\(ctx\);
/* An sk_msg harness: one function parses the message through data/data_end (direct access,
 * the pointers of struct sk_msg_md are 8 bytes wide), the other reads the ctx and calls an
 * sk_msg helper; the entry returns msg_tag's SK_PASS/SK_DROP verdict. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

static __noinline int first_byte_is(void *data, void *data_end, __u8 want)
{
	__u8 *p = data;

	if ((void *)(p + 1) > data_end)
		return 0;
	return *p == want;
}

static __always_inline int msg_tag(struct sk_msg_md *msg)
{
	if (msg->size < 4)
		return SK_DROP;
	bpf_msg_apply_bytes(msg, msg->size);
	return SK_PASS;
}

SEC("sk_msg")
int msg_filter(struct sk_msg_md *msg)
{
	if (first_byte_is(msg->data, msg->data_end, 'G'))
		return msg_tag(msg);
	return SK_PASS;
}

char LICENSE[] SEC("license") = "GPL";
