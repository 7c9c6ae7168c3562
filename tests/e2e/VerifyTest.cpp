//===- VerifyTest.cpp - bpfcarve verify against the real kernel verifier --===//
//
// Each input in tests/inputs/verify provokes one verdict or failure class; the test runs the real
// binary and the real kernel. Without root (CAP_BPF) the tests skip and say so.
//
//===----------------------------------------------------------------------===//
#include "bpfcarve/toolchain/Process.h"
#include "bpfcarve/toolchain/TempDir.h"
#include "bpfcarve/toolchain/Toolchain.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdarg>
#include <filesystem>
#include <regex>
#include <set>
#include <sstream>
#include <unistd.h>

namespace fs = std::filesystem;
using nlohmann::json;
using namespace bpfcarve;

namespace {

const std::string Inputs = BPFCARVE_SOURCE_DIR "/tests/inputs/verify/";

std::set<std::string> bpffsListing() {
  std::set<std::string> S;
  std::error_code EC;
  for (const auto &E : fs::directory_iterator("/sys/fs/bpf", EC))
    S.insert(E.path().filename().string());
  return S;
}

/// Names of loaded programs whose name starts with our test prefix (the kernel keeps 15 chars).
std::set<std::string> loadedTestPrograms() {
  std::set<std::string> Out;
  __u32 Id = 0;
  while (bpf_prog_get_next_id(Id, &Id) == 0) {
    int Fd = bpf_prog_get_fd_by_id(Id);
    if (Fd < 0)
      continue;
    bpf_prog_info Info{};
    __u32 Len = sizeof Info;
    if (bpf_obj_get_info_by_fd(Fd, &Info, &Len) == 0 &&
        std::string(Info.name).rfind("bpfcarve_t_", 0) == 0)
      Out.insert(Info.name);
    ::close(Fd);
  }
  return Out;
}

class Verify : public ::testing::Test {
protected:
  void SetUp() override {
    if (::geteuid() != 0)
      GTEST_SKIP() << "loading into the kernel verifier needs root (CAP_BPF); not root here";
    Before = bpffsListing();
  }
  void TearDown() override {
    if (::geteuid() != 0)
      return;
    // Nothing may be left behind: no pins, no programs of ours still loaded.
    EXPECT_EQ(bpffsListing(), Before) << "/sys/fs/bpf changed";
    EXPECT_TRUE(loadedTestPrograms().empty()) << "a bpfcarve_t_* program is still loaded";
  }

  struct Run {
    int code;
    json report;
    std::string err;
  };
  Run verify(const std::string &Input, std::vector<std::string> Extra = {}) {
    std::vector<std::string> Argv{BPFCARVE_BIN, "verify", Inputs + Input, "--format", "json"};
    Argv.insert(Argv.end(), Extra.begin(), Extra.end());
    auto R = toolchain::runProcess(Argv);
    EXPECT_TRUE(static_cast<bool>(R));
    if (!R)
      return {-1, nullptr, ""};
    return {R->exitCode, json::parse(R->out, nullptr, false), R->err};
  }
  static const json &program(const json &Report, const std::string &Name) {
    for (const json &P : Report["programs"])
      if (P["name"] == Name)
        return P;
    static json Null;
    ADD_FAILURE() << "no program " << Name << " in " << Report.dump();
    return Null;
  }
  void expectFailure(const std::string &Input, const std::string &Prog, const std::string &Class,
                     const std::string &MessagePart, unsigned Line, int Code = 1) {
    Run R = verify(Input);
    EXPECT_EQ(R.code, Code) << R.err;
    const json &P = program(R.report, Prog);
    EXPECT_EQ(P["verdict"], Code == 3 ? "skipped" : "fail");
    ASSERT_TRUE(P["error"].is_object()) << P.dump();
    EXPECT_EQ(P["error"]["class"], Class);
    EXPECT_NE(P["error"]["message"].get<std::string>().find(MessagePart), std::string::npos)
        << P["error"]["message"];
    EXPECT_EQ(P["error"]["line"], Line) << "source line from BTF line info";
    // The one first line on stderr.
    std::string First = R.err.substr(0, R.err.find('\n'));
    std::string Want = Line ? Input + ":" + std::to_string(Line) + ":1: error: " + Prog + ": "
                            : "bpfcarve: error: " + Prog + ": ";
    EXPECT_NE(First.find(Want), std::string::npos) << First;
  }

