//===- Guest.cpp - boot a kernel under QEMU and verify inside it ----------===//
#include "bpfcarve/verifier/Guest.h"
#include "KernelModules.h"
#include "bpfcarve/verifier/Probe.h"

#include "bpfcarve/toolchain/OutputFile.h"
#include "bpfcarve/toolchain/Process.h"
#include "bpfcarve/toolchain/TempDir.h"
#include "bpfcarve/toolchain/Toolchain.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <sys/utsname.h>
#include <unistd.h>

namespace bpfcarve::verifier {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string describe(const KernelImage &K) {
  if (!K.package.empty())
    return "kernel " + K.name + " (" + K.package + " " + K.version + ")";
  return "kernel " + K.name;
}

/// The lines the agent wrote, parsed; stray bytes are skipped.
std::vector<json> agentLines(const std::string &Data) {
  std::vector<json> Out;
  std::istringstream In(Data);
  const std::string Prefix = wire::Prefix;
  for (std::string L; std::getline(In, L);) {
    size_t At = L.find(Prefix);
    if (At == std::string::npos)
      continue;
    json J = json::parse(L.substr(At + Prefix.size()), nullptr, false);
    if (!J.is_discarded() && J.is_object())
      Out.push_back(std::move(J));
  }
  return Out;
}

struct Boot {
  toolchain::ProcessResult process;
  std::string console, data;
  std::uint64_t wallMs = 0;
};

Result<Boot> boot(const KernelImage &K, const std::string &Initrd, const std::string &Dir,
                  const std::string &Accel, unsigned TimeoutSeconds) {
  std::string Console = Dir + "/console.log", Data = Dir + "/data.log";
  std::vector<std::string> Argv = {
      "qemu-system-x86_64", "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
      "-m", "1024", "-smp", "1", "-accel", Accel, "-kernel", K.vmlinuz, "-initrd", Initrd,
      // panic=-1: a crashed agent (PID 1 exits) reboots at once, and -no-reboot ends QEMU
      "-append", "console=ttyS0 panic=-1 oops=panic quiet loglevel=3 rdinit=/init", "-serial",
      "file:" + Console, "-serial", "file:" + Data};
  if (Accel == "kvm")
    Argv.insert(Argv.end(), {"-cpu", "host"});
  toolchain::ProcessOptions PO;
  PO.timeoutMs = TimeoutSeconds * 1000;
  PO.killWithParent = true;
  auto Start = std::chrono::steady_clock::now();
  auto P = toolchain::runProcess(Argv, PO);
  if (!P)
    return Failure::environment(P.failure().message +
                                " (QEMU runs the other kernels: scripts/setup.sh installs "
                                "qemu-system-x86)");
  Boot B;
  B.wallMs = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                            std::chrono::steady_clock::now() - Start)
                                            .count());
  B.process = std::move(*P);
  if (auto C = toolchain::readWholeFile(Console))
    B.console = *C;
  if (auto D = toolchain::readWholeFile(Data))
    B.data = *D;
  return B;
}

std::string hostRelease() {
  utsname U{};
  ::uname(&U);
  return U.release;
}

} // namespace

std::string agentPath() {
  if (const char *E = std::getenv("BPFCARVE_AGENT"); E && *E)
    return E;
  std::error_code EC;
  fs::path Exe = fs::read_symlink("/proc/self/exe", EC);
  if (!EC && fs::exists(Exe.parent_path() / "bpfcarve-agent", EC))
    return (Exe.parent_path() / "bpfcarve-agent").string();
  // Test binaries live outside bin/: the share dir is bin/../share/bpfcarve.
  fs::path Bin = fs::path(toolchain::shareDir()).parent_path().parent_path() / "bin";
  return (Bin / "bpfcarve-agent").string();
}

