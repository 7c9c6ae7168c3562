//===- Probe.cpp - measuring the running kernel with tiny programs --------===//
//
// Each question is one bpf_prog_load of a 2-10 instruction program, assembled here from struct
// bpf_insn. libbpf loads without a verifier log first and repeats the load with log level 1 only
// when it fails (log_level 0 + log_buf), so accepted programs cost one verification and refused
// ones two. The whole probe is a few thousand loads and takes well under a second on 6.18.
//
//===----------------------------------------------------------------------===//
#include "bpfcarve/verifier/Probe.h"
#include "ProbeJson.h"
#include "bpfcarve/toolchain/Toolchain.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <sys/utsname.h>
#include <unistd.h>

namespace fs = std::filesystem;
using nlohmann::json;

namespace bpfcarve::verifier {

namespace {

constexpr int kEnotsupp = 524; // the kernel-internal ENOTSUPP test-run returns for "no test_run op"

//===--- Instructions ------------------------------------------------------===//

bpf_insn insn(std::uint8_t Code, std::uint8_t Dst, std::uint8_t Src, std::int16_t Off,
              std::int32_t Imm) {
  bpf_insn I{};
  I.code = Code;
  I.dst_reg = Dst;
  I.src_reg = Src;
  I.off = Off;
  I.imm = Imm;
  return I;
}

std::uint8_t widthCode(std::uint32_t Size) {
  switch (Size) {
  case 1:
    return BPF_B;
  case 2:
    return BPF_H;
  case 4:
    return BPF_W;
  default:
    return BPF_DW;
  }
}

bpf_insn movImm(std::uint8_t Dst, std::int32_t Imm) {
  return insn(BPF_ALU64 | BPF_MOV | BPF_K, Dst, 0, 0, Imm);
}
bpf_insn movReg(std::uint8_t Dst, std::uint8_t Src) {
  return insn(BPF_ALU64 | BPF_MOV | BPF_X, Dst, Src, 0, 0);
}
bpf_insn addImm(std::uint8_t Dst, std::int32_t Imm) {
  return insn(BPF_ALU64 | BPF_ADD | BPF_K, Dst, 0, 0, Imm);
}
bpf_insn subReg(std::uint8_t Dst, std::uint8_t Src) {
  return insn(BPF_ALU64 | BPF_SUB | BPF_X, Dst, Src, 0, 0);
}
bpf_insn load(std::uint32_t Size, std::uint8_t Dst, std::uint8_t Src, std::int16_t Off) {
  return insn(BPF_LDX | widthCode(Size) | BPF_MEM, Dst, Src, Off, 0);
}
bpf_insn store(std::uint32_t Size, std::uint8_t Dst, std::uint8_t Src, std::int16_t Off) {
  return insn(BPF_STX | widthCode(Size) | BPF_MEM, Dst, Src, Off, 0);
}
bpf_insn jumpIfGreater(std::uint8_t Dst, std::uint8_t Src, std::int16_t Off) {
  return insn(BPF_JMP | BPF_JGT | BPF_X, Dst, Src, Off, 0);
}
bpf_insn call(std::int32_t HelperId) { return insn(BPF_JMP | BPF_CALL, 0, 0, 0, HelperId); }
bpf_insn exitInsn() { return insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0); }

//===--- Loading -----------------------------------------------------------===//

/// Owns a program fd; closing it unloads the program (nothing here pins or attaches).
class ProgramFd {
public:
  explicit ProgramFd(int Fd) : Fd(Fd) {}
  ProgramFd(const ProgramFd &) = delete;
  ProgramFd &operator=(const ProgramFd &) = delete;
  ~ProgramFd() {
    if (Fd >= 0)
      ::close(Fd);
  }
  int get() const { return Fd; }
  bool ok() const { return Fd >= 0; }
  int error() const { return Fd < 0 ? -Fd : 0; }

private:
  int Fd;
};

/// The last line of a verifier log that says something, skipping the statistics lines.
std::string lastMeaningfulLine(std::string_view Log) {
  while (!Log.empty()) {
    size_t End = Log.find_last_not_of('\n');
    if (End == std::string_view::npos)
      return {};
    Log = Log.substr(0, End + 1);
    size_t Start = Log.rfind('\n');
    std::string_view Line = Start == std::string_view::npos ? Log : Log.substr(Start + 1);
    Log = Start == std::string_view::npos ? std::string_view() : Log.substr(0, Start);
    if (Line.empty() || Line.starts_with("processed ") || Line.starts_with("verification time") ||
        Line.starts_with("stack depth"))
      continue;
    return std::string(Line);
  }
  return {};
}

/// Loads programs of one hook's type and attach type.
class ProbeLoader {
public:
  explicit ProbeLoader(const HookProfile &Hook) : Hook(Hook) {
    // A BTF-typed hook loads against its target's BTF id (lsm/file_open: bpf_lsm_file_open).
    if (!Hook.probeTarget.empty() && Hook.expectedAttachType)
      TargetId = libbpf_find_vmlinux_btf_id(std::string(Hook.probeTarget).c_str(),
                                            static_cast<bpf_attach_type>(*Hook.expectedAttachType));
  }

