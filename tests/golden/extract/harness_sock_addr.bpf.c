// ARGS: --function redirect_port,allowed_peer --harness cgroup/connect4
// VERIFY: pass
// KEEP: SEC\("cgroup/connect4"\)\nint bpfcarve_harness\(struct bpf_sock_addr \*ctx\)
// KEEP: /\* redirect_port\(port\): its callers pass 8080 \*/
// KEEP: bpfcarve_args->r0 = \(__u64\)redirect_port\(ctx, 8080ULL\);
// KEEP: bpfcarve_args->r1 = \(__u64\)allowed_peer\(ctx, &bpfcarve_args->p1\);
// KEEP: return 1; /\* allow \*/
/* A cgroup/connect4 harness: the functions get struct bpf_sock_addr as ctx (read user_ip4 and
 * user_port, rewrite both, bind the socket with bpf_bind, which only connect programs may call);
 * the port is the one the caller passes, the peer table comes from the argument map value. They
 * return bare 0/1, not the hook's named codes, so the results go to the map value and the entry
 * returns allow (1), inside the [0, 1] the verifier enforces for connect4. */
#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define AF_INET 2 /* sys/socket.h, which a BPF program cannot include */

struct peer_table {
	__u32 addrs[4];
	__u32 count;
};

static __noinline int redirect_port(struct bpf_sock_addr *sa, __u16 port)
{
	struct sockaddr_in local = {.sin_family = AF_INET};

	if (sa->user_port != bpf_htons(80))
		return 1;
	sa->user_port = bpf_htons(port);
	sa->user_ip4 = bpf_htonl(0x7f000001);
	if (bpf_bind(sa, (struct sockaddr *)&local, sizeof(local)))
		return 0;
	return 1;
}

static __always_inline int allowed_peer(const struct bpf_sock_addr *sa, const struct peer_table *t)
{
	for (int i = 0; i < 4; i++)
		if (i < t->count && t->addrs[i] == sa->user_ip4)
			return 1;
	return 0;
}

SEC("cgroup/connect4")
int connect_policy(struct bpf_sock_addr *ctx)
{
	struct peer_table t = {.addrs = {0x0100007f}, .count = 1};

	if (!allowed_peer(ctx, &t))
		return 0;
	return redirect_port(ctx, 8080);
}

char LICENSE[] SEC("license") = "GPL";