namespace {

/// KVM when /dev/kvm is usable, else TCG. "Usable" is measured, not assumed: nested KVM can open
/// and create a VM and then never run the guest (seen here: "Booting from ROM", then nothing).
/// One short KVM boot of an empty job decides, cached per host kernel; BPFCARVE_ACCEL=kvm|tcg
/// overrides.
std::string accelerator(const KernelImage &K, const std::string &Initrd, const std::string &Dir) {
  if (const char *E = std::getenv("BPFCARVE_ACCEL"); E && *E)
    return E;
  int Fd = ::open("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (Fd < 0)
    return "tcg";
  ::close(Fd);
  fs::path Cache = fs::path(toolchain::cacheDir()) / "kernels" / ("accel-" + hostRelease());
  if (auto Known = toolchain::readWholeFile(Cache.string());
      Known && (*Known == "kvm" || *Known == "tcg"))
    return *Known;
  auto B = boot(K, Initrd, Dir, "kvm", 20);
  bool Works = false;
  if (B)
    for (const json &L : agentLines(B->data))
      Works |= L.contains("hello");
  std::string Choice = Works ? "kvm" : "tcg";
  std::error_code EC;
  fs::create_directories(Cache.parent_path(), EC);
  std::ofstream(Cache) << Choice;
  return Choice;
}

} // namespace

namespace {

/// The initramfs of one call, written to Dir/initrd.cpio; returns its path.
Result<std::string> buildImage(const KernelImage &K, const GuestJob &Job, const std::string &Dir) {
  std::string Agent = agentPath();
  auto AgentBytes = toolchain::readWholeFile(Agent);
  if (!AgentBytes)
    return Failure::environment("the guest agent " + Agent +
                                " is missing (it is built with bpfcarve)");
  Initramfs Image;
  for (const char *D : {"proc", "sys", "dev", "job"})
    Image.addDirectory(D);
  Image.addFile("init", *AgentBytes, 0755);
  // libbpf resolves `extern ... __kconfig` from /boot/config-<release> (or /proc/config.gz, which
  // Debian's kernels do not build): the package's own config goes where libbpf looks.
  fs::path Vmlinuz(K.vmlinuz);
  std::string Suffix = Vmlinuz.filename().string();
  if (Suffix.rfind("vmlinuz-", 0) == 0) {
    Suffix = Suffix.substr(8);
    if (auto Config =
            toolchain::readWholeFile((Vmlinuz.parent_path() / ("config-" + Suffix)).string())) {
      Image.addDirectory("boot");
      Image.addFile("boot/config-" + Suffix, *Config);
    }
  }
  // Host file -> guest path: the objects, and a diff-run's two objects and seed.
  std::vector<std::pair<std::string, std::string>> Files;
  std::vector<std::string> GuestPaths;
  for (size_t I = 0; I < Job.objects.size(); ++I) {
    GuestPaths.push_back("/job/" + std::to_string(I) + ".o");
    Files.emplace_back(Job.objects[I].object, GuestPaths.back());
  }
  if (Job.diffRun) {
    Files.emplace_back(Job.diffRun->objectA, wire::DiffRunA);
    Files.emplace_back(Job.diffRun->objectB, wire::DiffRunB);
    if (!Job.diffRun->seedPath.empty())
      Files.emplace_back(Job.diffRun->seedPath, wire::DiffRunSeed);
  }
  // The package's modules that define the objects' kfuncs (nf_conntrack's bpf_ct_*): the guest
  // loads them first, as the kernel would have on demand, or reports those programs skipped.
  std::set<std::string> Ksyms;
  for (const auto &[Host, Guest] : Files) {
    auto Bytes = toolchain::readWholeFile(Host);
    if (!Bytes)
      return Bytes.failure();
    Image.addFile(Guest.substr(1), *Bytes);
    if (Guest.ends_with(".o"))
      for (const std::string &S : externKsyms(Host))
        Ksyms.insert(S);
  }
  auto Modules = modulesFor(K, Ksyms);
  if (!Modules)
    return Modules.failure();
  if (!Modules->empty())
    Image.addDirectory("modules");
  for (GuestModule &M : *Modules) {
    auto Bytes = moduleBytes(M.path);
    if (!Bytes)
      return Bytes.failure();
    M.path = "/modules/" + M.name + ".ko";
    Image.addFile(M.path.substr(1), *Bytes);
  }
  Image.addFile("job/job.json", wire::jobJson(Job, GuestPaths, *Modules));
  std::string Initrd = Dir + "/initrd.cpio";
  std::ofstream Out(Initrd, std::ios::binary);
  Out << Image.finish();
  if (!Out)
    return Failure::environment("cannot write " + Initrd);
  return Initrd;
}

/// A failure the agent reported, named with the kernel.
Failure agentFailure(const json &F, const KernelImage &K) {
  Failure Out = wire::failureFromJson(F.dump());
  Out.message += " (on " + describe(K) + ")";
  return Out;
}

/// What the agent's lines say, into Run; Hello, Done and Fatal for the verdict on the boot.
void readAgentLines(const std::string &Data, const KernelImage &K, GuestRun &Run, bool &Hello,
                    bool &Done, std::string &Fatal) {
  for (const json &L : agentLines(Data)) {
    if (L.contains("hello")) {
      Hello = true;
      Run.release = L["hello"].value("release", "");
      Run.bootMs = L["hello"].value("uptime_ms", std::uint64_t{0});
    } else if (L.contains("done")) {
      Done = true;
    } else if (L.contains("probe")) {
      Run.probeJson = L["probe"].dump();
    } else if (L.contains("diff_run")) {
      Run.diffRunOutput =
          std::make_pair(L["diff_run"].value("text", ""), L["diff_run"].value("json", ""));
      Run.diffRunExit = L["diff_run"].value("exit", 0);
    } else if (L.contains("diff_run_failure")) {
      Run.diffRunOutput = agentFailure(L["diff_run_failure"], K);
    } else if (L.contains("probe_failure")) {
      Fatal = "probe: " + L["probe_failure"].get<std::string>();
    } else if (L.contains("module")) {
      Run.notes.push_back("module " + L["module"].value("name", "") + " could not be loaded on " +
                          describe(K) + ": " + L["module"].value("error", ""));
    } else if (L.contains("fatal")) {
      Fatal = L["fatal"].get<std::string>();
    } else if (L.contains("object")) {
      size_t I = L["object"].get<size_t>();
      if (I >= Run.reports.size())
        continue;
      if (L.contains("whole_load")) {
        Run.wholeLoads[I] = wire::wholeLoadFromJson(L["whole_load"].dump());
        Run.verifyUs[I] = L.value("verify_us", std::uint64_t{0});
      } else if (L.contains("report")) {
        Run.reports[I] = wire::reportFromJson(L["report"].dump());
      } else if (L.contains("failure")) {
        Run.reports[I] = agentFailure(L["failure"], K);
      }
    }
  }
}

} // namespace

Result<GuestRun> runInGuest(const KernelImage &K, const GuestJob &Job) {
  auto Scratch = toolchain::TempDir::create("bpfcarve-guest");
  if (!Scratch)
    return Scratch.failure();
  auto Initrd = buildImage(K, Job, Scratch->path());
  if (!Initrd)
    return Initrd.failure();
  std::string Accel = accelerator(K, *Initrd, Scratch->path());
  auto B = boot(K, *Initrd, Scratch->path(), Accel, Job.timeoutSeconds);
  if (!B)
    return B.failure();

  GuestRun Run;
  Run.kernel = K;
  Run.accelerator = Accel;
  Run.wallMs = B->wallMs;
  Run.reports.resize(Job.objects.size(), Failure::internal("the guest agent wrote no report"));
  Run.wholeLoads.resize(Job.objects.size());
  Run.verifyUs.resize(Job.objects.size());
  bool Hello = false, Done = false;
  std::string Fatal;
  readAgentLines(B->data, K, Run, Hello, Done, Fatal);
  if (Done && Fatal.empty())
    return Run;
  Failure F = Failure::environment("");
  if (B->process.timedOut)
    F.message = describe(K) + " did not finish within " + std::to_string(Job.timeoutSeconds) +
                " s under " + Accel + (Hello ? " (the guest booted)" : " (it never booted)");
  else if (!Hello)
    F.message = describe(K) + " did not boot under QEMU (" + Accel + ")";
  else if (!Fatal.empty() || B->console.find("Attempted to kill init") != std::string::npos)
    F = Failure::internal("the guest agent failed on " + describe(K) +
                          (Fatal.empty() ? ": it crashed" : ": " + Fatal));
  else
    F.message = describe(K) + ": the guest stopped before the agent finished";
  F.details = "the console's last lines:\n" + toolchain::lastLines(B->console, 30);
  return F;
}

} // namespace bpfcarve::verifier