  /// A loaded program, or one whose fd is -errno; log() then holds the verifier's log.
  ProgramFd load(std::span<const bpf_insn> Insns) {
    bpf_prog_load_opts Opts{};
    Opts.sz = sizeof Opts;
    Opts.log_buf = Log.data();
    Opts.log_size = Log.size();
    Opts.log_level = 0; // libbpf retries with level 1 into log_buf only if the load fails
    if (Hook.expectedAttachType)
      Opts.expected_attach_type = static_cast<bpf_attach_type>(*Hook.expectedAttachType);
    if (TargetId > 0)
      Opts.attach_btf_id = static_cast<std::uint32_t>(TargetId);
    Log[0] = '\0';
    int Fd = bpf_prog_load(static_cast<bpf_prog_type>(Hook.progType), "bpfcarve_probe", "GPL",
                           Insns.data(), Insns.size(), &Opts);
    if (Fd < 0) // libbpf >= 1.0 returns -errno
      Log.back() = '\0';
    return ProgramFd(Fd);
  }

  /// `r0 = K`, K a value the hook accepts at exit: the smallest of an enforced return range
  /// (cgroup/recvmsg4 accepts only 1), else 0. probeReturns measures the range itself.
  bpf_insn exitValue() const {
    return movImm(BPF_REG_0,
                  Hook.returnRange.enforced ? static_cast<std::int32_t>(Hook.returnRange.min) : 0);
  }

  bool accepts(std::initializer_list<bpf_insn> Insns) {
    return load(std::span<const bpf_insn>(Insns.begin(), Insns.size())).ok();
  }