  std::set<std::string> Before;
};

TEST_F(Verify, MixedTypesAndAutoloadOffProgramsPassEachWithItsOwnType) {
  Run R = verify("mixed.bpf.c");
  EXPECT_EQ(R.code, 0) << R.err;
  EXPECT_TRUE(R.err.empty()) << R.err;
  ASSERT_EQ(R.report["programs"].size(), 3u);
  const std::pair<const char *, const char *> Want[] = {
      {"bpfcarve_t_xdp", "xdp"}, {"bpfcarve_t_tc", "sched_cls"}, {"bpfcarve_t_sock", "socket_filter"}};
  for (auto [Name, Type] : Want) {
    const json &P = program(R.report, Name);
    EXPECT_EQ(P["verdict"], "pass") << Name;
    EXPECT_EQ(P["type"], Type) << Name;
    EXPECT_GT(P["insns_processed"].get<int>(), 0) << Name;
    EXPECT_EQ(P["insns_processed"], P["verified_insns"]) << Name;
    EXPECT_GT(P["xlated_insns"].get<int>(), 0) << Name;
    EXPECT_GT(P["jited_bytes"].get<int>(), 0) << Name;
    EXPECT_FALSE(P["stack_depth"].empty()) << Name;
    EXPECT_TRUE(P["verify_time_us"].is_number()) << Name;
    EXPECT_TRUE(P["error"].is_null()) << Name;
  }
  EXPECT_EQ(R.report["programs"][2]["section"], "socket") << "the '?' of SEC(\"?socket\") is not part of the section";
}

TEST_F(Verify, TheTextTableNeverCutsAName) {
  // Columns grow with their longest cell: the name was cut to 22 characters and a '~'.
  auto R = toolchain::runProcess({BPFCARVE_BIN, "verify", Inputs + "long_names.bpf.c"});
  ASSERT_TRUE(static_cast<bool>(R));
  EXPECT_EQ(R->exitCode, 0) << R->err;
  std::istringstream Lines(R->out);
  std::string Header, Long, Short;
  std::getline(Lines, Header);
  std::getline(Lines, Long);
  std::getline(Lines, Short);
  EXPECT_EQ(Long.rfind("bpfcarve_t_a_program_whose_name_is_longer_than_its_column  xdp", 0), 0u)
      << R->out;
  // One column layout for every row: the verdicts line up under their header.
  EXPECT_EQ(Long.find("pass"), Header.find("verdict")) << R->out;
  EXPECT_EQ(Short.find("pass"), Header.find("verdict")) << R->out;
}

TEST_F(Verify, ProgramSelectionByNameOrUniqueSection) {
  Run ByName = verify("mixed.bpf.c", {"--program", "bpfcarve_t_tc"});
  EXPECT_EQ(ByName.code, 0);
  ASSERT_EQ(ByName.report["programs"].size(), 1u);
  EXPECT_EQ(ByName.report["programs"][0]["name"], "bpfcarve_t_tc");
  Run BySection = verify("mixed.bpf.c", {"--program", "xdp"});
  ASSERT_EQ(BySection.report["programs"].size(), 1u);
  EXPECT_EQ(BySection.report["programs"][0]["name"], "bpfcarve_t_xdp");
}

TEST_F(Verify, TypeOverridesTheSection) {
  // The socket program's body is valid as a TC classifier too.
  Run R = verify("mixed.bpf.c", {"--program", "bpfcarve_t_sock", "--type", "tc"});
  EXPECT_EQ(R.code, 0) << R.err;
  EXPECT_EQ(R.report["programs"][0]["type"], "sched_cls");
}

TEST_F(Verify, StatisticsEqualTheKernelsOwnNumbers) {
  auto Dir = toolchain::TempDir::create();
  ASSERT_TRUE(static_cast<bool>(Dir));
  auto Clang = toolchain::clangInstallation();
  ASSERT_TRUE(static_cast<bool>(Clang));
  std::vector<std::string> Argv{Clang->clang};
  for (const std::string &F : toolchain::defaultBpfFlags(*Clang))
    Argv.push_back(F);
  std::string Obj = Dir->path() + "/mixed.o";
  Argv.insert(Argv.end(), {"-c", Inputs + "mixed.bpf.c", "-o", Obj});
  auto C = toolchain::runProcess(Argv);
  ASSERT_TRUE(C && C->ok()) << (C ? C->err : "");

  // The kernel's numbers, read here without bpfcarve: the log's last line and bpf_prog_info.
  bpf_object *O = bpf_object__open_file(Obj.c_str(), nullptr);
  ASSERT_NE(O, nullptr);
  bpf_program *P;
  bpf_map *M;
  bpf_object__for_each_map(M, O) bpf_map__set_pin_path(M, nullptr);
  std::vector<char> Log(1 << 16);
  bpf_object__for_each_program(P, O) {
    bool Mine = std::string(bpf_program__name(P)) == "bpfcarve_t_xdp";
    bpf_program__set_autoload(P, Mine);
    if (Mine) {
      bpf_program__set_log_buf(P, Log.data(), Log.size());
      bpf_program__set_log_level(P, 4);
    }
  }
  ASSERT_EQ(bpf_object__load(O), 0);
  std::smatch Mt;
  std::string LogText(Log.data());
  ASSERT_TRUE(std::regex_search(LogText, Mt, std::regex(R"(processed (\d+) insns)"))) << LogText;
  long KernelProcessed = std::stol(Mt[1]);
  bpf_prog_info Info{};
  __u32 Len = sizeof Info;
  ASSERT_EQ(bpf_obj_get_info_by_fd(bpf_program__fd(bpf_object__find_program_by_name(O, "bpfcarve_t_xdp")),
                                   &Info, &Len), 0);
  bpf_object__close(O);

  auto R = toolchain::runProcess({BPFCARVE_BIN, "verify", Obj, "--program", "bpfcarve_t_xdp",
                                  "--format", "json"});
  ASSERT_TRUE(R && R->ok()) << (R ? R->err : "");
  json P0 = json::parse(R->out)["programs"][0];
  EXPECT_EQ(P0["insns_processed"].get<long>(), KernelProcessed);
  EXPECT_EQ(P0["verified_insns"].get<__u32>(), Info.verified_insns);
  EXPECT_EQ(P0["xlated_insns"].get<__u32>(), Info.xlated_prog_len / 8);
  EXPECT_EQ(P0["jited_bytes"].get<__u32>(), Info.jited_prog_len);
}

TEST_F(Verify, CtxAccess) {
  expectFailure("ctx_access.bpf.c", "bpfcarve_t_ctx", "ctx_access",
                "invalid bpf_context access", 8);
}
TEST_F(Verify, PacketBounds) {
  expectFailure("packet_bounds.bpf.c", "bpfcarve_t_pkt", "packet_bounds",
                "invalid access to packet", 9);
}
TEST_F(Verify, HelperNotAllowed) {
  expectFailure("helper_not_allowed.bpf.c", "bpfcarve_t_helper", "helper_not_allowed",
                "cannot use helper bpf_skb_load_bytes", 9);
}
TEST_F(Verify, ReturnRange) {
  expectFailure("return_range.bpf.c", "bpfcarve_t_ret", "return_range", "should have been in [0, 1]",
                8);
}
TEST_F(Verify, Complexity) {
  expectFailure("complexity.bpf.c", "bpfcarve_t_cplx", "complexity", "BPF program is too large", 9);
}
TEST_F(Verify, PermissionIsSkippedWithExit3) {
  expectFailure("permission.bpf.c", "bpfcarve_t_fentry", "permission", "EPERM", 0, 3);
}
TEST_F(Verify, OpenLegacyMaps) {
  expectFailure("legacy_maps.bpf.c", "bpfcarve_t_legacy_prog", "open", "legacy map definitions", 0);
}
TEST_F(Verify, MapCreate) {
  expectFailure("map_create.bpf.c", "bpfcarve_t_mapc", "map_create", "failed to create", 0);
}
TEST_F(Verify, MapsSizedByTheirLoaderAreCreatedWithOneEntry) {
  Run R = verify("loader_sized.bpf.c");
  EXPECT_EQ(R.code, 0) << R.err;
  EXPECT_EQ(program(R.report, "bpfcarve_t_mapc")["verdict"], "pass");
  EXPECT_EQ(R.report["loader_sized_maps"], json::array({"bpfcarve_t_unsized (max_entries 1)"}));
  EXPECT_NE(R.err.find("bpfcarve: note: map bpfcarve_t_unsized (max_entries 1): its definition "
                       "leaves max_entries to the loader"),
            std::string::npos)
      << R.err;
}
TEST_F(Verify, UnresolvedKsym) {
  // The verifier never ran: the line is that of the first call, from .BTF.ext line info.
  expectFailure("unresolved_ksym.bpf.c", "bpfcarve_t_ksym", "unresolved_ksym",
                "bpfcarve_no_such_kfunc", 10);
}
TEST_F(Verify, NeedsAttachTarget) {
  expectFailure("needs_attach_target.bpf.c", "bpfcarve_t_freplace", "needs_attach_target",
                "attach program FD is not set", 0);
}

TEST_F(Verify, SarifHasOneResultPerFailingProgramAtItsLine) {
  auto R = toolchain::runProcess(
      {BPFCARVE_BIN, "verify", Inputs + "packet_bounds.bpf.c", "--format", "sarif"});
  ASSERT_TRUE(static_cast<bool>(R));
  EXPECT_EQ(R->exitCode, 1);
  json S = json::parse(R->out);
  EXPECT_EQ(S["version"], "2.1.0");
  const json &Results = S["runs"][0]["results"];
  ASSERT_EQ(Results.size(), 1u);
  EXPECT_EQ(Results[0]["ruleId"], "packet_bounds");
  EXPECT_EQ(Results[0]["locations"][0]["physicalLocation"]["region"]["startLine"], 9);
  EXPECT_EQ(S["runs"][0]["tool"]["driver"]["rules"][0]["id"], "packet_bounds");
}

} // namespace
