//===- Agent.cpp - bpfcarve-agent: PID 1 of the guest kernel --------------===//
//
// Linked statically (libbpf.a, libelf.a, libz.a): it is the only program of the initramfs that
// runner (Guest.cpp) builds. As PID 1 it mounts what libbpf needs (/proc, /sys with the kernel's
// BTF, /dev, bpffs), verifies every object of /job/job.json with verifyObject — the host verify's
// own loader code — and writes one line per event on the second serial port (/dev/ttyS1, raw);
// then it powers the machine off. Run by hand (not PID 1) it reads JOB_DIR/job.json and writes the
// same lines to stdout, which is how the tests exercise it without a virtual machine.
//
// Lines (each `@bpfcarve ` and one JSON document):
//   {"hello":{"release":R,"uptime_ms":N}}
//   {"object":I,"report":{...}} | {"object":I,"failure":{"kind":K,"message":M}}
//   {"done":true}
//
//===----------------------------------------------------------------------===//
#include "bpfcarve/verifier/DiffRun.h"
#include "bpfcarve/verifier/Guest.h"
#include "bpfcarve/verifier/Loader.h"
#include "bpfcarve/verifier/MapState.h"
#include "bpfcarve/verifier/Packets.h"
#include "bpfcarve/verifier/Probe.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <termios.h>
#include <unistd.h>

using namespace bpfcarve;
using nlohmann::json;