namespace bpfcarve::verifier {

namespace {

/// cacheDir()/probe/<package>_<version>.json; a bare vmlinuz by path, size and mtime.
fs::path probeCacheFile(const KernelImage &K) {
  std::string Key;
  if (!K.package.empty()) {
    Key = K.package + "_" + K.version;
  } else {
    std::error_code EC;
    auto Size = fs::file_size(K.vmlinuz, EC);
    auto Time = fs::last_write_time(K.vmlinuz, EC).time_since_epoch().count();
    Key = "vmlinuz-" + std::to_string(std::hash<std::string>{}(fs::absolute(K.vmlinuz).string())) +
          "-" + std::to_string(Size) + "-" + std::to_string(Time);
  }
  return fs::path(toolchain::cacheDir()) / "probe" / (Key + ".json");
}

} // namespace

std::optional<ProbeResult> cachedProbe(const KernelImage &K) {
  fs::path Path = probeCacheFile(K);
  auto Text = toolchain::readWholeFile(Path.string());
  if (!Text)
    return std::nullopt;
  auto Cached = probeResultFromJson(*Text);
  if (!Cached || !coversProfiles(*Cached))
    return std::nullopt;
  Cached->cacheFile = Path.string();
  Cached->fromCache = true;
  return *Cached;
}

Result<ProbeResult> storeProbe(const KernelImage &K, const GuestRun &Run) {
  auto Fresh = probeResultFromJson(Run.probeJson);
  if (!Fresh)
    return Failure::internal("the guest agent's probe of " + describe(K) +
                             " does not read back: " + Fresh.failure().message);
  fs::path Path = probeCacheFile(K);
  std::error_code EC;
  fs::create_directories(Path.parent_path(), EC);
  std::string Tmp = Path.string() + ".tmp." + std::to_string(::getpid());
  std::ofstream(Tmp, std::ios::binary) << Run.probeJson;
  fs::rename(Tmp, Path, EC);
  if (!EC)
    Fresh->cacheFile = Path.string();
  return Fresh;
}

Result<ProbeResult> probeKernelImage(const KernelImage &K, bool Refresh) {
  if (!Refresh)
    if (auto Cached = cachedProbe(K))
      return *Cached;
  GuestJob Job;
  Job.probe = true;
  auto Run = runInGuest(K, Job);
  if (!Run)
    return Run.failure();
  return storeProbe(K, *Run);
}

} // namespace bpfcarve::verifier
