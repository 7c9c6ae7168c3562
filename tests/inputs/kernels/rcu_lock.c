// A tc program taking the RCU read lock through kfuncs (bpf_rcu_read_lock, kernel 6.2+).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define TC_ACT_OK 0

void bpf_rcu_read_lock(void) __ksym;
void bpf_rcu_read_unlock(void) __ksym;

SEC("tc")
int bpfcarve_t_rcu(struct __sk_buff *skb) {
  __u32 mark = skb->mark;

  bpf_rcu_read_lock();
  mark += 1;
  bpf_rcu_read_unlock();
  skb->mark = mark;
  return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
