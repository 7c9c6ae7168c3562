//===- Vmlinux.cpp - vmlinux.h from the running kernel's BTF --------------===//
//
// Written with libbpf's btf_dump (what bpftool uses for `btf dump ... format c`), in process: no
// subprocess, and the same output wrapping (preserve_access_index for CO-RE).
//
//===----------------------------------------------------------------------===//
#include "bpfcarve/toolchain/Toolchain.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <string_view>
#include <sys/utsname.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace bpfcarve::toolchain {

namespace {

/// The BTF's identity in the cache directory's name: any fast hash of all its bytes does.
std::uint64_t hashOf(const std::string &Bytes) {
  return static_cast<std::uint64_t>(std::hash<std::string_view>{}(Bytes));
}

void appendPrintf(void *Ctx, const char *Fmt, va_list Args) {
  auto *Out = static_cast<std::string *>(Ctx);
  va_list Copy;
  va_copy(Copy, Args);
  int N = std::vsnprintf(nullptr, 0, Fmt, Copy);
  va_end(Copy);
  if (N <= 0)
    return;
  size_t Old = Out->size();
  Out->resize(Old + static_cast<size_t>(N) + 1);
  std::vsnprintf(Out->data() + Old, static_cast<size_t>(N) + 1, Fmt, Args);
  Out->resize(Old + static_cast<size_t>(N));
}

} // namespace

namespace {
Result<std::string> generateVmlinuxIncludeDir() {
  const char *Override = std::getenv("BPFCARVE_BTF");
  std::string BtfPath = Override && *Override ? Override : "/sys/kernel/btf/vmlinux";
  std::ifstream In(BtfPath, std::ios::binary);
  if (!In)
    return Failure::environment("the kernel exposes no BTF (" + BtfPath +
                                " unreadable); vmlinux.h cannot be generated");
  std::string Raw;
  for (char Buf[1 << 16]; In.read(Buf, sizeof Buf) || In.gcount() > 0;)
    Raw.append(Buf, static_cast<size_t>(In.gcount()));

  utsname U{};
  ::uname(&U);
  char Hash[17];
  std::snprintf(Hash, sizeof Hash, "%016llx", static_cast<unsigned long long>(hashOf(Raw)));
  fs::path Dir = fs::path(cacheDir()) / "vmlinux" / (std::string(U.release) + "-" + Hash);
  if (fs::exists(Dir / "vmlinux.h"))
    return Dir.string();

  std::unique_ptr<btf, void (*)(btf *)> Btf(btf__parse(BtfPath.c_str(), nullptr), btf__free);
  if (!Btf)
    return Failure::environment("cannot parse BTF at " + BtfPath + ": " + std::strerror(errno));
  std::string Text = "#ifndef __VMLINUX_H__\n#define __VMLINUX_H__\n\n"
                     "#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n"
                     "#pragma clang attribute push (__attribute__((preserve_access_index)), "
                     "apply_to = record)\n#endif\n\n";
  btf_dump_opts Opts{};
  Opts.sz = sizeof Opts;
  std::unique_ptr<btf_dump, void (*)(btf_dump *)> Dump(
      btf_dump__new(Btf.get(), appendPrintf, &Text, &Opts), btf_dump__free);
  if (!Dump)
    return Failure::internal("btf_dump__new failed");
  unsigned N = btf__type_cnt(Btf.get());
  for (unsigned Id = 1; Id < N; ++Id)
    if (int Err = btf_dump__dump_type(Dump.get(), Id))
      return Failure::internal("btf_dump of type " + std::to_string(Id) +
                               " failed: " + std::strerror(-Err));
  Text += "\n#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute pop\n#endif\n\n"
          "#endif /* __VMLINUX_H__ */\n";

  std::error_code EC;
  fs::create_directories(Dir, EC);
  fs::path Tmp = Dir / ("vmlinux.h.tmp." + std::to_string(::getpid()));
  {
    std::ofstream O(Tmp, std::ios::binary);
    O << Text;
    if (!O)
      return Failure::environment("cannot write " + Tmp.string());
  }
  fs::rename(Tmp, Dir / "vmlinux.h", EC);
  if (EC)
    return Failure::environment("cannot write " + (Dir / "vmlinux.h").string() + ": " +
                                EC.message());
  return Dir.string();
}
} // namespace

Result<std::string> vmlinuxIncludeDir() {
  // The BTF is read and hashed (megabytes) once per process, BTF file and cache directory: the
  // kernel's types do not change under a running command (`extract --each` asks per slice). A
  // header removed since is written again.
  static std::mutex M;
  static std::map<std::string, std::string> Known;
  const char *Override = std::getenv("BPFCARVE_BTF");
  std::string Key = std::string(Override ? Override : "") + '\n' + cacheDir();
  std::lock_guard<std::mutex> Lock(M);
  if (auto It = Known.find(Key); It != Known.end() && fs::exists(It->second + "/vmlinux.h"))
    return It->second;
  auto Dir = generateVmlinuxIncludeDir();
  if (Dir)
    Known[Key] = *Dir;
  return Dir;
}

} // namespace bpfcarve::toolchain