  std::string_view log() const { return Log.data(); }

private:
  const HookProfile &Hook;
  int TargetId = 0; ///< the probe target's BTF id; <= 0: none, or not in this kernel's BTF
  std::array<char, 4096> Log{}; // enough for any of these programs' logs
};

//===--- The questions -----------------------------------------------------===//

void probeHelpers(ProbeLoader &L, MeasuredHook &M, std::uint32_t &IdMax) {
  // The enum is frozen at 211 on 6.18; the cap only guards against a kernel that never says
  // "invalid func".
  constexpr std::uint32_t Cap = 4096;
  for (std::uint32_t Id = 1; Id < Cap; ++Id) {
    bpf_insn P[] = {call(static_cast<std::int32_t>(Id)), L.exitValue(), exitInsn()};
    ProgramFd Fd = L.load(P);
    switch (classifyHelperLoad(Fd.ok() ? Fd.get() : -Fd.error(), L.log())) {
    case HelperVerdict::Usable:
      M.helpers.push_back(Id);
      break;
    case HelperVerdict::SleepableOnly:
      M.sleepableOnly.push_back(Id);
      break;
    case HelperVerdict::Unusable:
      break;
    case HelperVerdict::UnknownId:
      IdMax = std::max(IdMax, Id - 1);
      return;
    }
  }
}

void probeFields(ProbeLoader &L, const HookProfile &P, MeasuredHook &M) {
  for (const CtxField &F : P.ctxFields) {
    MeasuredField Out{std::string(F.name), F.offset, F.size, F.count, true, true};
    for (std::uint32_t I = 0; I < F.count; ++I) {
      auto Off = static_cast<std::int16_t>(F.offset + I * F.size);
      Out.readable &=
          L.accepts({load(F.size, BPF_REG_0, BPF_REG_1, Off), L.exitValue(), exitInsn()});
      Out.writable &= L.accepts({movImm(BPF_REG_2, 0), store(F.size, BPF_REG_1, BPF_REG_2, Off),
                                 L.exitValue(), exitInsn()});
    }
    M.fields.push_back(std::move(Out));
  }
}

/// One byte through data after `data + 1 > data_end` is ruled out: the verifier accepts it only
/// with direct packet access.
void probePacketAccess(ProbeLoader &L, const HookProfile &P, MeasuredHook &M) {
  const CtxField *Data = P.field("data");
  const CtxField *DataEnd = P.field("data_end");
  if (!Data || !DataEnd)
    return;
  auto DataOff = static_cast<std::int16_t>(Data->offset);
  auto EndOff = static_cast<std::int16_t>(DataEnd->offset);
  bool Read =
      L.accepts({load(Data->size, BPF_REG_2, BPF_REG_1, DataOff),
                 load(DataEnd->size, BPF_REG_3, BPF_REG_1, EndOff), movReg(BPF_REG_4, BPF_REG_2),
                 addImm(BPF_REG_4, 1), jumpIfGreater(BPF_REG_4, BPF_REG_3, 1),
                 load(1, BPF_REG_0, BPF_REG_2, 0), L.exitValue(), exitInsn()});
  bool Write =
      L.accepts({load(Data->size, BPF_REG_2, BPF_REG_1, DataOff),
                 load(DataEnd->size, BPF_REG_3, BPF_REG_1, EndOff), movReg(BPF_REG_4, BPF_REG_2),
                 addImm(BPF_REG_4, 1), jumpIfGreater(BPF_REG_4, BPF_REG_3, 2), movImm(BPF_REG_5, 0),
                 store(1, BPF_REG_2, BPF_REG_5, 0), L.exitValue(), exitInsn()});
  M.packetAccess = Write ? PacketAccess::ReadWrite : Read ? PacketAccess::Read : PacketAccess::None;
}

constexpr std::int64_t kReturnValues[] = {-1, 0, 1, 2, 3, 4, 5, 7, 8, 128, 129, 1000};

void probeReturns(ProbeLoader &L, MeasuredHook &M) {
  for (std::int64_t K : kReturnValues)
    (L.accepts({movImm(BPF_REG_0, static_cast<std::int32_t>(K)), exitInsn()}) ? M.returnAccepted
                                                                              : M.returnRejected)
        .push_back(K);
}

/// Ethernet (broadcast, 0x0800) + IPv4 (10.0.0.1 -> 10.0.0.2, UDP, total length 50) + UDP
/// (1024 -> 53, length 30) + 22 bytes of payload: 64 bytes, long enough for every skb type.
constexpr std::array<std::uint8_t, 64> kFrame = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, // eth
    0x45, 0x00, 0x00, 0x32, 0x00, 0x00, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00, 0x0a, 0x00,
    0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, // ipv4
    0x04, 0x00, 0x00, 0x35, 0x00, 0x1e, 0x00, 0x00, // udp
};
constexpr std::uint32_t kEthHeaderBytes = 14;

