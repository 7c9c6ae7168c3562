// ARGS: --function record_len,verdict_for --harness sk_skb/stream_verdict
// VERIFY: pass
// KEEP: SEC\("sk_skb/stream_verdict"\)\nint bpfcarve_harness\(struct __sk_buff \*ctx\)
// KEEP: record_len\(ctx, &bpfcarve_args->p0\);
// KEEP: bpfcarve_ret = verdict_for\(ctx, bpfcarve_data, bpfcarve_data_end\);
// KEEP: int bpfcarve_ret = 1; /\* SK_PASS \*/
/* An sk_skb stream-verdict harness: the data of the skb is the stream's payload; one function
 * counts it into a caller's record, the other reads its first bytes through data/data_end and
 * returns the SK_PASS/SK_DROP verdict the entry then returns. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct stream_stats {
	__u64 bytes;
	__u32 messages;
};

static __noinline void record_len(struct __sk_buff *skb, struct stream_stats *st)
{
	st->bytes += skb->len;
	st->messages++;
}

static __noinline int verdict_for(struct __sk_buff *skb, void *data, void *data_end)
{
	char *p = data;

	if ((void *)(p + 2) > data_end)
		return SK_PASS;
	if (p[0] == 'N' && p[1] == 'O')
		return SK_DROP;
	return skb->remote_port ? SK_PASS : SK_DROP;
}

SEC("sk_skb/stream_verdict")
int stream_verdict(struct __sk_buff *skb)
{
	struct stream_stats st = {};

	record_len(skb, &st);
	return verdict_for(skb, (void *)(long)skb->data, (void *)(long)skb->data_end);
}

char LICENSE[] SEC("license") = "GPL";
