//===- VerifierLogTest.cpp - every verifier-log seed is classified as its name -===//
//
// tests/fuzz/seeds/verifier_log/<class>.log are real logs of this kernel (docs/fuzzing.md), each
// `LOG\0LIBBPF-LINES`; the file name is the failure class (ARCHITECTURE.md's verify contract)
// that classifyFailure must answer for it. A seed whose name is not a class is listed below with
// the class it must get (or none) and why it is not named after it; a seed that is neither fails.
// The errno handed to the classifier is the one libbpf printed: `failed to load: -N`, else the
// first `(-N)` of its lines, else 0 (what the loader sees for failures before the load).
//
//===----------------------------------------------------------------------===//
#include "bpfcarve/verifier/VerifierLog.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using namespace bpfcarve::verifier;

namespace {

const std::string Seeds = BPFCARVE_SOURCE_DIR "/tests/fuzz/seeds/verifier_log";

const std::vector<std::string> &classes() {
  namespace fc = failure_class;
  static const std::vector<std::string> All = {
      fc::Open,         fc::MapCreate,        fc::NeedsAttachTarget, fc::UnresolvedKsym,
      fc::CtxAccess,    fc::PacketBounds,     fc::HelperNotAllowed,  fc::ReturnRange,
      fc::MapCompat,    fc::Permission,       fc::Complexity,        fc::VerifierOther};
  return All;
}

/// Seeds not named after a class: the class each must get ("" = not a failure) and why.
struct Exception {
  const char *file;
  const char *cls;
  const char *why;
};
const Exception Exceptions[] = {
    {"mixed.log", failure_class::MapCreate,
     "bpftool's load of tests/inputs/verify/mixed.bpf.c outside a BPF FS: libbpf could not "
     "auto-pin the map and reports it as `failed to create`, so the class is map_create, but the "
     "cause is the environment (bpfcarve loads in a private bpffs, where mixed.bpf.c passes) and "
     "map_create.log is the seed of a map the kernel refuses"},
    {"stats-level4.log", "",
     "the log_level 4 statistics of a successful load, the seed of parseVerifierStats: there is "
     "no failure to classify (its statistics are checked instead)"},
};

const Exception *exceptionFor(const std::string &File) {
  for (const Exception &E : Exceptions)
    if (File == E.file)
      return &E;
  return nullptr;
}

std::string slurp(const fs::path &P) {
  std::ifstream I(P, std::ios::binary);
  std::stringstream S;
  S << I.rdbuf();
  return S.str();
}

std::vector<std::string> seedFiles() {
  std::vector<std::string> Out;
  std::error_code EC;
  for (const auto &E : fs::directory_iterator(Seeds, EC))
    if (E.path().extension() == ".log")
      Out.push_back(E.path().filename().string());
  std::sort(Out.begin(), Out.end());
  return Out;
}

/// The N of the first `Prefix-N` in Text, else nullopt.
std::optional<int> numberAfter(std::string_view Text, std::string_view Prefix) {
  size_t P = Text.find(Prefix);
  if (P == std::string_view::npos)
    return std::nullopt;
  const char *B = Text.data() + P + Prefix.size(), *E = Text.data() + Text.size();
  int N = 0;
  auto [End, Err] = std::from_chars(B, E, N);
  if (Err != std::errc() || End == B)
    return std::nullopt;
  return N;
}

struct Seed {
  std::string log, libbpf;
  int errnum = 0;
};

Seed readSeed(const std::string &File) {
  std::string All = slurp(fs::path(Seeds) / File);
  size_t Nul = All.find('\0');
  Seed S{All.substr(0, Nul), Nul == std::string::npos ? "" : All.substr(Nul + 1), 0};
  if (auto N = numberAfter(S.libbpf, "failed to load: -"))
    S.errnum = *N;
  else if (auto N = numberAfter(S.libbpf, "(-"))
    S.errnum = *N;
  return S;
}

/// "ctx_access.log" -> "ctx_access"; "" when the name is not a class.
std::string classOfName(const std::string &File) {
  std::string Stem = fs::path(File).stem().string();
  return std::find(classes().begin(), classes().end(), Stem) != classes().end() ? Stem : "";
}

class VerifierLogSeed : public ::testing::TestWithParam<std::string> {};

TEST_P(VerifierLogSeed, IsClassifiedAsItsName) {
  const std::string &File = GetParam();
  std::string Want = classOfName(File);
  const Exception *Ex = exceptionFor(File);
  ASSERT_TRUE(!Want.empty() || Ex)
      << File << " is named after no failure class (" << ::testing::PrintToString(classes())
      << "): rename it to the class it is, or list it in Exceptions with the reason";
  ASSERT_FALSE(!Want.empty() && Ex) << File << " is named after a class: drop its exception";
  std::string Note;
  if (Ex) {
    Want = Ex->cls;
    Note = std::string(" [listed exception: ") + Ex->why + "]";
  }
  Seed S = readSeed(File);
  if (Want.empty()) { // not a failure: the statistics of a load that passed
    EXPECT_TRUE(parseVerifierStats(S.log).insnsProcessed.has_value()) << File << Note;
    return;
  }
  VerifierError E = classifyFailure(S.log, S.errnum, S.libbpf);
  EXPECT_EQ(E.cls, Want) << File << " (errno " << S.errnum << "): message '" << E.message << "'"
                         << Note;
  EXPECT_FALSE(E.message.empty()) << File;
}

std::string testName(const ::testing::TestParamInfo<std::string> &Info) {
  std::string N = fs::path(Info.param).stem().string();
  for (char &C : N)
    if (!std::isalnum(static_cast<unsigned char>(C)))
      C = '_';
  return N;
}

INSTANTIATE_TEST_SUITE_P(Seeds, VerifierLogSeed, ::testing::ValuesIn(seedFiles()), testName);

TEST(VerifierLogSeeds, ThereAreSeedsAndEveryExceptionExists) {
  std::vector<std::string> Files = seedFiles();
  EXPECT_GE(Files.size(), 10u) << "no seeds found in " << Seeds;
  for (const Exception &E : Exceptions)
    EXPECT_NE(std::find(Files.begin(), Files.end(), E.file), Files.end())
        << E.file << " is listed as an exception but is not a seed any more";
}

TEST(VerifierLogSeeds, StatisticsSeedParses) {
  VerifierStats S = parseVerifierStats(readSeed("stats-level4.log").log);
  EXPECT_EQ(S.insnsProcessed, 37u);
  EXPECT_EQ(S.totalStates, 3u);
  EXPECT_EQ(S.stackDepth, (std::vector<unsigned>{16, 0, 32}));
  EXPECT_EQ(S.verifyTimeUs, 25u);
}

// The errno rule above, on the seeds whose class depends on it.
TEST(VerifierLogSeeds, ErrnoIsWhatLibbpfPrinted) {
  EXPECT_EQ(readSeed("permission.log").errnum, 1);      // EPERM: the permission class
  EXPECT_EQ(readSeed("ctx_access.log").errnum, 13);     // EACCES
  EXPECT_EQ(readSeed("map_create.log").errnum, 22);     // `Invalid argument(-22)`
  EXPECT_EQ(readSeed("unresolved_ksym.log").errnum, 0); // nothing printed
}

// Kernels before 6.2 (Debian 12's 6.1) print the source line without " @ file:line": the text is
// kept for the loader to locate in the object's line info; file and line stay unknown here.
TEST(VerifierLog, SourceTextWithoutALocationIsKept) {
  const char *Log = "0: R1=ctx(off=0,imm=0) R10=fp0\n"
                    "; void *data = (void *)(long)ctx->data;\n"
                    "0: (61) r2 = *(u32 *)(r1 +0)\n"
                    "; if (eth->h_proto == 0)\n"
                    "2: (69) r3 = *(u16 *)(r2 +12)\n"
                    "invalid access to packet, off=12 size=2, R2(id=0,off=12,r=0)\n"
                    "R2 offset is outside of the packet\n"
                    "processed 3 insns (limit 1000000) max_states_per_insn 0 total_states 0 "
                    "peak_states 0 mark_read 0\n";
  VerifierError E = classifyFailure(Log, 13, "");
  EXPECT_EQ(E.cls, failure_class::PacketBounds);
  EXPECT_EQ(E.sourceText, "if (eth->h_proto == 0)");
  EXPECT_EQ(E.file, "");
  EXPECT_EQ(E.line, 0u);
}

} // namespace
