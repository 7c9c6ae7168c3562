//===- GuestTest.cpp - the parts of --kernel that need no virtual machine --===//
//
// The initramfs archive read back as the kernel reads it (newc), the agent's report lines
// round-tripped, and how kernel names resolve. No kernel, no QEMU, no network.
//
//===----------------------------------------------------------------------===//
#include "bpfcarve/verifier/Guest.h"
#include "bpfcarve/verifier/Kernels.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>

using namespace bpfcarve;
using namespace bpfcarve::verifier;

namespace {

struct CpioEntry {
  unsigned mode = 0;
  std::string data;
};

/// Reads a newc archive the way the kernel's initramfs unpacker does; fails the test on any
/// malformed header or misalignment.
std::map<std::string, CpioEntry> readNewc(const std::string &A, bool &Trailer) {
  std::map<std::string, CpioEntry> Out;
  Trailer = false;
  size_t At = 0;
  auto Field = [&](size_t I) {
    return static_cast<unsigned>(std::strtoul(A.substr(At + 6 + I * 8, 8).c_str(), nullptr, 16));
  };
  while (At + 110 <= A.size()) {
    EXPECT_EQ(A.substr(At, 6), "070701") << "at byte " << At;
    EXPECT_EQ(At % 4, 0u) << "header not 4-aligned at " << At;
    unsigned Mode = Field(1), Size = Field(6), NameSize = Field(11);
    std::string Name = A.substr(At + 110, NameSize - 1);
    EXPECT_EQ(A[At + 110 + NameSize - 1], '\0');
    size_t Data = (At + 110 + NameSize + 3) & ~size_t(3);
    if (Name == "TRAILER!!!") {
      Trailer = true;
      return Out;
    }
    Out[Name] = {Mode, A.substr(Data, Size)};
    At = (Data + Size + 3) & ~size_t(3);
  }
  return Out;
}

TEST(Initramfs, ReadsBackAsNewcWithModesDataAndTrailer) {
  Initramfs I;
  I.addDirectory("job");
  I.addFile("init", std::string("\x7f" "ELF\0\1", 6), 0755);
  I.addFile("job/job.json", "{\"objects\":[]}");
  I.addFile("job/odd", std::string(5, 'x')); // sizes not a multiple of 4 pad the next header
  bool Trailer = false;
  auto Entries = readNewc(I.finish(), Trailer);
  EXPECT_TRUE(Trailer);
  ASSERT_EQ(Entries.size(), 4u);
  EXPECT_EQ(Entries["job"].mode, 0040755u);
  EXPECT_EQ(Entries["init"].mode, 0100755u);
  EXPECT_EQ(Entries["init"].data, std::string("\x7f" "ELF\0\1", 6));
  EXPECT_EQ(Entries["job/job.json"].mode, 0100644u);
  EXPECT_EQ(Entries["job/job.json"].data, "{\"objects\":[]}");
  EXPECT_EQ(Entries["job/odd"].data, "xxxxx");
}

TEST(GuestWire, ReportRoundTripsEveryField) {
  ObjectReport R;
  R.object = "/job/0.o";
  R.loaderSizedMaps = {"m (max_entries 1)"};
  ProgramReport Pass;
  Pass.name = "p";
  Pass.section = "xdp";
  Pass.type = "xdp";
  Pass.verdict = "pass";
  Pass.stats.insnsProcessed = 25;
  Pass.stats.totalStates = 1;
  Pass.stats.peakStates = 1;
  Pass.stats.stackDepth = {8, 16};
  Pass.verifiedInsns = 25;
  Pass.xlatedInsns = 28;
  Pass.jitedBytes = 137;
  Pass.log = "processed 25 insns\n";
  TestRunSummary T;
  T.packets = 3;
  T.verdicts = {{"XDP_PASS", 2}};
  T.errors = {{"EINVAL: short", 1}};
  Pass.testRun = T;
  ProgramReport Fail;
  Fail.name = "q";
  Fail.section = "tc";
  Fail.type = "sched_cls";
  Fail.verdict = "fail";
  Fail.error = VerifierError{"unresolved_ksym", "extern 'x' not found", "more", "a.c", 18,
                             "x();"};
  R.programs = {Pass, Fail};

  auto Back = wire::reportFromJson(wire::reportToJson(R));
  ASSERT_TRUE(Back) << Back.failure().message;
  EXPECT_EQ(Back->object, R.object);
  EXPECT_EQ(Back->loaderSizedMaps, R.loaderSizedMaps);
  ASSERT_EQ(Back->programs.size(), 2u);
  const ProgramReport &P = Back->programs[0], &Q = Back->programs[1];
  EXPECT_EQ(P.stats.insnsProcessed, 25u);
  EXPECT_EQ(P.stats.verifyTimeUs, std::nullopt);
  EXPECT_EQ(P.stats.stackDepth, (std::vector<unsigned>{8, 16}));
  EXPECT_EQ(P.jitedBytes, 137u);
  EXPECT_EQ(P.log, Pass.log);
  ASSERT_TRUE(P.testRun);
  EXPECT_EQ(P.testRun->verdicts, T.verdicts);
  EXPECT_EQ(P.testRun->errors, T.errors);
  EXPECT_FALSE(P.error);
  ASSERT_TRUE(Q.error);
  EXPECT_EQ(Q.error->cls, "unresolved_ksym");
  EXPECT_EQ(Q.error->line, 18u);
  EXPECT_EQ(Q.error->sourceText, "x();");
  EXPECT_EQ(Q.error->detail, "more");
  EXPECT_FALSE(Q.testRun);
}

TEST(GuestWire, ReportThatIsNotJsonIsAnInternalFailure) {
  auto Bad = wire::reportFromJson("{\"object\": 1");
  ASSERT_FALSE(Bad);
  EXPECT_EQ(Bad.failure().kind, FailureKind::Internal);
  auto Missing = wire::reportFromJson("{\"object\":\"x\"}");
  ASSERT_FALSE(Missing);
  EXPECT_EQ(Missing.failure().kind, FailureKind::Internal);
}

TEST(Kernels, SeriesResolvesAmongSignedCloudImagesOfThatSeriesOnly) {
  // Names as `apt-cache pkgnames linux-image-6.1.` lists them on Debian 12.
  std::vector<std::string> Names = {
      "linux-image-6.1.0-50-cloud-amd64",    "linux-image-6.1.0-50-cloud-amd64-unsigned",
      "linux-image-6.1.0-53-cloud-amd64-dbg", "linux-image-6.1.0-57-cloud-amd64",
      "linux-image-6.1.0-57-amd64",          "linux-image-6.1.0-49-rt-amd64",
      "linux-image-6.12.118+deb12-cloud-amd64", "linux-image-6.12-cloud-amd64"};
  EXPECT_EQ(seriesPackages("6.1", Names),
            (std::vector<std::string>{"linux-image-6.1.0-50-cloud-amd64",
                                      "linux-image-6.1.0-57-cloud-amd64"}));
  EXPECT_EQ(seriesPackages("6.12", Names),
            (std::vector<std::string>{"linux-image-6.12.118+deb12-cloud-amd64"}));
  EXPECT_TRUE(seriesPackages("5.10", Names).empty());
}

TEST(Kernels, ListsAndNames) {
  auto L = splitKernelList("host, 6.1,6.1,6.12");
  ASSERT_TRUE(L);
  EXPECT_EQ(*L, (std::vector<std::string>{"host", "6.1", "6.12"}));
  EXPECT_FALSE(splitKernelList("6.1,,6.12"));
  EXPECT_FALSE(splitKernelList(""));
  EXPECT_TRUE(isKernelSeries("6.1"));
  EXPECT_TRUE(isKernelSeries("6.12"));
  EXPECT_FALSE(isKernelSeries("6"));
  EXPECT_FALSE(isKernelSeries("6.1.0"));
  EXPECT_FALSE(isKernelSeries("host"));
  auto Missing = resolveKernel("/nonexistent/vmlinuz");
  ASSERT_FALSE(Missing);
  EXPECT_EQ(Missing.failure().kind, FailureKind::BadInput);
  auto Host = resolveKernel("host");
  ASSERT_TRUE(Host);
  EXPECT_TRUE(Host->host);
}

} // namespace
