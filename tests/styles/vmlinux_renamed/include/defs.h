/* The project's definitions over the kernel's BTF: section and map macros of its own, helpers
 * as pointers initialised from vmlinux.h's enum bpf_func_id. */
#ifndef PROJECT_DEFS_H
#define PROJECT_DEFS_H

#include "vmlinux.h"

#define PROG(NAME) __attribute__((section(NAME), used))
#define SEC(NAME) PROG(NAME)
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name
static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *)BPF_FUNC_map_lookup_elem;

#endif
