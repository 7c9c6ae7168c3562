// SPDX-License-Identifier: GPL-2.0
/*
 * tracer.bpf.c - a process tracer in the style of execsnoop + opensnoop + a
 * scheduler profile, in one object: a bpfcarve sample.
 *
 * A process becomes traced when it execs (or, lazily, opens a file) and its
 * name passes the comm filter; with ENABLE_FOLLOW_FORK its children are traced
 * too. For traced processes the programs keep statistics in proc_stats (opens,
 * failed opens, on-CPU time, voluntary and involuntary context switches) and
 * send ring buffer records: one per exec, one per openat() (or per failed one),
 * and a summary when the process exits.
 *
 * Tracepoints and raw tracepoints only (no kprobes, no fentry): every program
 * attaches on any kernel with the tracepoint, and kernel structures are read
 * with CO-RE (BPF_CORE_READ), so the object runs unchanged across versions.
 *
 *   handle_exec         tracepoint/sched/sched_process_exec
 *   handle_openat       tracepoint/syscalls/sys_enter_openat
 *   handle_openat_ret   tracepoint/syscalls/sys_exit_openat
 *   handle_switch       raw_tp/sched_switch
 *   handle_fork         raw_tp/sched_process_fork
 *   handle_exit         tracepoint/sched/sched_process_exit
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "tracer.h"

#ifdef TRACE_DEBUG
#define trace_dbg(fmt, ...) bpf_printk("tracer: " fmt, ##__VA_ARGS__)
#else
#define trace_dbg(fmt, ...) do { } while (0)
#endif

/* ---- maps ---------------------------------------------------------------- */

/* Thread group id -> statistics. An entry means "this process is traced". */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TRACE_MAX_PROCS);
	__type(key, u32);
	__type(value, struct proc_stats);
} proc_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, TRACE_EVENTS_BYTES);
} events SEC(".maps");

#if ENABLE_OPEN_TRACE
/* Thread id -> the openat() it is in, from sys_enter to sys_exit. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TRACE_MAX_INFLIGHT);
	__type(key, u32);
	__type(value, struct inflight_open);
} inflight_opens SEC(".maps");
#endif

#if ENABLE_SCHED_STATS
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct cpu_slot);
} cpu_slots SEC(".maps");
#endif

/* ---- load-time knobs and globals ------------------------------------------ */

/* Trace only processes with this name (as in /proc/PID/comm); "" = all. */
const volatile char comm_filter[TRACE_COMM_LEN] = "";
/* Trace only this process (thread group id); 0 = any. */
const volatile u32 target_tgid = 0;
/* Send open events only for failed openat() calls; they are counted either way. */
const volatile bool failed_opens_only = false;
/* No exit summary for processes traced shorter than this. */
const volatile u64 min_lifetime_ns = 0;

/* Records the ring buffer had no room for. */
u64 events_dropped;

/* ---- small helpers ---------------------------------------------------------- */

#if ENABLE_SCHED_STATS
/* Kernels before 5.14 call the field "state"; CO-RE picks what this one has. */
struct task_struct___pre514 {
	long state;
} __attribute__((preserve_access_index));

static __always_inline long task_state(struct task_struct *task)
{
	struct task_struct___pre514 *old = (void *)task;

	if (bpf_core_field_exists(task->__state))
		return BPF_CORE_READ(task, __state);
	return BPF_CORE_READ(old, state);
}
#endif

static __always_inline bool comm_allowed(const char *comm)
{
	if (!comm_filter[0])
		return true;
#pragma clang loop unroll(full)
	for (int i = 0; i < TRACE_COMM_LEN; i++) {
		if (comm[i] != comm_filter[i])
			return false;
		if (!comm[i])
			break;
	}
	return true;
}

static __always_inline bool tgid_allowed(u32 tgid)
{
	return !target_tgid || target_tgid == tgid;
}

#define TRACE_HAS_EVENTS (ENABLE_EXEC_EVENTS || ENABLE_OPEN_TRACE || ENABLE_EXIT_EVENTS)

#if TRACE_HAS_EVENTS
/* Fill the common header from the current task. */
static __always_inline void fill_hdr(struct event_hdr *hdr, enum event_type type, u64 now)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	u64 id = bpf_get_current_pid_tgid();

	hdr->type = type;
	hdr->pid = id >> 32;
	hdr->tid = (u32)id;
	hdr->ppid = BPF_CORE_READ(task, real_parent, tgid);
	hdr->uid = (u32)bpf_get_current_uid_gid();
	hdr->pad = 0;
	hdr->timestamp_ns = now;
	bpf_get_current_comm(hdr->comm, sizeof(hdr->comm));
}

