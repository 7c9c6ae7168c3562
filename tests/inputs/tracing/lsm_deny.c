// An lsm program that denies opening files on file systems a map lists, through a callee that
// reads the file's superblock magic with BPF_CORE_READ; the body reads file->f_flags directly.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u64);
	__type(value, __u32);
} denied_magic SEC(".maps");

static __noinline int magic_denied(struct file *file)
{
	__u64 magic = BPF_CORE_READ(file, f_inode, i_sb, s_magic);
	return bpf_map_lookup_elem(&denied_magic, &magic) != NULL;
}

SEC("lsm/file_open")
int BPF_PROG(deny_fs, struct file *file, int ret)
{
	if (ret)
		return ret;
	/* A direct dereference: file is a typed kernel pointer here. */
	if (file->f_flags & 1)
		return 0;
	return magic_denied(file) ? -1 : 0;
}
char LICENSE[] SEC("license") = "GPL";
