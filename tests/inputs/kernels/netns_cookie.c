// A tc program tagging packets with its network namespace's cookie: bpf_get_netns_cookie is
// callable from tc on newer kernels, not on 6.1 (there only from socket and cgroup hooks).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define TC_ACT_OK 0

SEC("tc")
int bpfcarve_t_cookie(struct __sk_buff *skb) {
  __u64 cookie = bpf_get_netns_cookie(skb);

  skb->mark = (__u32)cookie;
  return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
