//===- TempDir.h - a private temporary directory, removed on every exit path -*- C++ -*-===//
#pragma once

#include "bpfcarve/toolchain/Result.h"

#include <string>

namespace bpfcarve::toolchain {

/// mkdtemp (mode 0700) under $TMPDIR or /tmp; the destructor removes it with its contents
/// unless keep() was called (e.g. to show a failing output to the user).
class TempDir {
public:
  static Result<TempDir> create(const std::string &Prefix = "bpfcarve");
  /// The same, under Parent (e.g. a cache directory, so that its contents can be renamed into
  /// place on the same file system).
  static Result<TempDir> createIn(const std::string &Parent, const std::string &Prefix);
  TempDir(TempDir &&O) noexcept : Path(std::move(O.Path)), Keep(O.Keep) { O.Path.clear(); }
  TempDir &operator=(TempDir &&) = delete;
  TempDir(const TempDir &) = delete;
  ~TempDir();
  const std::string &path() const { return Path; }
  void keep();

private:
  explicit TempDir(std::string P) : Path(std::move(P)) {}
  std::string Path;
  bool Keep = false;
};

/// On SIGINT, SIGTERM and SIGHUP, remove every live TempDir (not kept ones), then die of the
/// signal as before. The handler uses only async-signal-safe system calls (openat, getdents64,
/// unlinkat): no allocation and no fork, which would wait forever on an allocator lock held by the
/// code the signal interrupted.
void removeTempDirsOnSignals();

} // namespace bpfcarve::toolchain
