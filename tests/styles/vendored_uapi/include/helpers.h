/* The project's own helper header: helpers as pointers initialised from the enum. */
#ifndef PROJECT_HELPERS_H
#define PROJECT_HELPERS_H

#include "bpf_subset.h"

#define SEC(NAME) __attribute__((section(NAME), used))
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name
static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *)BPF_FUNC_map_lookup_elem;

#endif