/// Runs a program that reports the packet length it sees (or just returns 0 when the ctx has no
/// packet), with each input the profile suggests, and records what worked.
void probeTestRun(ProbeLoader &L, const HookProfile &P, MeasuredHook &M) {
  // How the program reports the length: xdp_md returns data_end - data; __sk_buff copies len
  // into cb[0], which test-run hands back in ctx_out (cgroup_skb may only return 0..3).
  const MeasuredField *Len = M.field("len");
  const MeasuredField *Cb = M.field("cb");
  const MeasuredField *Data = M.field("data");
  const MeasuredField *DataEnd = M.field("data_end");
  enum { NoLength, LengthInRetval, LengthInCb0 } Report = NoLength;
  std::vector<bpf_insn> Prog;
  if (P.packetBase != PacketBase::None && Len && Len->readable && Cb && Cb->writable) {
    Report = LengthInCb0;
    Prog = {load(Len->size, BPF_REG_2, BPF_REG_1, static_cast<std::int16_t>(Len->offset)),
            store(Cb->size, BPF_REG_1, BPF_REG_2, static_cast<std::int16_t>(Cb->offset)),
            L.exitValue(), exitInsn()};
  } else if (P.packetBase != PacketBase::None && Data && Data->readable && DataEnd &&
             DataEnd->readable) {
    Report = LengthInRetval;
    Prog = {load(Data->size, BPF_REG_2, BPF_REG_1, static_cast<std::int16_t>(Data->offset)),
            load(DataEnd->size, BPF_REG_0, BPF_REG_1, static_cast<std::int16_t>(DataEnd->offset)),
            subReg(BPF_REG_0, BPF_REG_2), exitInsn()};
  } else {
    Prog = {L.exitValue(), exitInsn()};
  }
  ProgramFd Fd = L.load(Prog);
  if (!Fd.ok()) {
    M.testRun.error = Fd.error();
    return;
  }

  std::vector<TestRunInput> Order = {TestRunInput::Packet, TestRunInput::Ctx};
  if (P.testRun.input == TestRunInput::Ctx)
    std::swap(Order[0], Order[1]);
  std::array<std::uint8_t, 256> CtxIn{}, CtxOut{};
  const std::uint64_t Args[2] = {40, 2};
  for (TestRunInput Input : Order) {
    bpf_test_run_opts Opts{};
    Opts.sz = sizeof Opts;
    Opts.repeat = 0; // raw_tp refuses repeat > 0; the others treat 0 as 1
    if (Input == TestRunInput::Packet) {
      Opts.data_in = kFrame.data();
      Opts.data_size_in = kFrame.size();
      if (Report == LengthInCb0) {
        const CtxField &Last = P.ctxFields.back();
        std::size_t CtxBytes =
            std::min<std::size_t>(Last.offset + Last.size * Last.count, CtxIn.size());
        Opts.ctx_in = CtxIn.data();
        Opts.ctx_size_in = static_cast<std::uint32_t>(CtxBytes);
        Opts.ctx_out = CtxOut.data();
        Opts.ctx_size_out = static_cast<std::uint32_t>(CtxBytes);
      }
    } else {
      Opts.ctx_in = Args;
      Opts.ctx_size_in = sizeof Args;
    }
    int Err = bpf_prog_test_run_opts(Fd.get(), &Opts);
    if (Err == 0) {
      M.testRun.supported = true;
      M.testRun.input = Input;
      M.testRun.error = 0;
      M.testRun.retval = Opts.retval;
      if (Input == TestRunInput::Packet && Report != NoLength) {
        std::uint32_t Seen = Opts.retval;
        if (Report == LengthInCb0)
          std::memcpy(&Seen, CtxOut.data() + Cb->offset, sizeof Seen);
        M.testRun.observedLength = Seen;
        if (Seen == kFrame.size())
          M.testRun.packetBase = PacketBase::L2;
        else if (Seen == kFrame.size() - kEthHeaderBytes)
          M.testRun.packetBase = PacketBase::L3;
      }
      return;
    }
    M.testRun.error = Err < 0 ? -Err : errno;
    if (M.testRun.error == kEnotsupp)
      return;
  }
}