namespace {

int OutFd = 1;

void writeAll(const std::string &S) {
  size_t Done = 0;
  while (Done < S.size()) {
    ssize_t N = ::write(OutFd, S.data() + Done, S.size() - Done);
    if (N < 0 && errno == EINTR)
      continue;
    if (N <= 0)
      return;
    Done += static_cast<size_t>(N);
  }
}

void line(const json &J) { writeAll(std::string(verifier::wire::Prefix) + J.dump() + "\n"); }

/// The verifier's full trace of a refused program can run to megabytes; the serial line carries
/// its tail, where the verdict is (the table and JSON never print the log, -v prints its end).
constexpr size_t MaxLog = 256 * 1024;

std::vector<uint8_t> unhex(const std::string &S) {
  std::vector<uint8_t> Out;
  auto Val = [](char C) { return C <= '9' ? C - '0' : C - 'a' + 10; };
  for (size_t I = 0; I + 1 < S.size(); I += 2)
    Out.push_back(static_cast<uint8_t>(Val(S[I]) << 4 | Val(S[I + 1])));
  return Out;
}

std::uint64_t nowUs() {
  timespec T{};
  ::clock_gettime(CLOCK_MONOTONIC, &T);
  return static_cast<std::uint64_t>(T.tv_sec) * 1000000 +
         static_cast<std::uint64_t>(T.tv_nsec) / 1000;
}

std::uint64_t uptimeMs() {
  std::ifstream In("/proc/uptime");
  double Seconds = 0;
  In >> Seconds;
  return static_cast<std::uint64_t>(Seconds * 1000);
}

void setUpGuest() {
  ::mkdir("/proc", 0755);
  ::mkdir("/sys", 0755);
  ::mkdir("/dev", 0755);
  ::mount("proc", "/proc", "proc", 0, nullptr);
  ::mount("sysfs", "/sys", "sysfs", 0, nullptr);
  ::mount("devtmpfs", "/dev", "devtmpfs", 0, nullptr);
  ::mount("bpf", "/sys/fs/bpf", "bpf", 0, nullptr);
  rlimit Unlimited{RLIM_INFINITY, RLIM_INFINITY};
  ::setrlimit(RLIMIT_MEMLOCK, &Unlimited);
  int Fd = ::open("/dev/ttyS1", O_WRONLY | O_NOCTTY);
  if (Fd >= 0) {
    termios T{};
    if (::tcgetattr(Fd, &T) == 0) {
      ::cfmakeraw(&T);
      ::tcsetattr(Fd, TCSANOW, &T);
    }
    OutFd = Fd;
  }
}

/// `diff-run --kernel`: both programs on the host's frames, seeded alike, in this kernel.
void diffRunJob(const json &D, const std::vector<verifier::Packet> &Packets) {
  verifier::DiffRunOptions O;
  O.programA = D.at("program_a").get<std::string>();
  O.programB = D.at("program_b").get<std::string>();
  O.typeA = D.at("type_a").get<std::string>();
  O.typeB = D.at("type_b").get<std::string>();
  std::optional<verifier::MapSeed> Seed;
  if (std::string Path = D.at("seed").get<std::string>(); !Path.empty()) {
    auto S = verifier::readMapSeed(Path);
    if (!S) {
      line({{"diff_run_failure", json::parse(verifier::wire::failureToJson(S.failure()))}});
      return;
    }
    S->path = D.at("seed_name").get<std::string>();
    Seed = *S;
  }
  auto R = verifier::diffRunFrames(D.at("a").get<std::string>(), D.at("b").get<std::string>(), O,
                                   Packets, Seed);
  if (!R) {
    line({{"diff_run_failure", json::parse(verifier::wire::failureToJson(R.failure()))}});
    return;
  }
  R->a = D.at("name_a").get<std::string>();
  R->b = D.at("name_b").get<std::string>();
  line({{"diff_run",
         {{"text", verifier::diffRunText(*R)},
          {"json", verifier::diffRunJson(*R)},
          {"exit", verifier::diffRunExitCode(*R)}}}});
}

int run(const std::string &JobDir) {
  utsname U{};
  ::uname(&U);
  line({{"hello", {{"release", U.release}, {"uptime_ms", uptimeMs()}}}});
  std::ifstream In(JobDir + "/job.json");
  std::stringstream Text;
  Text << In.rdbuf();
  json Job = json::parse(Text.str(), nullptr, false);
  if (Job.is_discarded()) {
    line({{"fatal", "cannot read " + JobDir + "/job.json"}});
    return 1;
  }
  std::vector<verifier::Packet> Packets;
  if (Job.contains("packets"))
    for (const json &P : Job["packets"])
      Packets.push_back({P.at("name").get<std::string>(), unhex(P.at("bytes").get<std::string>())});
  // Modules first, dependencies before dependents (the host ordered them). A module that does
  // not load makes the programs needing its symbols `skipped`, never failed.
  std::map<std::string, std::string> Unavailable; // symbol -> why
  if (Job.contains("modules"))
    for (const json &M : Job["modules"]) {
      std::string Name = M.at("name").get<std::string>(), Path = M.at("path").get<std::string>();
      int Fd = ::open(Path.c_str(), O_RDONLY | O_CLOEXEC);
      long Rc = Fd < 0 ? -1 : ::syscall(SYS_finit_module, Fd, "", 0);
      int Err = errno;
      if (Fd >= 0)
        ::close(Fd);
      if (Rc != 0 && Err != EEXIST) {
        std::string Why = "module " + Name + " could not be loaded: " + std::strerror(Err);
        line({{"module", {{"name", Name}, {"error", std::strerror(Err)}}}});
        for (const json &S : M.at("provides"))
          Unavailable[S.get<std::string>()] = Why;
      }
    }
  // `probe --kernel`: the same measurement as the host's probe, of this kernel.
  if (Job.value("probe", false)) {
    auto Probe = verifier::measureKernel();
    if (Probe)
      line({{"probe", json::parse(verifier::toJson(*Probe))}});
    else
      line({{"probe_failure", Probe.failure().message}});
  }
  if (Job.contains("diff_run"))
    diffRunJob(Job["diff_run"], Packets);
  size_t Index = 0;
  for (const json &O : Job.at("objects")) {
    verifier::VerifyOptions VO;
    VO.program = O.at("program").get<std::string>();
    VO.type = O.at("type").get<std::string>();
    VO.source = O.at("source").get<std::string>();
    for (const json &G : O.value("globals", json::array()))
      VO.globals.emplace_back(G.at(0).get<std::string>(), G.at(1).get<std::string>());
    VO.packets = Job.contains("packets") ? &Packets : nullptr;
    // A range of the job's frames for this object (ci: each job's own --packets).
    std::vector<verifier::Packet> Range;
    if (VO.packets && O.contains("packet_range")) {
      const size_t From = O["packet_range"].at(0).get<size_t>();
      const size_t Count = O["packet_range"].at(1).get<size_t>();
      for (size_t I = From; I < From + Count && I < Packets.size(); ++I)
        Range.push_back(Packets[I]);
      VO.packets = Count ? &Range : nullptr;
    }
    std::string Path = O.at("path").get<std::string>();
    if (!Path.empty() && Path[0] != '/')
      Path = JobDir + "/" + Path;
    std::uint64_t Start = nowUs();
    auto Report = verifier::verifyObject(Path, VO);
    std::uint64_t VerifyUs = nowUs() - Start;
    if (Job.value("reference", false)) {
      verifier::WholeLoad W = verifier::loadWhole(Path);
      line({{"object", Index},
            {"whole_load", json::parse(verifier::wire::wholeLoadToJson(W))},
            {"verify_us", VerifyUs}});
    }
    if (!Report) {
      line({{"object", Index++},
            {"failure", json::parse(verifier::wire::failureToJson(Report.failure()))}});
      continue;
    }
    for (verifier::ProgramReport &P : Report->programs) {
      if (P.error && P.error->cls == verifier::failure_class::UnresolvedKsym)
        if (auto It = Unavailable.find(verifier::unresolvedSymbol(P.error->message));
            It != Unavailable.end()) {
          P.verdict = "skipped";
          P.error->detail = It->second;
        }
      if (P.log.size() > MaxLog)
        P.log = "[... " + std::to_string(P.log.size() - MaxLog) + " bytes of the log cut]\n" +
                P.log.substr(P.log.size() - MaxLog);
    }
    line({{"object", Index++}, {"report", json::parse(verifier::wire::reportToJson(*Report))}});
  }
  line({{"done", true}});
  return 0;
}

} // namespace

int main(int Argc, char **Argv) {
  bool Init = ::getpid() == 1;
  if (!Init && Argc != 2) {
    std::fprintf(stderr, "usage: bpfcarve-agent JOB_DIR  (the guest runs it as PID 1)\n");
    return 2;
  }
  if (Init)
    setUpGuest();
  int Code = 1;
  try {
    Code = run(Init ? "/job" : Argv[1]);
  } catch (const std::exception &E) {
    line({{"fatal", std::string("agent: ") + E.what()}});
  }
  if (!Init)
    return Code;
  if (OutFd != 1)
    ::tcdrain(OutFd);
  ::sync();
  ::reboot(RB_POWER_OFF);
  return Code;
}