static __always_inline void *event_reserve(u64 size)
{
	void *ev = bpf_ringbuf_reserve(&events, size, 0);

	if (!ev)
		__sync_fetch_and_add(&events_dropped, 1);
	return ev;
}
#endif

/*
 * Start tracing the current process (if the filters let it), or return its
 * entry if it is traced already. NULL: not traced.
 */
static __always_inline struct proc_stats *track_current(u32 tgid, u64 now)
{
	struct task_struct *task;
	struct proc_stats fresh = {}, *st;

	st = bpf_map_lookup_elem(&proc_stats, &tgid);
	if (st)
		return st;
	if (!tgid_allowed(tgid))
		return NULL;
	bpf_get_current_comm(fresh.comm, sizeof(fresh.comm));
	if (!comm_allowed(fresh.comm))
		return NULL;
	task = (struct task_struct *)bpf_get_current_task();
	fresh.start_ns = now;
	fresh.ppid = BPF_CORE_READ(task, real_parent, tgid);
	bpf_map_update_elem(&proc_stats, &tgid, &fresh, BPF_NOEXIST);
	return bpf_map_lookup_elem(&proc_stats, &tgid);
}

/* ---- exec ------------------------------------------------------------------- */

/*
 * After a successful exec: the new image's name is the comm now, so a process
 * that execs into the filtered name starts being traced here, and one that
 * execs out of it stops.
 */
SEC("tracepoint/sched/sched_process_exec")
int handle_exec(struct trace_event_raw_sched_process_exec *ctx)
{
	u64 now = bpf_ktime_get_ns();
	u32 tgid = bpf_get_current_pid_tgid() >> 32;
	char comm[TRACE_COMM_LEN];
	struct proc_stats *st;

	bpf_get_current_comm(comm, sizeof(comm));
	if (!comm_allowed(comm)) {
		bpf_map_delete_elem(&proc_stats, &tgid);
		return 0;
	}
	st = track_current(tgid, now);
	if (!st)
		return 0;
	st->execs++;
	__builtin_memcpy(st->comm, comm, sizeof(st->comm));

#if ENABLE_EXEC_EVENTS
	struct exec_event *ev = event_reserve(sizeof(*ev));
	/* __data_loc: the low 16 bits are the string's offset in the record. */
	unsigned int name_off = ctx->__data_loc_filename & 0xffff;

	if (!ev)
		return 0;
	fill_hdr(&ev->hdr, EVENT_EXEC, now);
	bpf_probe_read_kernel_str(ev->filename, sizeof(ev->filename), (void *)ctx + name_off);
	bpf_ringbuf_submit(ev, 0);
#else
	(void)ctx;
#endif
	trace_dbg("exec pid %u", tgid);
	return 0;
}

/* ---- openat ------------------------------------------------------------------- */

#if ENABLE_OPEN_TRACE
SEC("tracepoint/syscalls/sys_enter_openat")
int handle_openat(struct trace_event_raw_sys_enter *ctx)
{
	u64 id = bpf_get_current_pid_tgid();
	u64 now = bpf_ktime_get_ns();
	struct inflight_open op = {};
	u32 tid = (u32)id;

	if (!track_current(id >> 32, now))
		return 0;
	/* openat(int dfd, const char *filename, int flags, umode_t mode) */
	op.dfd = (s32)ctx->args[0];
	op.filename = ctx->args[1];
	op.flags = (u32)ctx->args[2];
	op.start_ns = now;
	bpf_map_update_elem(&inflight_opens, &tid, &op, BPF_ANY);
	return 0;
}

static __always_inline void emit_open(const struct inflight_open *op, long ret, u64 now)
{
	struct open_event *ev;

	if (failed_opens_only && ret >= 0)
		return;
	ev = event_reserve(sizeof(*ev));
	if (!ev)
		return;
	fill_hdr(&ev->hdr, EVENT_OPEN, now);
	ev->ret = (s32)ret;
	ev->dfd = op->dfd;
	ev->flags = op->flags;
	ev->pad = 0;
	ev->latency_ns = now - op->start_ns;
	/* The path is user memory: it may be paged out, then we get an empty string. */
	if (bpf_probe_read_user_str(ev->filename, sizeof(ev->filename),
				    (const void *)op->filename) < 0)
		ev->filename[0] = '\0';
	bpf_ringbuf_submit(ev, 0);
}

SEC("tracepoint/syscalls/sys_exit_openat")
int handle_openat_ret(struct trace_event_raw_sys_exit *ctx)
{
	u64 id = bpf_get_current_pid_tgid();
	u32 tgid = id >> 32, tid = (u32)id;
	u64 now = bpf_ktime_get_ns();
	struct inflight_open *op;
	struct proc_stats *st;
	long ret = ctx->ret;

	op = bpf_map_lookup_elem(&inflight_opens, &tid);
	if (!op)
		return 0;
	st = bpf_map_lookup_elem(&proc_stats, &tgid);
	if (st) {
		__sync_fetch_and_add(&st->opens, 1);
		if (ret < 0)
			__sync_fetch_and_add(&st->open_errors, 1);
	}
	emit_open(op, ret, now);
	bpf_map_delete_elem(&inflight_opens, &tid);
	return 0;
}
#endif /* ENABLE_OPEN_TRACE */