//===--- Kernel identity ---------------------------------------------------===//

std::string btfPath() {
  const char *Override = std::getenv("BPFCARVE_BTF");
  return Override && *Override ? Override : "/sys/kernel/btf/vmlinux";
}

std::string kernelRelease() {
  utsname U{};
  ::uname(&U);
  return U.release;
}

/// FNV-1a over the raw BTF, the same key toolchain's vmlinux.h cache uses.
std::string btfHash() {
  std::ifstream In(btfPath(), std::ios::binary);
  if (!In)
    return "nobtf";
  std::uint64_t H = 1469598103934665603ull;
  std::array<char, 1 << 16> Buf;
  while (In) {
    In.read(Buf.data(), Buf.size());
    for (std::streamsize I = 0; I < In.gcount(); ++I) {
      H ^= static_cast<unsigned char>(Buf[static_cast<size_t>(I)]);
      H *= 1099511628211ull;
    }
  }
  char Hex[17];
  std::snprintf(Hex, sizeof Hex, "%016llx", static_cast<unsigned long long>(H));
  return Hex;
}

/// Helper names as the kernel spells them: enum bpf_func_id in its BTF (BPF_FUNC_x -> bpf_x).
std::vector<std::string> kernelHelperNames() {
  std::unique_ptr<btf, void (*)(btf *)> Btf(btf__parse(btfPath().c_str(), nullptr), btf__free);
  if (!Btf)
    return {};
  int Id = btf__find_by_name_kind(Btf.get(), "bpf_func_id", BTF_KIND_ENUM);
  if (Id < 0)
    return {};
  const btf_type *T = btf__type_by_id(Btf.get(), static_cast<__u32>(Id));
  const struct btf_enum *E = btf_enum(T);
  std::vector<std::string> Names;
  for (int I = 0; I < btf_vlen(T); ++I) {
    std::string_view Name = btf__name_by_offset(Btf.get(), E[I].name_off);
    if (!Name.starts_with("BPF_FUNC_") || E[I].val < 0 || E[I].val > 65535)
      continue;
    auto Val = static_cast<size_t>(E[I].val);
    if (Names.size() <= Val)
      Names.resize(Val + 1);
    Names[Val] = "bpf_" + std::string(Name.substr(9));
  }
  if (!Names.empty())
    Names[0].clear(); // BPF_FUNC_unspec is no helper
  return Names;
}

std::string utcNow() {
  std::time_t Now = std::time(nullptr);
  std::tm Tm{};
  ::gmtime_r(&Now, &Tm);
  char Buf[32];
  std::strftime(Buf, sizeof Buf, "%Y-%m-%dT%H:%M:%SZ", &Tm);
  return Buf;
}

//===--- JSON --------------------------------------------------------------===//

template <typename Enum, size_t N>
std::optional<Enum> enumFromString(std::string_view S, const Enum (&All)[N]) {
  for (Enum E : All)
    if (toString(E) == S)
      return E;
  return std::nullopt;
}

constexpr PacketBase kAllBases[] = {PacketBase::None, PacketBase::L2, PacketBase::L3,
                                    PacketBase::Payload};
constexpr PacketAccess kAllAccess[] = {PacketAccess::None, PacketAccess::Read,
                                       PacketAccess::ReadWrite};
constexpr TestRunInput kAllInputs[] = {TestRunInput::None, TestRunInput::Packet, TestRunInput::Ctx};

json optionalJson(const std::optional<std::uint32_t> &V) { return V ? json(*V) : json(nullptr); }

} // namespace

//===--- Public: classification --------------------------------------------===//

