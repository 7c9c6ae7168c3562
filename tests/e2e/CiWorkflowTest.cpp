//===- CiWorkflowTest.cpp - docs/ci.md's GitHub Actions workflow, run here -===//
//
// The workflow docs/ci.md gives users is read from the document itself and its steps run
// locally, the way a runner would in its Debian 12 container: `run:` steps with `sh -e` in a
// checkout of a repository (a copy of bpf-samples/, whose ci/jobs.yaml is the job file), the
// install step replaced by unpacking the package cpack builds from this build tree into a scratch
// root (apt-get would change this machine), the actions it `uses:` emulated (cache restore and
// save, SARIF upload, artifact upload; any other action fails the test, so the document cannot
// drift into steps nobody ran). `if:` conditions are evaluated as GitHub does for the forms the
// workflow uses. Three runs: main (no baseline yet; becomes it), a pull request that changes
// nothing (compared with it, passes), and a pull request that adds a job the verifier rejects
// (the ci step fails, the summary and SARIF still arrive, the baseline is not replaced).
//
//===----------------------------------------------------------------------===//
#include "bpfcarve/toolchain/Process.h"
#include "bpfcarve/toolchain/TempDir.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

using nlohmann::json;
using namespace bpfcarve;
namespace fs = std::filesystem;

namespace {

std::string slurp(const std::string &Path) {
  std::ifstream F(Path);
  std::stringstream SS;
  SS << F.rdbuf();
  return SS.str();
}

/// The ```yaml block after the marker comment in docs/ci.md.
std::string workflowText() {
  std::string Doc = slurp(BPFCARVE_SOURCE_DIR "/docs/ci.md");
  size_t Marker = Doc.find("<!-- github-actions-workflow:");
  if (Marker == std::string::npos)
    return "";
  size_t Open = Doc.find("```yaml\n", Marker);
  size_t Close = Doc.find("\n```", Open + 8);
  if (Open == std::string::npos || Close == std::string::npos)
    return "";
  return Doc.substr(Open + 8, Close - Open - 8);
}

struct Runner {
  std::string root, repo, cache, artifacts, summary, package;
  std::string ref;
  bool failed = false;
  std::vector<std::string> log; ///< step name: what happened

  /// GitHub's `if:` for the forms the workflow writes.
  bool condition(const YAML::Node &Step) const {
    if (!Step["if"])
      return !failed;
    const std::string If = Step["if"].as<std::string>();
    if (If == "always()")
      return true;
    if (If == "github.ref == 'refs/heads/main' && success()")
      return ref == "refs/heads/main" && !failed;
    ADD_FAILURE() << "an if: this test cannot evaluate: " << If;
    return false;
  }

  bool sh(const std::string &Script) {
    auto R = toolchain::runProcess(
        {"env", "PATH=" + root + "/usr/bin:" + std::getenv("PATH"),
         "GITHUB_STEP_SUMMARY=" + summary, "GITHUB_REF=" + ref, "sh", "-e", "-c", Script},
        toolchain::ProcessOptions{repo, 0, true});
    if (!R)
      return false;
    if (R->exitCode != 0)
      log.push_back("stderr: " + R->err.substr(0, 2000));
    return R->exitCode == 0;
  }

  bool uses(const std::string &Action, const YAML::Node &With) {
    auto Path = [&](const char *Key) { return repo + "/" + With[Key].as<std::string>(); };
    if (Action.rfind("actions/checkout@", 0) == 0)
      return fs::is_directory(repo);
    if (Action.rfind("actions/cache/restore@", 0) == 0) {
      if (fs::exists(cache + "/baseline.json"))
        fs::copy_file(cache + "/baseline.json", Path("path"),
                      fs::copy_options::overwrite_existing);
      return true;
    }
    if (Action.rfind("actions/cache/save@", 0) == 0) {
      fs::copy_file(Path("path"), cache + "/baseline.json", fs::copy_options::overwrite_existing);
      return true;
    }
    if (Action.rfind("github/codeql-action/upload-sarif@", 0) == 0) {
      json S = json::parse(slurp(Path("sarif_file")), nullptr, false);
      EXPECT_TRUE(S.is_object() && S["version"] == "2.1.0") << Path("sarif_file");
      fs::copy_file(Path("sarif_file"), artifacts + "/uploaded.sarif",
                    fs::copy_options::overwrite_existing);
      return S.is_object();
    }
    if (Action.rfind("actions/upload-artifact@", 0) == 0)
      return fs::exists(Path("path"));
    ADD_FAILURE() << "the workflow uses an action this test does not emulate: " << Action;
    return false;
  }

  void run(const YAML::Node &Steps) {
    for (const YAML::Node &Step : Steps) {
      std::string Name = Step["name"] ? Step["name"].as<std::string>() : "(unnamed)";
      if (!condition(Step)) {
        log.push_back(Name + ": skipped");
        continue;
      }
      bool Ok;
      if (Step["uses"]) {
        Ok = uses(Step["uses"].as<std::string>(), Step["with"]);
      } else {
        std::string Script = Step["run"].as<std::string>();
        // The install step: the package unpacked into the scratch root instead of apt-get.
        if (Script.find("apt-get install -y /tmp/bpfcarve.deb") != std::string::npos) {
          auto X = toolchain::runProcess({"dpkg", "-x", package, root});
          Ok = X && X->exitCode == 0;
        } else {
          Ok = sh(Script);
        }
      }
      log.push_back(Name + (Ok ? ": ok" : ": failed"));
      failed |= !Ok;
    }
  }

