// ARGS: --function match_rules --harness cgroup/bind4
// VERIFY: pass
// KEEP: /\* match_rules\(rules\): its callers pass &bind_allow, &bind_deny \*/
// KEEP: match_rules\(ctx, \(bpfcarve_args->p0 == 1 \? \(struct rule_map \*\)&bind_deny : \(struct rule_map \*\)&bind_allow\)\)
// KEEP: struct rule_map bind_allow SEC\("\.maps"\);
// KEEP: struct rule_map bind_deny SEC\("\.maps"\);
/* A function that takes a map through a pointer to the map definition's own struct type (as
 * systemd's socket-bind program does), called with two maps of that type: the harness passes
 * each of them, chosen by an unknown, so the verifier checks the function with both; the
 * struct's pointer members (what __uint and __type expand to) are not made up. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <stdbool.h>

struct rule {
	__u32 port;
	__u32 action;
};

struct rule_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct rule);
	__uint(max_entries, 8);
};

struct rule_map bind_allow SEC(".maps");
struct rule_map bind_deny SEC(".maps");

static __always_inline bool match_rules(struct bpf_sock_addr *ctx, struct rule_map *rules)
{
	for (__u32 i = 0; i < 8; i++) {
		const __u32 key = i;
		const struct rule *r = bpf_map_lookup_elem(rules, &key);

		if (!r)
			break;
		if (r->port == ctx->user_port)
			return true;
	}
	return false;
}

SEC("cgroup/bind4")
int bind_policy(struct bpf_sock_addr *ctx)
{
	if (match_rules(ctx, &bind_allow))
		return 1;
	return match_rules(ctx, &bind_deny) ? 0 : 1;
}

char LICENSE[] SEC("license") = "GPL";