HelperVerdict classifyHelperLoad(int Err, std::string_view Log) {
  if (Err >= 0)
    return HelperVerdict::Usable;
  if (Log.find("invalid func") != std::string_view::npos)
    return HelperVerdict::UnknownId;
  if (Log.find("might sleep") != std::string_view::npos)
    return HelperVerdict::SleepableOnly;
  for (std::string_view Marker :
       {"cannot use helper", "unknown func", "not supported for program type",
        "not allowed in probe", "supported only for fentry"})
    if (Log.find(Marker) != std::string_view::npos)
      return HelperVerdict::Unusable;
  // EPERM without a word from the verifier: the call was never judged, so claim nothing.
  if (Err == -EPERM && lastMeaningfulLine(Log).empty())
    return HelperVerdict::Unusable;
  // Any other refusal ("R1 !read_ok", "R2 type=scalar expected=...") is about the missing
  // arguments, which the verifier checks only after accepting the helper for this type.
  return HelperVerdict::Usable;
}

std::span<const std::int64_t> probedReturnValues() { return kReturnValues; }

//===--- Public: result accessors ------------------------------------------===//

bool MeasuredHook::helperUsable(std::uint32_t Id) const {
  return std::binary_search(helpers.begin(), helpers.end(), Id);
}

const MeasuredField *MeasuredHook::field(std::string_view Name) const {
  for (const MeasuredField &F : fields)
    if (F.name == Name)
      return &F;
  return nullptr;
}

const MeasuredHook *ProbeResult::hook(std::string_view Name) const {
  for (const MeasuredHook &H : hooks)
    if (H.hook == Name)
      return &H;
  return nullptr;
}

std::string ProbeResult::helperName(std::uint32_t Id) const {
  if (Id < helperNames.size() && !helperNames[Id].empty())
    return helperNames[Id];
  std::string_view Static = verifier::helperName(Id);
  return Static.empty() ? "helper#" + std::to_string(Id) : std::string(Static);
}

//===--- Public: JSON ------------------------------------------------------===//

json measuredHookJson(const MeasuredHook &H) {
  json Fields = json::array();
  for (const MeasuredField &F : H.fields)
    Fields.push_back({{"name", F.name},
                      {"offset", F.offset},
                      {"size", F.size},
                      {"count", F.count},
                      {"read", F.readable},
                      {"write", F.writable}});
  const MeasuredTestRun &T = H.testRun;
  return {{"loads", H.loads},
          {"load_error", H.loadError},
          {"helpers", H.helpers},
          {"sleepable_only", H.sleepableOnly},
          {"fields", Fields},
          {"packet_access", H.packetAccess ? json(toString(*H.packetAccess)) : json(nullptr)},
          {"return_values", {{"accepted", H.returnAccepted}, {"rejected", H.returnRejected}}},
          {"test_run",
           {{"supported", T.supported},
            {"input", toString(T.input)},
            {"errno", T.error},
            {"retval", T.retval},
            {"observed_length", T.observedLength},
            {"packet_base", T.packetBase ? json(toString(*T.packetBase)) : json(nullptr)}}}};
}

json kernelJson(const ProbeResult &R) {
  return {{"release", R.kernelRelease},
          {"btf_hash", R.btfHash},
          {"libbpf", R.libbpfVersion},
          {"helper_id_max", R.helperIdMax}};
}

std::string toJson(const ProbeResult &R) {
  json Hooks = json::array();
  for (const MeasuredHook &H : R.hooks) {
    json Entry = {{"hook", H.hook},
                  {"prog_type", H.progTypeName},
                  {"prog_type_id", H.progType},
                  {"expected_attach_type", optionalJson(H.expectedAttachType)}};
    Entry.update(measuredHookJson(H));
    Hooks.push_back(std::move(Entry));
  }
  json J = {{"format", ProbeResult::FormatVersion}, {"kernel", kernelJson(R)},
            {"helper_names", R.helperNames},        {"measured_at", R.measuredAt},
            {"probe_seconds", R.probeSeconds},      {"hooks", Hooks}};
  return J.dump(1) + "\n";
}

