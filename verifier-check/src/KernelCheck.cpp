//===- KernelCheck.cpp - a built result against another kernel's probe and verifier ---===//
#include "bpfcarve/verifier/Guest.h"
#include "bpfcarve/verifier/HookProfile.h"
#include "bpfcarve/verifier/Probe.h"

#include <gelf.h>
#include <libelf.h>

#include <algorithm>
#include <cstring>
#include <fcntl.h>
#include <set>
#include <unistd.h>

namespace bpfcarve::verifier {

std::map<std::string, std::vector<std::uint32_t>> helperCalls(const std::string &Object) {
  // Per executable section: its helper ids, and the functions (symbols) it holds. A program's
  // calls are those of its own section and of .text, where its subprograms live: a superset
  // when .text holds subprograms of other programs too, which only makes the check stricter.
  std::map<std::string, std::set<std::uint32_t>> BySection;
  std::vector<std::pair<std::string, std::string>> Programs; // name, section
  if (elf_version(EV_CURRENT) == EV_NONE)
    return {};
  int Fd = ::open(Object.c_str(), O_RDONLY | O_CLOEXEC);
  if (Fd < 0)
    return {};
  Elf *E = elf_begin(Fd, ELF_C_READ, nullptr);
  size_t Shstrndx = 0;
  if (E && elf_getshdrstrndx(E, &Shstrndx) == 0) {
    for (Elf_Scn *Scn = elf_nextscn(E, nullptr); Scn; Scn = elf_nextscn(E, Scn)) {
      GElf_Shdr Sh;
      if (!gelf_getshdr(Scn, &Sh))
        continue;
      const char *Name = elf_strptr(E, Shstrndx, Sh.sh_name);
      Elf_Data *D = elf_getdata(Scn, nullptr);
      if (!Name || !D)
        continue;
      if (Sh.sh_type == SHT_PROGBITS && (Sh.sh_flags & SHF_EXECINSTR)) {
        const auto *Bytes = static_cast<const unsigned char *>(D->d_buf);
        for (size_t Off = 0; Off + 8 <= D->d_size; Off += 8) {
          bool Call = Bytes[Off] == 0x85, Helper = (Bytes[Off + 1] >> 4) == 0;
          if (Call && Helper) {
            std::int32_t Imm;
            std::memcpy(&Imm, Bytes + Off + 4, 4);
            if (Imm > 0)
              BySection[Name].insert(static_cast<std::uint32_t>(Imm));
          }
        }
      } else if (Sh.sh_type == SHT_SYMTAB) {
        size_t N = Sh.sh_entsize ? Sh.sh_size / Sh.sh_entsize : 0;
        for (size_t I = 0; I < N; ++I) {
          GElf_Sym S;
          if (!gelf_getsym(D, static_cast<int>(I), &S) || GELF_ST_TYPE(S.st_info) != STT_FUNC)
            continue;
          Elf_Scn *T = elf_getscn(E, S.st_shndx);
          GElf_Shdr TSh;
          const char *Fn = elf_strptr(E, Sh.sh_link, S.st_name);
          const char *Sec =
              T && gelf_getshdr(T, &TSh) ? elf_strptr(E, Shstrndx, TSh.sh_name) : nullptr;
          if (Fn && Sec && std::strcmp(Sec, ".text") != 0)
            Programs.emplace_back(Fn, Sec);
        }
      }
    }
  }
  if (E)
    elf_end(E);
  ::close(Fd);
  std::map<std::string, std::vector<std::uint32_t>> Out;
  for (const auto &[Fn, Sec] : Programs) {
    std::set<std::uint32_t> Ids = BySection[Sec];
    Ids.insert(BySection[".text"].begin(), BySection[".text"].end());
    Out[Fn] = {Ids.begin(), Ids.end()};
  }
  return Out;
}

namespace {

std::string label(const KernelImage &K, const std::string &Release) {
  return "kernel " + K.name + " (" + (Release.empty() ? K.release : Release) + ")";
}

} // namespace

Result<KernelVerdict> checkOnKernel(const KernelImage &K, const std::string &Object,
                                    const std::string &Source, const std::string &Program,
                                    const std::string &Type) {
  KernelVerdict V;
  V.kernel = K;
  auto Probe = probeKernelImage(K);
  if (!Probe)
    return Probe.failure();
  auto Info = readObject(Object);
  if (!Info)
    return Info.failure();
  auto Selected = selectPrograms(*Info, Program);
  if (!Selected)
    return Selected.failure();
  auto Calls = helperCalls(Object);
  for (const ObjectProgram &P : *Selected) {
    const HookProfile *Hook = findHook(Type.empty() ? P.section : Type);
    const MeasuredHook *M = Hook ? Probe->hook(Hook->name) : nullptr;
    if (!M || !M->loads)
      continue; // no measurement of this hook: the load on K decides
    for (std::uint32_t Id : Calls[P.name]) {
      std::string Name = Probe->helperName(Id);
      if (Id > Probe->helperIdMax)
        V.refusals.push_back(P.name + ": " + label(K, Probe->kernelRelease) + " has no helper " +
                             Name + " (id " + std::to_string(Id) + "; its last is " +
                             std::to_string(Probe->helperIdMax) + ")");
      else if (!M->helperUsable(Id))
        V.refusals.push_back(P.name + ": " + label(K, Probe->kernelRelease) + " does not let " +
                             std::string(Hook->name) + " programs call " + Name + " (helper " +
                             std::to_string(Id) + ")");
    }
  }
  GuestJob Job;
  Job.objects.push_back({Object, Source, Program, Type});
  auto Run = runInGuest(K, Job);
  if (!Run)
    return Run.failure();
  V.release = Run->release;
  V.bootMs = Run->bootMs;
  V.accelerator = Run->accelerator;
  if (!Run->reports.front())
    return Run->reports.front().failure();
  V.verify = std::move(*Run->reports.front());
  V.verify->object = Source;
  for (const ProgramReport &P : V.verify->programs)
    if (P.error && P.error->cls == failure_class::UnresolvedKsym) {
      const std::string &Msg = P.error->message;
      size_t Open = Msg.find('\''),
             Close = Open == std::string::npos ? Open : Msg.find('\'', Open + 1);
      std::string Sym = Close == std::string::npos ? Msg : Msg.substr(Open + 1, Close - Open - 1);
      V.refusals.push_back(
          P.name + ": " + label(K, V.release) + " has no kfunc or kernel symbol " + Sym +
          (P.error->line ? " (first called at line " + std::to_string(P.error->line) + ")" : ""));
    }
  return V;
}

} // namespace bpfcarve::verifier
