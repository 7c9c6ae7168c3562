//===- FuzzVerifierLog.cpp - the verifier-log parser and failure classifier ------===//
//
// The input is a verifier log, optionally followed by a NUL byte and what libbpf printed. The
// statistics parser reads the log; the classifier sees it with each errno a load can end with.
// Every class it answers must be one of ARCHITECTURE.md's verify contract.
//
//===----------------------------------------------------------------------===//
#include "FuzzSupport.h"

#include "bpfcarve/verifier/VerifierLog.h"

#include <cerrno>
#include <cstring>
#include <string_view>

using namespace bpfcarve::verifier;

namespace {

bool knownClass(const std::string &C) {
  namespace fc = failure_class;
  for (const char *K : {fc::Open, fc::MapCreate, fc::NeedsAttachTarget, fc::UnresolvedKsym,
                        fc::CtxAccess, fc::PacketBounds, fc::HelperNotAllowed, fc::ReturnRange,
                        fc::MapCompat, fc::Permission, fc::Complexity, fc::VerifierOther})
    if (C == K)
      return true;
  return false;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  std::string_view All(reinterpret_cast<const char *>(Data), Size);
  size_t Nul = All.find('\0');
  std::string_view Log = All.substr(0, Nul);
  std::string_view Libbpf = Nul == std::string_view::npos ? std::string_view() : All.substr(Nul + 1);

  VerifierStats S = parseVerifierStats(Log);
  (void)S;
  for (int Errno : {EACCES, EINVAL, EPERM, E2BIG, ENOENT, ESRCH, ENOTSUP, EFAULT, 0}) {
    VerifierError E = classifyFailure(Log, Errno, Libbpf);
    bpfcarve::fuzz::note("errno " + std::to_string(Errno) + ": " + E.cls);
    if (!knownClass(E.cls))
      bpfcarve::fuzz::finding("classifyFailure answered an unknown class '" + E.cls + "'");
  }
  return 0;
}