Result<ProbeResult> probeResultFromJson(std::string_view Text) {
  json J = json::parse(Text, nullptr, /*allow_exceptions=*/false);
  if (J.is_discarded() || !J.is_object())
    return Failure::badInput("probe cache: not a JSON object");
  try {
    if (J.at("format").get<int>() != ProbeResult::FormatVersion)
      return Failure::badInput("probe cache: format " + J.at("format").dump() + ", expected " +
                               std::to_string(ProbeResult::FormatVersion));
    ProbeResult R;
    const json &K = J.at("kernel");
    R.kernelRelease = K.at("release").get<std::string>();
    R.btfHash = K.at("btf_hash").get<std::string>();
    R.libbpfVersion = K.at("libbpf").get<std::string>();
    R.helperIdMax = K.at("helper_id_max").get<std::uint32_t>();
    R.helperNames = J.at("helper_names").get<std::vector<std::string>>();
    R.measuredAt = J.at("measured_at").get<std::string>();
    R.probeSeconds = J.at("probe_seconds").get<double>();
    for (const json &H : J.at("hooks")) {
      MeasuredHook M;
      M.hook = H.at("hook").get<std::string>();
      M.progTypeName = H.at("prog_type").get<std::string>();
      M.progType = H.at("prog_type_id").get<std::uint32_t>();
      if (!H.at("expected_attach_type").is_null())
        M.expectedAttachType = H.at("expected_attach_type").get<std::uint32_t>();
      M.loads = H.at("loads").get<bool>();
      M.loadError = H.at("load_error").get<std::string>();
      M.helpers = H.at("helpers").get<std::vector<std::uint32_t>>();
      M.sleepableOnly = H.at("sleepable_only").get<std::vector<std::uint32_t>>();
      for (const json &F : H.at("fields"))
        M.fields.push_back({F.at("name").get<std::string>(), F.at("offset").get<std::uint32_t>(),
                            F.at("size").get<std::uint32_t>(), F.at("count").get<std::uint32_t>(),
                            F.at("read").get<bool>(), F.at("write").get<bool>()});
      if (!H.at("packet_access").is_null()) {
        M.packetAccess = enumFromString(H.at("packet_access").get<std::string>(), kAllAccess);
        if (!M.packetAccess)
          return Failure::badInput("probe cache: unknown packet_access in hook " + M.hook);
      }
      M.returnAccepted = H.at("return_values").at("accepted").get<std::vector<std::int64_t>>();
      M.returnRejected = H.at("return_values").at("rejected").get<std::vector<std::int64_t>>();
      const json &T = H.at("test_run");
      M.testRun.supported = T.at("supported").get<bool>();
      auto Input = enumFromString(T.at("input").get<std::string>(), kAllInputs);
      if (!Input)
        return Failure::badInput("probe cache: unknown test_run input in hook " + M.hook);
      M.testRun.input = *Input;
      M.testRun.error = T.at("errno").get<int>();
      M.testRun.retval = T.at("retval").get<std::uint32_t>();
      M.testRun.observedLength = T.at("observed_length").get<std::uint32_t>();
      if (!T.at("packet_base").is_null()) {
        M.testRun.packetBase = enumFromString(T.at("packet_base").get<std::string>(), kAllBases);
        if (!M.testRun.packetBase)
          return Failure::badInput("probe cache: unknown packet_base in hook " + M.hook);
      }
      std::sort(M.helpers.begin(), M.helpers.end());
      R.hooks.push_back(std::move(M));
    }
    return R;
  } catch (const json::exception &E) {
    return Failure::badInput(std::string("probe cache: ") + E.what());
  }
}

//===--- Public: probing ---------------------------------------------------===//

