/* Empty on purpose: under --target=bpf glibc headers see no __x86_64__ and include
   gnu/stubs-32.h, which only the i386 libc package ships. BPF code needs none of it. */
