/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tracer.h - what the tracing sample shares with user space: ring buffer
 * records, the per-process statistics, and the defaults of the feature
 * switches. Include after vmlinux.h (it uses the kernel's u32/u64/pid_t).
 */
#ifndef TRACER_H
#define TRACER_H

/* Feature switches: 1 in, 0 out; tested with #if, so -DNAME=0 works. */
#ifndef ENABLE_EXEC_EVENTS
#define ENABLE_EXEC_EVENTS 1	/* an event per exec, with the file name */
#endif
#ifndef ENABLE_OPEN_TRACE
#define ENABLE_OPEN_TRACE 1	/* count openat() per process, events with paths and results */
#endif
#ifndef ENABLE_SCHED_STATS
#define ENABLE_SCHED_STATS 1	/* on-CPU time and context switches from sched_switch */
#endif
#ifndef ENABLE_EXIT_EVENTS
#define ENABLE_EXIT_EVENTS 1	/* a summary event when a traced process exits */
#endif
#ifndef ENABLE_FOLLOW_FORK
#define ENABLE_FOLLOW_FORK 1	/* children of traced processes are traced too */
#endif
/* TRACE_DEBUG: define it (no value) for bpf_printk traces. */

#define TRACE_COMM_LEN		16
#define TRACE_PATH_LEN		256
#define TRACE_MAX_PROCS		8192
#define TRACE_MAX_INFLIGHT	4096
#define TRACE_EVENTS_BYTES	(512 * 1024)

/* TASK_RUNNING: a task switched out in this state was preempted. */
#define TRACE_TASK_RUNNING	0

enum event_type {
	EVENT_EXEC = 1,
	EVENT_OPEN = 2,
	EVENT_EXIT = 3,
};

/* First member of every ring buffer record. */
struct event_hdr {
	u32 type;		/* enum event_type */
	u32 pid;		/* thread group id, what user space calls the PID */
	u32 tid;
	u32 ppid;
	u32 uid;
	u32 pad;
	u64 timestamp_ns;
	char comm[TRACE_COMM_LEN];
};

struct exec_event {
	struct event_hdr hdr;
	char filename[TRACE_PATH_LEN];
};

struct open_event {
	struct event_hdr hdr;
	s32 ret;		/* the new fd, or -errno */
	s32 dfd;
	u32 flags;		/* O_* */
	u32 pad;
	u64 latency_ns;
	char filename[TRACE_PATH_LEN];
};

struct exit_event {
	struct event_hdr hdr;
	u32 exit_code;		/* as wait() reports it */
	u32 execs;
	u64 lifetime_ns;
	u64 oncpu_ns;
	u64 opens;
	u64 open_errors;
	u64 voluntary_switches;
	u64 involuntary_switches;
};

/* proc_stats value: one traced process (thread group). */
struct proc_stats {
	u64 start_ns;		/* when tracing of it began */
	u64 oncpu_ns;
	u64 opens;
	u64 open_errors;
	u64 voluntary_switches;	/* blocked: sleep, I/O, lock */
	u64 involuntary_switches; /* preempted while runnable */
	u32 execs;
	u32 ppid;
	char comm[TRACE_COMM_LEN];
};

/* An openat() between entry and exit, by thread id. */
struct inflight_open {
	u64 filename;		/* user pointer */
	u64 start_ns;
	s32 dfd;
	u32 flags;
};

/* Per-CPU: who got the CPU last, and when. */
struct cpu_slot {
	u64 since_ns;
	u32 tgid;
	u32 traced;
};

#endif /* TRACER_H */
