// A profiler that packs strings into a per-CPU sample: a cursor into the sample's buffer is
// moved along by each writer, and the task comes from bpf_get_current_task() as a number, read
// at an offset user space configures. A harness for a writer must pass an address inside the
// sample's buffer, and for the task reader a number (pointer arithmetic with an unbounded offset
// is refused on a map value), as the callers do.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char _license[] SEC("license") = "GPL";

#define CHUNK 8
#define CHUNKS 4

struct profile_sample {
	__u64 writes;
	char buf[2 * CHUNKS * CHUNK + CHUNK];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct profile_sample);
} heap SEC(".maps");

/* The first words of the kernel's task, as programs without vmlinux.h declare them. */
struct task_head {
	__u64 state;
	__u64 flags;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} task_offset SEC(".maps");

static __noinline __u64 task_word(struct task_head *task, __u64 off)
{
	__u64 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), (void *)task + off);
	return v;
}

static __noinline __u64 put_chunk(struct profile_sample *s, void *cur)
{
	s->writes++;
	return bpf_probe_read_kernel_str(cur, CHUNK, &s->writes) > 0 ? CHUNK : 0;
}

static __always_inline void *put_twice(struct profile_sample *s, void *cur, int n)
{
	if (n >= CHUNKS)
		return cur;
	cur += put_chunk(s, cur);
	return cur;
}

static __noinline int fill(struct profile_sample *s)
{
	void *cur = s->buf;

	for (int i = 0; i < CHUNKS; ++i) {
		cur += put_chunk(s, cur);
		cur = put_twice(s, cur, i);
	}
	return cur != s->buf;
}

SEC("tp/syscalls/sys_enter_getpid")
int profile(void *ctx)
{
	struct task_head *task = (struct task_head *)bpf_get_current_task();
	__u32 zero = 0;
	struct profile_sample *s = bpf_map_lookup_elem(&heap, &zero);
	__u64 *off = bpf_map_lookup_elem(&task_offset, &zero);

	if (!s || !off)
		return 0;
	return fill(s) + (task_word(task, *off) != 0);
}
