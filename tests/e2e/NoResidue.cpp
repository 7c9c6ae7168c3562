//===- NoResidue.cpp - the no-residue listener shared by the e2e tests ----===//
#include "NoResidue.h"

#include <bpf/bpf.h>
#include <gtest/gtest.h>

#include <chrono>
#include <dirent.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;

namespace bpfcarve::testing {

namespace {

std::set<std::string> bpffsListing() {
  std::set<std::string> S;
  std::error_code EC;
  fs::recursive_directory_iterator It("/sys/fs/bpf", fs::directory_options::skip_permission_denied,
                                      EC);
  for (; !EC && It != fs::recursive_directory_iterator(); It.increment(EC)) {
    std::string P = It->path().string();
    std::error_code TypeEC;
    if (It->is_directory(TypeEC))
      P += "/";
    S.insert(P);
  }
  return S;
}

template <typename NextId, typename FdById>
bool listIds(NextId Next, FdById ById, bool IsProg, std::map<__u32, std::string> &Out) {
  __u32 Id = 0;
  bool Any = false;
  while (true) {
    if (Next(Id, &Id) != 0)
      return Any || errno == ENOENT;
    Any = true;
    std::string Name;
    int Fd = ById(Id);
    if (Fd >= 0) {
      if (IsProg) {
        bpf_prog_info Info{};
        __u32 Len = sizeof Info;
        if (bpf_obj_get_info_by_fd(Fd, &Info, &Len) == 0)
          Name = Info.name;
      } else {
        bpf_map_info Info{};
        __u32 Len = sizeof Info;
        if (bpf_obj_get_info_by_fd(Fd, &Info, &Len) == 0)
          Name = Info.name;
      }
      ::close(Fd);
    }
    Out[Id] = Name;
  }
}

/// Ids of the programs and maps that a live process other than this one holds through a file
/// descriptor (programs, maps, links), plus the maps those programs use.
void heldByOthers(std::set<__u32> &Progs, std::set<__u32> &Maps) {
  std::string Self = std::to_string(::getpid());
  std::error_code EC;
  for (const auto &P : fs::directory_iterator("/proc", EC)) {
    std::string Pid = P.path().filename().string();
    if (Pid.empty() || Pid.find_first_not_of("0123456789") != std::string::npos || Pid == Self)
      continue;
    std::error_code FdEC;
    for (const auto &F : fs::directory_iterator(P.path() / "fdinfo", FdEC)) {
      std::ifstream In(F.path());
      for (std::string Line; std::getline(In, Line);) {
        unsigned long Id = 0;
        if (std::sscanf(Line.c_str(), "prog_id: %lu", &Id) == 1)
          Progs.insert(static_cast<__u32>(Id));
        else if (std::sscanf(Line.c_str(), "map_id: %lu", &Id) == 1)
          Maps.insert(static_cast<__u32>(Id));
      }
    }
  }
  for (__u32 Id : Progs) {
    int Fd = bpf_prog_get_fd_by_id(Id);
    if (Fd < 0)
      continue;
    __u32 MapIds[256] = {};
    bpf_prog_info Info{};
    Info.nr_map_ids = 256;
    Info.map_ids = reinterpret_cast<__u64>(MapIds);
    __u32 Len = sizeof Info;
    if (bpf_obj_get_info_by_fd(Fd, &Info, &Len) == 0)
      for (__u32 I = 0; I < std::min<__u32>(Info.nr_map_ids, 256); ++I)
        Maps.insert(MapIds[I]);
    ::close(Fd);
  }
}

std::set<std::string> candidates(const KernelSnapshot &Before, const KernelSnapshot &Now,
                                  bool ExcludeOthers) {
  std::set<__u32> OtherProgs, OtherMaps;
  std::set<std::string> Out;
  bool AnyNew = false;
  for (const auto &[Id, Name] : Now.progs)
    AnyNew |= !Before.progs.count(Id);
  for (const auto &[Id, Name] : Now.maps)
    AnyNew |= !Before.maps.count(Id);
  if (!AnyNew)
    return Out;
  if (ExcludeOthers)
    heldByOthers(OtherProgs, OtherMaps);
  for (const auto &[Id, Name] : Now.progs)
    if (!Before.progs.count(Id) && !OtherProgs.count(Id))
      Out.insert("prog " + std::to_string(Id) + " " + Name);
  for (const auto &[Id, Name] : Now.maps)
    if (!Before.maps.count(Id) && !OtherMaps.count(Id))
      Out.insert("map " + std::to_string(Id) + " " + Name);
  return Out;
}

} // namespace

KernelSnapshot takeKernelSnapshot() {
  KernelSnapshot S;
  S.bpffs = bpffsListing();
  S.idsReadable = listIds(bpf_prog_get_next_id, bpf_prog_get_fd_by_id, true, S.progs) &&
                  listIds(bpf_map_get_next_id, bpf_map_get_fd_by_id, false, S.maps);
  return S;
}

std::set<std::string> residueSince(const KernelSnapshot &Before) {
  using namespace std::chrono;
  // Everything the test created exists by now (its processes have ended). An object counts only
  // while it stays loaded and unheld at every look: another process's short-lived objects (a
  // loader between two steps, one that just exited) drop out, what the test left does not.
  auto Deadline = steady_clock::now() + seconds(3);
  std::set<std::string> Suspects = candidates(Before, takeKernelSnapshot(), true);
  while (!Suspects.empty() && steady_clock::now() < Deadline) {
    std::this_thread::sleep_for(milliseconds(50));
    std::set<std::string> Now = candidates(Before, takeKernelSnapshot(), true), Still;
    for (const std::string &S : Suspects)
      if (Now.count(S))
        Still.insert(S);
    Suspects = std::move(Still);
  }
  return Suspects;
}

namespace {

class NoResidueListener : public ::testing::EmptyTestEventListener {
  KernelSnapshot Before;

  void OnTestStart(const ::testing::TestInfo &) override { Before = takeKernelSnapshot(); }

  void OnTestEnd(const ::testing::TestInfo &Info) override {
    // Runs before the result printer's OnTestEnd (listeners end in reverse order), so a failure
    // added here is part of the test's verdict and its output.
    if (Info.result() && Info.result()->Skipped())
      return;
    std::set<std::string> Bpffs = bpffsListing();
    if (Bpffs != Before.bpffs) {
      std::ostringstream D;
      for (const std::string &P : Bpffs)
        if (!Before.bpffs.count(P))
          D << "\n  added:   " << P;
      for (const std::string &P : Before.bpffs)
        if (!Bpffs.count(P))
          D << "\n  removed: " << P;
      ADD_FAILURE() << "no-residue: /sys/fs/bpf changed during the test:" << D.str();
    }
    if (!Before.idsReadable)
      return;
    std::set<std::string> Left = residueSince(Before);
    if (!Left.empty()) {
      std::ostringstream D;
      for (const std::string &L : Left)
        D << "\n  " << L;
      ADD_FAILURE() << "no-residue: still loaded after the test and held by no other process:"
                    << D.str();
    }
  }
};

class NoResidueEnvironment : public ::testing::Environment {
public:
  void SetUp() override {
    ::testing::UnitTest::GetInstance()->listeners().Append(new NoResidueListener);
  }
};

// Registered before main() runs RUN_ALL_TESTS (gtest_main).
[[maybe_unused]] ::testing::Environment *const Registered =
    ::testing::AddGlobalTestEnvironment(new NoResidueEnvironment);

} // namespace

} // namespace bpfcarve::testing
