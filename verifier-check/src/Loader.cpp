//===- Loader.cpp - load BPF programs through the kernel verifier ---------===//
#include "bpfcarve/verifier/Loader.h"
#include "Globals.h"
#include "LineInfo.h"
#include "bpfcarve/toolchain/Names.h"
#include "bpfcarve/verifier/HookProfile.h"
#include "bpfcarve/verifier/Packets.h"
#include "bpfcarve/verifier/TestRun.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <gelf.h>
#include <libelf.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdarg>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <sys/stat.h>
#include <unistd.h>

namespace bpfcarve::verifier {

namespace {

/// libbpf reports through one process-wide print callback; while we open or load, its messages
/// are collected (they explain failures that happen before the verifier runs).
std::mutex CaptureLock;
std::string *CaptureSink = nullptr;

int capturePrint(enum libbpf_print_level Level, const char *Fmt, va_list Args) {
  if (!CaptureSink || Level == LIBBPF_DEBUG)
    return 0;
  char Buf[4096];
  int N = std::vsnprintf(Buf, sizeof Buf, Fmt, Args);
  if (N > 0)
    CaptureSink->append(Buf, std::min<size_t>(static_cast<size_t>(N), sizeof Buf - 1));
  return 0;
}

class LibbpfCapture {
public:
  explicit LibbpfCapture(std::string &Sink) : Guard(CaptureLock) {
    CaptureSink = &Sink;
    Old = libbpf_set_print(capturePrint);
  }
  ~LibbpfCapture() {
    libbpf_set_print(Old);
    CaptureSink = nullptr;
  }

private:
  std::lock_guard<std::mutex> Guard;
  libbpf_print_fn_t Old;
};

/// Names of FUNC symbols that relocations of the `.maps` section point at: programs placed into
/// prog-array slots by a static initializer.
std::vector<std::string> slotProgramsFromElf(const std::string &Path) {
  std::vector<std::string> Out;
  if (elf_version(EV_CURRENT) == EV_NONE)
    return Out;
  int Fd = ::open(Path.c_str(), O_RDONLY | O_CLOEXEC);
  if (Fd < 0)
    return Out;
  Elf *E = elf_begin(Fd, ELF_C_READ, nullptr);
  size_t Shstrndx = 0;
  if (E && elf_getshdrstrndx(E, &Shstrndx) == 0) {
    for (Elf_Scn *Scn = elf_nextscn(E, nullptr); Scn; Scn = elf_nextscn(E, Scn)) {
      GElf_Shdr Sh;
      if (!gelf_getshdr(Scn, &Sh) || Sh.sh_type != SHT_REL)
        continue;
      const char *Name = elf_strptr(E, Shstrndx, Sh.sh_name);
      if (!Name || std::strcmp(Name, ".rel.maps") != 0)
        continue;
      Elf_Scn *SymScn = elf_getscn(E, Sh.sh_link);
      GElf_Shdr SymSh;
      if (!SymScn || !gelf_getshdr(SymScn, &SymSh))
        continue;
      Elf_Data *Rel = elf_getdata(Scn, nullptr);
      Elf_Data *Syms = elf_getdata(SymScn, nullptr);
      size_t N = Sh.sh_entsize ? Sh.sh_size / Sh.sh_entsize : 0;
      for (size_t I = 0; Rel && Syms && I < N; ++I) {
        GElf_Rel R;
        GElf_Sym S;
        if (!gelf_getrel(Rel, static_cast<int>(I), &R) ||
            !gelf_getsym(Syms, static_cast<int>(GELF_R_SYM(R.r_info)), &S) ||
            GELF_ST_TYPE(S.st_info) != STT_FUNC)
          continue;
        if (const char *SymName = elf_strptr(E, SymSh.sh_link, S.st_name))
          Out.emplace_back(SymName);
      }
    }
  }
  if (E)
    elf_end(E);
  ::close(Fd);
  return Out;
}

/// Programs from the ELF symbol table, as libbpf 1.1 would make them: FUNC symbols in
/// executable PROGBITS sections other than .text, ordered by section then offset.
std::vector<ObjectProgram> programsFromElf(const std::string &Path) {
  std::vector<ObjectProgram> Out;
  if (elf_version(EV_CURRENT) == EV_NONE)
    return Out;
  int Fd = ::open(Path.c_str(), O_RDONLY | O_CLOEXEC);
  if (Fd < 0)
    return Out;
  Elf *E = elf_begin(Fd, ELF_C_READ, nullptr);
  size_t Shstrndx = 0;
  if (E && elf_getshdrstrndx(E, &Shstrndx) == 0) {
    struct Sym {
      size_t sec;
      GElf_Addr value;
      ObjectProgram prog;
    };
    std::vector<Sym> Syms;
    for (Elf_Scn *Scn = elf_nextscn(E, nullptr); Scn; Scn = elf_nextscn(E, Scn)) {
      GElf_Shdr Sh;
      if (!gelf_getshdr(Scn, &Sh) || Sh.sh_type != SHT_SYMTAB)
        continue;
      Elf_Data *D = elf_getdata(Scn, nullptr);
      size_t N = Sh.sh_entsize ? Sh.sh_size / Sh.sh_entsize : 0;
      for (size_t I = 0; D && I < N; ++I) {
        GElf_Sym S;
        if (!gelf_getsym(D, static_cast<int>(I), &S) || GELF_ST_TYPE(S.st_info) != STT_FUNC)
          continue;
        Elf_Scn *Target = elf_getscn(E, S.st_shndx);
        GElf_Shdr TSh;
        if (!Target || !gelf_getshdr(Target, &TSh) || TSh.sh_type != SHT_PROGBITS ||
            !(TSh.sh_flags & SHF_EXECINSTR))
          continue;
        const char *SecName = elf_strptr(E, Shstrndx, TSh.sh_name);
        const char *Name = elf_strptr(E, Sh.sh_link, S.st_name);
        if (!SecName || !Name || std::strcmp(SecName, ".text") == 0)
          continue;
        ObjectProgram P{Name, SecName, true};
        if (!P.section.empty() && P.section[0] == '?') {
          P.section.erase(0, 1);
          P.autoload = false;
        }
        Syms.push_back({S.st_shndx, S.st_value, P});
      }
    }
    std::sort(Syms.begin(), Syms.end(), [](const Sym &A, const Sym &B) {
      return A.sec != B.sec ? A.sec < B.sec : A.value < B.value;
    });
    for (Sym &S : Syms)
      Out.push_back(S.prog);
  }
  if (E)
    elf_end(E);
  ::close(Fd);
  return Out;
}

std::string firstLineOf(const std::string &S) {
  std::string Line;
  for (size_t Start = 0; Start < S.size();) {
    size_t End = S.find('\n', Start);
    Line = S.substr(Start, End == std::string::npos ? std::string::npos : End - Start);
    if (Line.starts_with("libbpf: "))
      Line.erase(0, 8);
    if (!Line.empty())
      return Line;
    if (End == std::string::npos)
      break;
    Start = End + 1;
  }
  return Line;
}

Result<bool> checkReadableObject(const std::string &Path) {
  struct stat St{};
  if (::stat(Path.c_str(), &St) != 0)
    return Failure::badInput("cannot read '" + Path + "': " + std::strerror(errno));
  if (S_ISDIR(St.st_mode))
    return Failure::badInput("'" + Path + "' is a directory, not a BPF object");
  int Fd = ::open(Path.c_str(), O_RDONLY | O_CLOEXEC);
  if (Fd < 0)
    return Failure::badInput("cannot read '" + Path + "': " + std::strerror(errno));
  unsigned char Ident[EI_NIDENT] = {};
  ssize_t N = ::read(Fd, Ident, sizeof Ident);
  GElf_Ehdr Eh{};
  bool IsElf = N == EI_NIDENT && std::memcmp(Ident, ELFMAG, SELFMAG) == 0;
  bool IsBpf = false;
  std::string Corrupt; // why the ELF structure cannot be read, for a BPF object
  if (IsElf && elf_version(EV_CURRENT) != EV_NONE) {
    Elf *E = elf_begin(Fd, ELF_C_READ, nullptr);
    IsBpf = E && gelf_getehdr(E, &Eh) && Eh.e_machine == EM_BPF;
    size_t Shstrndx = 0;
    if (!E || !IsBpf) {
      // not BPF: reported below
    } else if (Eh.e_shoff > static_cast<GElf_Off>(St.st_size) ||
               static_cast<GElf_Off>(Eh.e_shnum) * Eh.e_shentsize >
                   static_cast<GElf_Off>(St.st_size) - Eh.e_shoff) {
      Corrupt = "the section header table ends past the end of the file (" +
                std::to_string(St.st_size) + " bytes)";
    } else if (elf_getshdrstrndx(E, &Shstrndx) != 0) {
      Corrupt = elf_errmsg(-1);
    } else {
      // Every section's bytes must lie inside the file (a cut-off object fails here).
      for (Elf_Scn *Scn = elf_nextscn(E, nullptr); Scn && Corrupt.empty();
           Scn = elf_nextscn(E, Scn)) {
        GElf_Shdr Sh;
        if (!gelf_getshdr(Scn, &Sh))
          Corrupt = elf_errmsg(-1);
        else if (Sh.sh_type != SHT_NOBITS &&
                 (Sh.sh_offset > static_cast<GElf_Off>(St.st_size) ||
                  Sh.sh_size > static_cast<GElf_Off>(St.st_size) - Sh.sh_offset))
          Corrupt = "section " + std::to_string(elf_ndxscn(Scn)) + " ends at byte " +
                    std::to_string(Sh.sh_offset + Sh.sh_size) + ", past the end of the file (" +
                    std::to_string(St.st_size) + " bytes)";
      }
    }
    if (E)
      elf_end(E);
  }
  ::close(Fd);
  if (!Corrupt.empty())
    return Failure::badInput("'" + Path + "' is a truncated or corrupt ELF object: " + Corrupt);
  if (!IsElf)
    return Failure::badInput("'" + Path + "' is not an ELF object file");
  if (!IsBpf)
    return Failure::badInput("'" + Path + "' is an ELF file but not a BPF object (e_machine " +
                             std::to_string(Eh.e_machine) + ")");
  return true;
}

} // namespace

Result<ObjectInfo> readObject(const std::string &Path) {
  if (auto Ok = checkReadableObject(Path); !Ok)
    return Ok.failure();
  ObjectInfo Info;
  Info.path = Path;
  Info.slotPrograms = slotProgramsFromElf(Path);
  std::string Messages;
  bpf_object *Obj;
  {
    LibbpfCapture Capture(Messages);
    Obj = bpf_object__open_file(Path.c_str(), nullptr);
  }
  if (!Obj) {
    int Err = errno;
    Info.openError = firstLineOf(Messages);
    if (Info.openError.empty())
      Info.openError = std::string("libbpf cannot open the object: ") + std::strerror(Err);
    Info.programs = programsFromElf(Path);
    return Info;
  }
  bpf_program *P;
  bpf_object__for_each_program(P, Obj) {
    Info.programs.push_back(
        {bpf_program__name(P), bpf_program__section_name(P), bpf_program__autoload(P)});
  }
  bpf_object__close(Obj);
  return Info;
}

Result<std::vector<ObjectProgram>> selectPrograms(const ObjectInfo &Info, const std::string &Name) {
  if (Name.empty())
    return Info.programs;
  std::vector<std::string> Names, Sections;
  for (const ObjectProgram &P : Info.programs) {
    Names.push_back(P.name);
    Sections.push_back(P.section);
  }
  auto Index = toolchain::findProgram(Names, Sections, Name, Info.path);
  if (!Index)
    return Index.failure();
  return std::vector<ObjectProgram>{Info.programs[*Index]};
}

LoadedProgram::~LoadedProgram() {
  if (Obj)
    bpf_object__close(Obj); // closes program and map fds: the kernel frees them
}

std::vector<std::uint32_t> LoadedProgram::helperIds() const {
  std::vector<std::uint32_t> Out;
  const bpf_program *P = Obj ? bpf_object__find_program_by_name(Obj, Name.c_str()) : nullptr;
  if (!P)
    return Out;
  const bpf_insn *I = bpf_program__insns(P);
  for (size_t K = 0; I && K < bpf_program__insn_cnt(P); ++K)
    if (I[K].code == (BPF_JMP | BPF_CALL) && I[K].src_reg == 0 && I[K].imm > 0)
      Out.push_back(static_cast<std::uint32_t>(I[K].imm));
  std::sort(Out.begin(), Out.end());
  Out.erase(std::unique(Out.begin(), Out.end()), Out.end());
  return Out;
}

LoadedProgram::LoadedProgram(LoadedProgram &&O) noexcept
    : Obj(O.Obj), Fd(O.Fd), Errno(O.Errno), Log(std::move(O.Log)), Messages(std::move(O.Messages)),
      ProgType(std::move(O.ProgType)), Name(std::move(O.Name)),
      LoaderSized(std::move(O.LoaderSized)) {
  O.Obj = nullptr;
  O.Fd = -1;
}

/// Map types the kernel creates only with max_entries > 0 (and that libbpf does not size).
static bool needsSize(bpf_map_type T) {
  switch (T) {
  case BPF_MAP_TYPE_HASH:
  case BPF_MAP_TYPE_ARRAY:
  case BPF_MAP_TYPE_PROG_ARRAY:
  case BPF_MAP_TYPE_PERCPU_HASH:
  case BPF_MAP_TYPE_PERCPU_ARRAY:
  case BPF_MAP_TYPE_STACK_TRACE:
  case BPF_MAP_TYPE_LRU_HASH:
  case BPF_MAP_TYPE_LRU_PERCPU_HASH:
  case BPF_MAP_TYPE_LPM_TRIE:
  case BPF_MAP_TYPE_DEVMAP:
  case BPF_MAP_TYPE_DEVMAP_HASH:
  case BPF_MAP_TYPE_SOCKMAP:
  case BPF_MAP_TYPE_SOCKHASH:
  case BPF_MAP_TYPE_CPUMAP:
  case BPF_MAP_TYPE_XSKMAP:
  case BPF_MAP_TYPE_QUEUE:
  case BPF_MAP_TYPE_STACK:
  case BPF_MAP_TYPE_RINGBUF:
  case BPF_MAP_TYPE_USER_RINGBUF:
  case BPF_MAP_TYPE_BLOOM_FILTER:
  case BPF_MAP_TYPE_REUSEPORT_SOCKARRAY:
    return true;
  default:
    return false;
  }
}

Result<LoadedProgram> loadProgram(const std::string &Path, const ObjectProgram &Program,
                                  const LoadOptions &Options) {
  LoadedProgram L;
  L.Name = Program.name;
  std::vector<char> LogBuf(Options.logSize, '\0');
  {
    LibbpfCapture Capture(L.Messages);
    L.Obj = bpf_object__open_file(Path.c_str(), nullptr);
    if (!L.Obj) {
      L.Errno = errno;
      return L;
    }
    bpf_program *Target = nullptr, *P;
    bpf_object__for_each_program(P, L.Obj) {
      bool Mine = Program.name == bpf_program__name(P);
      bool Needed = std::find(Options.alsoLoad.begin(), Options.alsoLoad.end(),
                              bpf_program__name(P)) != Options.alsoLoad.end();
      bpf_program__set_autoload(P, Mine || Needed);
      if (Mine)
        Target = P;
    }
    if (!Target)
      return Failure::badInput("no program '" + Program.name + "' in '" + Path + "'");
    if (!Options.type.empty()) {
      bpf_prog_type Type{};
      bpf_attach_type Attach{};
      if (libbpf_prog_type_by_name(Options.type.c_str(), &Type, &Attach) != 0) {
        return toolchain::unknownName("unknown hook", Options.type, hookNames(),
                                      "a libbpf section name such as xdp, tc, socket, "
                                      "cgroup_skb/ingress, raw_tp/NAME");
      }
      bpf_program__set_type(Target, Type);
      bpf_program__set_expected_attach_type(Target, Attach);
      // The programs loaded with it (tail-call slots) in sections libbpf does not know either
      // (iproute2's "ID/KEY"): tc(8) loads a whole object as one program type, and so does this.
      bpf_object__for_each_program(P, L.Obj) if (P != Target && bpf_program__autoload(P) &&
                                                 bpf_program__type(P) == BPF_PROG_TYPE_UNSPEC) {
        bpf_program__set_type(P, Type);
        bpf_program__set_expected_attach_type(P, Attach);
      }
    }
    // Pinning off: a LIBBPF_PIN_BY_NAME map would otherwise be created in /sys/fs/bpf.
    bpf_map *M;
    bpf_object__for_each_map(M, L.Obj) {
      bpf_map__set_pin_path(M, nullptr);
      // systemd's maps leave max_entries to its loader (`bpf_map__set_max_entries`); the
      // kernel refuses 0 for the sized map types. The verifier's verdict does not depend on
      // the size: the smallest one it takes (a page for ring buffers). Local storage maps
      // (sk, inode, task, cgroup) must have 0; libbpf sizes perf event arrays itself.
      if (bpf_map__max_entries(M) != 0 || !needsSize(bpf_map__type(M)))
        continue;
      const bool Ring =
          bpf_map__type(M) == BPF_MAP_TYPE_RINGBUF || bpf_map__type(M) == BPF_MAP_TYPE_USER_RINGBUF;
      const auto Size = static_cast<std::uint32_t>(Ring ? sysconf(_SC_PAGESIZE) : 1);
      if (bpf_map__set_max_entries(M, Size) == 0)
        L.LoaderSized.push_back(std::string(bpf_map__name(M)) + " (max_entries " +
                                std::to_string(Size) + ")");
    }
    if (auto G = setGlobals(L.Obj, Options.globals, Path); !G)
      return G.failure();
    bpf_program__set_log_buf(Target, LogBuf.data(), LogBuf.size());
    bpf_program__set_log_level(Target, Options.logLevel);
    const char *TypeName = libbpf_bpf_prog_type_str(bpf_program__type(Target));
    L.ProgType = TypeName ? TypeName : "unspec";
    int Err = bpf_object__load(L.Obj);
    if (Err == 0)
      L.Fd = bpf_program__fd(Target);
    else
      L.Errno = -Err;
  }
  L.Log.assign(LogBuf.data(), strnlen(LogBuf.data(), LogBuf.size()));
  return L;
}

namespace {

void fillInfo(int Fd, ProgramReport &R) {
  bpf_prog_info Info{};
  __u32 Len = sizeof Info;
  if (bpf_obj_get_info_by_fd(Fd, &Info, &Len) != 0)
    return;
  R.verifiedInsns = Info.verified_insns;
  R.xlatedInsns = Info.xlated_prog_len / 8;
  R.jitedBytes = Info.jited_prog_len;
}

TestRunSummary runPackets(const LoadedProgram &L, const ObjectProgram &P, const std::string &Type,
                          const std::vector<Packet> &Packets) {
  TestRunSummary S;
  const HookProfile *Hook = findHook(Type.empty() ? P.section : Type);
  if (!Hook) {
    auto ByType = hooksForProgType(L.progType());
    Hook = ByType.empty() ? nullptr : ByType.front();
  }
  if (!Hook || !Hook->testRun.supported || Hook->testRun.input != TestRunInput::Packet) {
    S.unsupported =
        "BPF_PROG_TEST_RUN cannot run packets through " + L.progType() + " programs on this kernel";
    return S;
  }
  for (const Packet &Pk : Packets) {
    ++S.packets;
    RunOutcome R = testRunFrame(L.fd(), *Hook, Pk.bytes);
    if (R.ran)
      ++S.verdicts[verdictName(*Hook, R.retval)];
    else
      ++S.errors[explainRunError(*Hook, R.err, Pk.bytes)];
  }
  return S;
}

/// The file as the verifier's own log names it (the kernel prints the base name).
std::string baseName(const std::string &File) {
  size_t Slash = File.rfind('/');
  return Slash == std::string::npos ? File : File.substr(Slash + 1);
}

/// libbpf names the extern it could not resolve ("extern (func ksym) 'bpf_iter_num_new': not
/// found in kernel or module BTFs"); the verifier never ran, so the line is that of the first
/// call to it, from the object's own line info.
void locateKsym(const std::string &Path, VerifierError &E) {
  std::string Symbol = unresolvedSymbol(E.message);
  if (Symbol.empty())
    return;
  if (auto L = firstCallTo(Path, Symbol)) {
    E.file = baseName(L->file);
    E.line = L->line;
    E.sourceText = L->text;
  }
}

/// A log without " @ file:line" (kernels before 6.2) still names the source text: the line info
/// record with that text is the place, when exactly one line of the object has it.
void locateSourceText(const std::string &Path, VerifierError &E) {
  std::vector<SourceLine> Lines = linesWithText(Path, E.sourceText);
  if (Lines.size() == 1) {
    E.file = baseName(Lines.front().file);
    E.line = Lines.front().line;
  }
}

} // namespace

Result<ObjectReport> verifyObject(const std::string &Path, const VerifyOptions &Options) {
  auto Info = readObject(Path);
  if (!Info)
    return Info.failure();
  if (!Options.source.empty())
    Info->path = Options.source;
  auto Selected = selectPrograms(*Info, Options.program);
  if (!Selected)
    return Selected.failure();

  ObjectReport Report;
  Report.object = Path;
  for (const ObjectProgram &P : *Selected) {
    ProgramReport R;
    R.name = P.name;
    R.section = P.section;
    if (!Info->openError.empty()) {
      R.verdict = "fail";
      R.type = "unknown";
      R.error = VerifierError{failure_class::Open, Info->openError, "", "", 0, ""};
      Report.programs.push_back(std::move(R));
      continue;
    }
    LoadOptions LO;
    LO.type = Options.type;
    LO.alsoLoad = Info->slotPrograms;
    LO.globals = Options.globals;
    auto Stats = loadProgram(Path, P, LO);
    if (!Stats)
      return Stats.failure();
    for (const std::string &Sized : Stats->loaderSizedMaps())
      if (std::find(Report.loaderSizedMaps.begin(), Report.loaderSizedMaps.end(), Sized) ==
          Report.loaderSizedMaps.end())
        Report.loaderSizedMaps.push_back(Sized);
    R.type = Stats->progType();
    if (Stats->loaded()) {
      R.verdict = "pass";
      R.stats = parseVerifierStats(Stats->log());
      R.log = Stats->log();
      fillInfo(Stats->fd(), R);
      if (Options.packets)
        R.testRun = runPackets(*Stats, P, Options.type, *Options.packets);
      Report.programs.push_back(std::move(R));
      continue;
    }
    int FirstErrno = Stats->loadErrno();
    std::string Messages = Stats->libbpfMessages();
    // Refused: load once more with the instruction trace to find the message and source line
    // (the statistics-only log of the first load has neither). The kernel keeps the log's tail
    // when it overflows, which is where the verdict is.
    LoadOptions Trace = LO;
    Trace.logLevel = 1 | 4;
    Trace.logSize = 16u << 20;
    auto Traced = loadProgram(Path, P, Trace);
    std::string Log = Traced ? Traced->log() : Stats->log();
    R.stats = parseVerifierStats(Log.empty() ? Stats->log() : Log);
    if (R.stats.insnsProcessed == std::nullopt)
      R.stats = parseVerifierStats(Stats->log());
    R.log = Log.empty() ? Messages : Log; // libbpf says why when the verifier never ran
    VerifierError E = classifyFailure(Log.empty() ? Stats->log() : Log, FirstErrno, Messages);
    if (E.cls == failure_class::UnresolvedKsym && E.file.empty())
      locateKsym(Path, E);
    else if (E.file.empty() && !E.sourceText.empty())
      locateSourceText(Path, E);
    if (E.cls == failure_class::MapCompat && R.stats.insnsProcessed == std::nullopt)
      E.cls = failure_class::VerifierOther; // no statistics: the verifier never finished
    R.verdict = E.cls == failure_class::Permission ? "skipped" : "fail";
    R.error = std::move(E);
    Report.programs.push_back(std::move(R));
  }
  return Report;
}

WholeLoad loadWhole(const std::string &Path) {
  WholeLoad W;
  std::string Messages;
  auto Start = std::chrono::steady_clock::now();
  {
    LibbpfCapture Capture(Messages);
    bpf_object *Obj = bpf_object__open(Path.c_str());
    if (!Obj) {
      W.err = errno;
    } else {
      bpf_map *M;
      bpf_object__for_each_map(M, Obj) bpf_map__set_pin_path(M, nullptr);
      int Err = bpf_object__load(Obj);
      W.ok = Err == 0;
      W.err = Err < 0 ? -Err : 0;
      bpf_object__close(Obj);
    }
  }
  W.us = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                        std::chrono::steady_clock::now() - Start)
                                        .count());
  if (!W.ok) {
    // libbpf: "prog 'NAME': failed to load: -13"
    const std::string Marker = "prog '";
    for (size_t At = Messages.find(Marker); At != std::string::npos;
         At = Messages.find(Marker, At + 1)) {
      size_t End = Messages.find('\'', At + Marker.size());
      if (End != std::string::npos && Messages.compare(End, 17, "': failed to load") == 0) {
        W.failedProgram = Messages.substr(At + Marker.size(), End - At - Marker.size());
        break;
      }
    }
    W.message = firstLineOf(Messages);
  }
  return W;
}

int reportExitCode(const ObjectReport &R) {
  bool Failed = false, Skipped = false;
  for (const ProgramReport &P : R.programs) {
    Failed |= P.verdict == "fail";
    Skipped |= P.verdict == "skipped";
  }
  return Failed ? 1 : Skipped ? 3 : 0;
}

} // namespace bpfcarve::verifier
