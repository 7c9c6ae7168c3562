//===- KernelCheck.cpp - a built result against another kernel's probe and verifier ---===//
#include "bpfcarve/verifier/Guest.h"
#include "bpfcarve/verifier/HookProfile.h"
#include "bpfcarve/verifier/Probe.h"

#include "ElfFile.h"

#include <algorithm>
#include <cstring>
#include <set>

namespace bpfcarve::verifier {

std::map<std::string, std::vector<std::uint32_t>> helperCalls(const std::string &Object) {
  // Per executable section: its helper ids, and the functions (symbols) it holds. A program's
  // calls are those of its own section and of .text, where its subprograms live: a superset
  // when .text holds subprograms of other programs too, which only makes the check stricter.
  std::map<std::string, std::set<std::uint32_t>> BySection;
  std::vector<std::pair<std::string, std::string>> Programs; // name, section
  ElfFile Elf(Object);
  for (const ElfFile::Section &S : Elf.sections()) {
    if (!S.data)
      continue;
    if (S.hdr.sh_type == SHT_PROGBITS && (S.hdr.sh_flags & SHF_EXECINSTR)) {
      const auto *Bytes = static_cast<const unsigned char *>(S.data->d_buf);
      for (size_t Off = 0; Off + 8 <= S.data->d_size; Off += 8) {
        // BPF_JMP | BPF_CALL with src_reg 0: a helper; 1 is a subprogram, 2 a kfunc.
        if (Bytes[Off] != 0x85 || (Bytes[Off + 1] >> 4) != 0)
          continue;
        std::int32_t Imm;
        std::memcpy(&Imm, Bytes + Off + 4, 4);
        if (Imm > 0)
          BySection[std::string(S.name)].insert(static_cast<std::uint32_t>(Imm));
      }
    } else if (S.hdr.sh_type == SHT_SYMTAB) {
      Elf.forEachSymbol(S, [&](const GElf_Sym &Sym, std::string_view Name) {
        std::string_view Sec = Elf.sectionName(Sym.st_shndx);
        if (GELF_ST_TYPE(Sym.st_info) == STT_FUNC && !Name.empty() && !Sec.empty() &&
            Sec != ".text")
          Programs.emplace_back(Name, Sec);
      });
    }
  }
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
  auto Info = readObject(Object);
  if (!Info)
    return Info.failure();
  auto Selected = selectPrograms(*Info, Program);
  if (!Selected)
    return Selected.failure();
  // One boot: the load, and K's probe too when none is cached.
  std::optional<ProbeResult> Probe = cachedProbe(K);
  GuestJob Job;
  Job.objects.push_back({Object, Source, Program, Type});
  Job.probe = !Probe;
  auto Run = runInGuest(K, Job);
  if (!Run)
    return Run.failure();
  if (!Probe) {
    auto Measured = storeProbe(K, *Run);
    if (!Measured)
      return Measured.failure();
    Probe = Measured.take();
  }
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
  V.release = Run->release;
  V.bootMs = Run->bootMs;
  V.accelerator = Run->accelerator;
  if (!Run->reports.front())
    return Run->reports.front().failure();
  V.verify = std::move(*Run->reports.front());
  V.verify->object = Source;
  for (const ProgramReport &P : V.verify->programs)
    if (P.error && P.error->cls == failure_class::UnresolvedKsym) {
      std::string Sym = unresolvedSymbol(P.error->message);
      if (Sym.empty())
        Sym = P.error->message;
      V.refusals.push_back(
          P.name + ": " + label(K, V.release) + " has no kfunc or kernel symbol " + Sym +
          (P.error->line ? " (first called at line " + std::to_string(P.error->line) + ")" : ""));
    }
  return V;
}

} // namespace bpfcarve::verifier
