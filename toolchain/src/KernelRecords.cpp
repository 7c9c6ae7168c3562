//===- KernelRecords.cpp --------------------------------------------------===//
#include "bpfcarve/toolchain/KernelRecords.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <sys/utsname.h>

namespace bpfcarve::toolchain {

std::string kernelRelease() {
  if (const char *E = std::getenv("BPFCARVE_KERNEL_RELEASE"); E && *E)
    return E;
  struct utsname U{};
  return ::uname(&U) == 0 ? U.release : "";
}

namespace {
/// Releases compared as runs of digits (by value) and of other characters (bytewise):
/// 6.18.44-fc-v445 < 6.18.44-fc-v1272. manifest_json.py's _version_key orders the same way.
bool versionLess(const std::string &A, const std::string &B) {
  size_t I = 0, J = 0;
  auto Run = [](const std::string &S, size_t &P) {
    size_t Start = P;
    bool Digit = std::isdigit(static_cast<unsigned char>(S[P]));
    while (P < S.size() &&
           static_cast<bool>(std::isdigit(static_cast<unsigned char>(S[P]))) == Digit)
      ++P;
    return std::make_pair(Digit, S.substr(Start, P - Start));
  };
  while (I < A.size() && J < B.size()) {
    auto [DA, RA] = Run(A, I);
    auto [DB, RB] = Run(B, J);
    if (DA != DB)
      return DA; // a number sorts before text, as (0, n) < (1, text)
    if (DA) {
      unsigned long long NA = std::stoull(RA.substr(0, 18)), NB = std::stoull(RB.substr(0, 18));
      if (NA != NB)
        return NA < NB;
    } else if (RA != RB) {
      return RA < RB;
    }
  }
  return I >= A.size() && J < B.size();
}
} // namespace

std::vector<KernelRecord> kernelRecords(const std::string &Dir, std::string_view Suffix) {
  std::vector<KernelRecord> Out;
  std::error_code EC;
  for (const auto &E : std::filesystem::directory_iterator(Dir, EC)) {
    std::string Name = E.path().filename().string();
    if (Name.size() > Suffix.size() &&
        Name.compare(Name.size() - Suffix.size(), Suffix.size(), Suffix) == 0)
      Out.push_back({E.path().string(), Name.substr(0, Name.size() - Suffix.size()), false});
  }
  std::sort(Out.begin(), Out.end(), [](const KernelRecord &A, const KernelRecord &B) {
    return versionLess(A.release, B.release);
  });
  return Out;
}

std::optional<size_t> nearestRelease(const std::vector<std::string> &Releases,
                                     const std::string &Release) {
  if (Releases.empty())
    return std::nullopt;
  auto Common = [&](const std::string &R) {
    return static_cast<size_t>(
        std::mismatch(R.begin(), R.end(), Release.begin(), Release.end()).first - R.begin());
  };
  // In version order, so the last of the longest common prefixes is the highest version.
  size_t Best = 0;
  for (size_t I = 0; I < Releases.size(); ++I)
    if (Common(Releases[I]) >= Common(Releases[Best]))
      Best = I;
  return Best;
}

std::optional<KernelRecord> chooseKernelRecord(const std::string &Dir, std::string_view Suffix,
                                               const std::string &Release) {
  std::vector<KernelRecord> All = kernelRecords(Dir, Suffix);
  std::vector<std::string> Releases;
  Releases.reserve(All.size());
  for (const KernelRecord &R : All)
    Releases.push_back(R.release);
  std::optional<size_t> I = nearestRelease(Releases, Release);
  if (!I)
    return std::nullopt;
  KernelRecord Out = All[*I];
  Out.exact = Out.release == Release;
  return Out;
}

} // namespace bpfcarve::toolchain