/* ---- scheduler ------------------------------------------------------------------ */

#if ENABLE_SCHED_STATS
/* The task leaving the CPU: on-CPU time since it got it, and why it leaves. */
static __always_inline void account_switch_out(struct cpu_slot *slot, struct task_struct *prev,
					       bool preempt, u64 now)
{
	u32 tgid = BPF_CORE_READ(prev, tgid);
	struct proc_stats *st;

	st = bpf_map_lookup_elem(&proc_stats, &tgid);
	if (!st)
		return;
	if (slot->traced && slot->tgid == tgid && now > slot->since_ns)
		__sync_fetch_and_add(&st->oncpu_ns, now - slot->since_ns);
	if (preempt || task_state(prev) == TRACE_TASK_RUNNING)
		__sync_fetch_and_add(&st->involuntary_switches, 1);
	else
		__sync_fetch_and_add(&st->voluntary_switches, 1);
}

/*
 * raw_tp: no tracepoint record, the TP_PROTO arguments (preempt, prev, next,
 * prev_state) as u64s. prev_state is left alone: kernels before 5.18 do not
 * pass it, task_state() works everywhere.
 */
SEC("raw_tp/sched_switch")
int BPF_PROG(handle_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	u64 now = bpf_ktime_get_ns();
	struct cpu_slot *slot;
	u32 key = 0, next_tgid;

	slot = bpf_map_lookup_elem(&cpu_slots, &key);
	if (!slot)
		return 0;
	account_switch_out(slot, prev, preempt, now);

	next_tgid = BPF_CORE_READ(next, tgid);
	slot->since_ns = now;
	slot->tgid = next_tgid;
	slot->traced = bpf_map_lookup_elem(&proc_stats, &next_tgid) != NULL;
	return 0;
}
#endif /* ENABLE_SCHED_STATS */

/* ---- process lifetime ---------------------------------------------------------- */

#if ENABLE_FOLLOW_FORK
/* A new process (not a thread) of a traced parent is traced from its first instruction. */
SEC("raw_tp/sched_process_fork")
int BPF_PROG(handle_fork, struct task_struct *parent, struct task_struct *child)
{
	u32 parent_tgid = BPF_CORE_READ(parent, tgid);
	u32 child_tgid = BPF_CORE_READ(child, tgid);
	struct proc_stats *pst, fresh = {};

	if ((u32)BPF_CORE_READ(child, pid) != child_tgid)
		return 0;
	pst = bpf_map_lookup_elem(&proc_stats, &parent_tgid);
	if (!pst)
		return 0;
	fresh.start_ns = bpf_ktime_get_ns();
	fresh.ppid = parent_tgid;
	BPF_CORE_READ_STR_INTO(&fresh.comm, child, comm);
	bpf_map_update_elem(&proc_stats, &child_tgid, &fresh, BPF_NOEXIST);
	return 0;
}
#endif

/* Called for every exiting thread; the process is gone when group_dead is set. */
SEC("tracepoint/sched/sched_process_exit")
int handle_exit(struct trace_event_raw_sched_process_exit *ctx)
{
	u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct proc_stats *st;
	u64 now, lifetime;

	if (!ctx->group_dead)
		return 0;
	st = bpf_map_lookup_elem(&proc_stats, &tgid);
	if (!st)
		return 0;
	now = bpf_ktime_get_ns();
	lifetime = now - st->start_ns;

#if ENABLE_EXIT_EVENTS
	if (lifetime >= min_lifetime_ns) {
		struct task_struct *task = (struct task_struct *)bpf_get_current_task();
		struct exit_event *ev = event_reserve(sizeof(*ev));

		if (ev) {
			fill_hdr(&ev->hdr, EVENT_EXIT, now);
			ev->exit_code = BPF_CORE_READ(task, exit_code);
			ev->execs = st->execs;
			ev->lifetime_ns = lifetime;
			ev->oncpu_ns = st->oncpu_ns;
			ev->opens = st->opens;
			ev->open_errors = st->open_errors;
			ev->voluntary_switches = st->voluntary_switches;
			ev->involuntary_switches = st->involuntary_switches;
			bpf_ringbuf_submit(ev, 0);
		}
	}
#else
	(void)lifetime;
#endif
	trace_dbg("exit pid %u after %llu ns", tgid, lifetime);
	bpf_map_delete_elem(&proc_stats, &tgid);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