  std::string trace() const {
    std::string T;
    for (const std::string &L : log)
      T += L + "\n";
    return T;
  }
};

TEST(CiWorkflow, TheDocumentedGithubWorkflowRunsAndKeepsItsBaseline) {
  if (geteuid() != 0)
    GTEST_SKIP() << "the workflow's ci step loads programs: needs root (CAP_BPF)";
  if (!toolchain::runProcess({"dpkg", "--version"}))
    GTEST_SKIP() << "dpkg is not installed: the package cannot be unpacked";
  const std::string Text = workflowText();
  ASSERT_FALSE(Text.empty()) << "docs/ci.md has no workflow block after its marker";
  YAML::Node W = YAML::Load(Text);
  YAML::Node Steps = W["jobs"]["bpfcarve"]["steps"];
  ASSERT_TRUE(Steps.IsSequence());

  auto T = toolchain::TempDir::create("bpfcarve-workflow");
  ASSERT_TRUE(static_cast<bool>(T));
  const std::string D = T->path();
  // The package of this build tree, as scripts/package.sh makes it.
  auto Pack = toolchain::runProcess(
      {"cpack", "-G", "DEB", "--config", BPFCARVE_BUILD_DIR "/CPackConfig.cmake", "-B", D + "/pkg"});
  ASSERT_TRUE(Pack && Pack->exitCode == 0) << (Pack ? Pack->out + Pack->err : "no cpack");
  std::string Deb;
  for (const auto &E : fs::directory_iterator(D + "/pkg"))
    if (E.path().extension() == ".deb")
      Deb = E.path();
  ASSERT_FALSE(Deb.empty());

  Runner R;
  R.package = Deb;
  R.cache = D + "/cache";
  R.artifacts = D + "/artifacts";
  fs::create_directories(R.cache);
  fs::create_directories(R.artifacts);
  auto Fresh = [&](const std::string &Name, const std::string &Ref) {
    R.root = D + "/" + Name + "/root";
    R.repo = D + "/" + Name + "/repo";
    R.summary = D + "/" + Name + "/summary.md";
    R.ref = Ref;
    R.failed = false;
    R.log.clear();
    fs::create_directories(R.root);
    fs::copy(BPFCARVE_SOURCE_DIR "/bpf-samples", R.repo, fs::copy_options::recursive);
  };

  // 1. main: no baseline yet; every step runs and this run's report becomes the baseline.
  Fresh("main", "refs/heads/main");
  R.run(Steps);
  EXPECT_FALSE(R.failed) << R.trace();
  EXPECT_TRUE(fs::exists(R.cache + "/baseline.json")) << R.trace();
  EXPECT_EQ(slurp(R.summary).rfind("## bpfcarve ci: passed", 0), 0u) << slurp(R.summary);
  const std::string Baseline = slurp(R.cache + "/baseline.json");

  // 2. A pull request that changes nothing: compared with main's baseline, no change.
  Fresh("pr1", "refs/pull/1/merge");
  R.run(Steps);
  EXPECT_FALSE(R.failed) << R.trace();
  json Report = json::parse(slurp(R.repo + "/report.json"), nullptr, false);
  ASSERT_TRUE(Report.is_object());
  EXPECT_TRUE(Report["changes"].empty()) << Report["changes"].dump();
  EXPECT_TRUE(fs::exists(R.repo + "/baseline.json")) << "the baseline was not restored";
  EXPECT_NE(R.trace().find("This run is the new baseline: skipped"), std::string::npos)
      << R.trace();

  // 3. A pull request adding a job whose program the verifier rejects: the ci step fails, the
  // summary, SARIF and report still arrive, the baseline stays main's.
  Fresh("pr2", "refs/pull/2/merge");
  std::ofstream(R.repo + "/ci/oob.bpf.c")
      << "#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\n\nSEC(\"xdp\")\n"
         "int oob(struct xdp_md *ctx)\n{\n\tchar *data = (char *)(long)ctx->data;\n\n"
         "\treturn data[64];\n}\n\nchar LICENSE[] SEC(\"license\") = \"GPL\";\n";
  std::ofstream(R.repo + "/ci/jobs.yaml", std::ios::app)
      << "  - name: oob\n    verify:\n      file: oob.bpf.c\n";
  R.run(Steps);
  EXPECT_TRUE(R.failed);
  EXPECT_NE(R.trace().find("bpfcarve ci: failed"), std::string::npos) << R.trace();
  EXPECT_NE(R.trace().find("Job summary: ok"), std::string::npos) << R.trace();
  EXPECT_NE(R.trace().find("Upload SARIF: ok"), std::string::npos) << R.trace();
  EXPECT_NE(R.trace().find("Save the baseline: skipped"), std::string::npos) << R.trace();
  EXPECT_EQ(slurp(R.summary).rfind("## bpfcarve ci: failed", 0), 0u);
  json Sarif = json::parse(slurp(R.artifacts + "/uploaded.sarif"));
  ASSERT_EQ(Sarif["runs"][0]["results"].size(), 1u) << Sarif.dump();
  const json &Loc = Sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
  EXPECT_EQ(fs::path(Loc["artifactLocation"]["uri"].get<std::string>()).filename(), "oob.bpf.c");
  EXPECT_EQ(Loc["region"]["startLine"], 9);
  EXPECT_EQ(slurp(R.cache + "/baseline.json"), Baseline);
}

} // namespace