Result<ProbeResult> measureKernel() {
  auto Start = std::chrono::steady_clock::now();
  ProbeResult R;
  R.kernelRelease = kernelRelease();
  R.btfHash = btfHash();
  R.libbpfVersion = libbpf_version_string();
  R.helperNames = kernelHelperNames();
  R.measuredAt = utcNow();

  for (const HookProfile &P : hookProfiles()) {
    MeasuredHook M;
    M.hook = std::string(P.name);
    M.progTypeName = std::string(P.progTypeName);
    M.progType = P.progType;
    M.expectedAttachType = P.expectedAttachType;
    ProbeLoader L(P);
    {
      bpf_insn Trivial[] = {L.exitValue(), exitInsn()};
      ProgramFd Fd = L.load(Trivial);
      if (!Fd.ok()) {
        std::string Why = lastMeaningfulLine(L.log());
        // EPERM on the first hook is the caller's privileges; on a later one, after others
        // loaded, it is the kernel's policy for that program type (a locked-down kernel
        // refuses lsm and fentry programs to root too).
        if (Fd.error() == EPERM && R.hooks.empty())
          return Failure::environment(
              "probe needs root or CAP_BPF (with CAP_NET_ADMIN and CAP_PERFMON): loading a "
              "trivial " +
              std::string(P.progTypeName) + " program failed with EPERM" +
              (Why.empty() ? std::string() : " (" + Why + ")"));
        M.loadError = std::string(std::strerror(Fd.error())) + (Why.empty() ? "" : ": " + Why);
        R.hooks.push_back(std::move(M));
        continue;
      }
      M.loads = true;
    }
    probeHelpers(L, M, R.helperIdMax);
    probeFields(L, P, M);
    probePacketAccess(L, P, M);
    probeReturns(L, M);
    probeTestRun(L, P, M);
    R.hooks.push_back(std::move(M));
  }
  R.probeSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - Start).count();
  return R;
}

Result<std::string> probeCachePath() {
  return (fs::path(toolchain::cacheDir()) / "probe" / (kernelRelease() + "-" + btfHash() + ".json"))
      .string();
}

namespace {

/// A cache is usable when it is for this kernel and measured every hook and field the current
/// tables have (a row added since would otherwise show up as "not measured").
bool coversCurrentProfiles(const ProbeResult &R, const std::string &Release,
                           const std::string &Hash) {
  if (R.kernelRelease != Release || R.btfHash != Hash)
    return false;
  return coversProfiles(R);
}

} // namespace

bool coversProfiles(const ProbeResult &R) {
  for (const HookProfile &P : hookProfiles()) {
    const MeasuredHook *M = R.hook(P.name);
    if (!M || M->progType != P.progType || M->expectedAttachType != P.expectedAttachType)
      return false;
    if (M->loads && M->fields.size() != P.ctxFields.size())
      return false;
    for (const CtxField &F : P.ctxFields)
      if (M->loads && !M->field(F.name))
        return false;
  }
  return true;
}

Result<ProbeResult> probeKernel(bool Refresh) {
  std::string Release = kernelRelease();
  std::string Hash = btfHash();
  fs::path Path = fs::path(toolchain::cacheDir()) / "probe" / (Release + "-" + Hash + ".json");

  if (!Refresh) {
    std::ifstream In(Path, std::ios::binary);
    if (In) {
      std::string Text((std::istreambuf_iterator<char>(In)), std::istreambuf_iterator<char>());
      Result<ProbeResult> Cached = probeResultFromJson(Text);
      if (Cached && coversCurrentProfiles(*Cached, Release, Hash)) {
        Cached->cacheFile = Path.string();
        Cached->fromCache = true;
        return Cached;
      }
      // A stale or broken cache is measured over, not reported.
    }
  }

  Result<ProbeResult> Fresh = measureKernel();
  if (!Fresh)
    return Fresh;
  std::error_code EC;
  fs::create_directories(Path.parent_path(), EC);
  fs::path Tmp = Path;
  Tmp += ".tmp." + std::to_string(::getpid());
  {
    std::ofstream Out(Tmp, std::ios::binary);
    Out << toJson(*Fresh);
    Out.close();
    if (!Out)
      EC = std::make_error_code(std::errc::io_error);
  }
  if (!EC)
    fs::rename(Tmp, Path, EC);
  if (EC) {
    fs::remove(Tmp, EC);
    return Fresh;
  }
  Fresh->cacheFile = Path.string();
  return Fresh;
}

} // namespace bpfcarve::verifier
