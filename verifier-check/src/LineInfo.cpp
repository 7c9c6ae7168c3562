//===- LineInfo.cpp -------------------------------------------------------===//
//
// .BTF.ext (the kernel's btf_ext_header) after its header holds func_info, then line_info:
//   u32 record_size; { u32 sec_name_off; u32 num_info; bpf_line_info[num_info] }...
// where bpf_line_info is { insn_off (bytes), file_name_off, line_off, line_col (line << 10 | col) }
// and every name is an offset into .BTF's string section.
//
//===----------------------------------------------------------------------===//
#include "LineInfo.h"

#include <gelf.h>
#include <libelf.h>

#include <cstring>
#include <fcntl.h>
#include <map>
#include <unistd.h>
#include <vector>

namespace bpfcarve::verifier {

namespace {

template <typename T> bool readAt(const Elf_Data *D, size_t Off, T &Out) {
  if (!D || Off + sizeof(T) > D->d_size)
    return false;
  std::memcpy(&Out, static_cast<const char *>(D->d_buf) + Off, sizeof(T));
  return true;
}

std::string stringAt(const Elf_Data *Btf, uint32_t Off) {
  uint32_t HdrLen = 0, StrOff = 0, StrLen = 0;
  if (!readAt(Btf, 4, HdrLen) || !readAt(Btf, 16, StrOff) || !readAt(Btf, 20, StrLen) ||
      Off >= StrLen)
    return {};
  size_t At = HdrLen + StrOff + Off;
  if (At >= Btf->d_size)
    return {};
  const char *S = static_cast<const char *>(Btf->d_buf) + At;
  return std::string(S, strnlen(S, Btf->d_size - At));
}

struct Call {
  std::string section;
  uint64_t insnOff; // bytes
};

} // namespace

std::optional<SourceLine> firstCallTo(const std::string &Path, const std::string &Symbol) {
  if (elf_version(EV_CURRENT) == EV_NONE)
    return std::nullopt;
  int Fd = ::open(Path.c_str(), O_RDONLY | O_CLOEXEC);
  if (Fd < 0)
    return std::nullopt;
  Elf *E = elf_begin(Fd, ELF_C_READ, nullptr);
  std::optional<SourceLine> Best;
  size_t Shstrndx = 0;
  if (E && elf_getshdrstrndx(E, &Shstrndx) == 0) {
    std::vector<Call> Calls;
    Elf_Data *Btf = nullptr, *BtfExt = nullptr;
    for (Elf_Scn *Scn = elf_nextscn(E, nullptr); Scn; Scn = elf_nextscn(E, Scn)) {
      GElf_Shdr Sh;
      if (!gelf_getshdr(Scn, &Sh))
        continue;
      const char *Name = elf_strptr(E, Shstrndx, Sh.sh_name);
      if (!Name)
        continue;
      if (std::strcmp(Name, ".BTF") == 0)
        Btf = elf_getdata(Scn, nullptr);
      else if (std::strcmp(Name, ".BTF.ext") == 0)
        BtfExt = elf_getdata(Scn, nullptr);
      if (Sh.sh_type != SHT_REL)
        continue;
      Elf_Scn *SymScn = elf_getscn(E, Sh.sh_link), *Target = elf_getscn(E, Sh.sh_info);
      GElf_Shdr SymSh, TSh;
      if (!SymScn || !Target || !gelf_getshdr(SymScn, &SymSh) || !gelf_getshdr(Target, &TSh))
        continue;
      const char *TName = elf_strptr(E, Shstrndx, TSh.sh_name);
      Elf_Data *Rel = elf_getdata(Scn, nullptr), *Syms = elf_getdata(SymScn, nullptr);
      size_t N = Sh.sh_entsize ? Sh.sh_size / Sh.sh_entsize : 0;
      for (size_t I = 0; TName && Rel && Syms && I < N; ++I) {
        GElf_Rel R;
        GElf_Sym S;
        if (!gelf_getrel(Rel, static_cast<int>(I), &R) ||
            !gelf_getsym(Syms, static_cast<int>(GELF_R_SYM(R.r_info)), &S))
          continue;
        const char *SymName = elf_strptr(E, SymSh.sh_link, S.st_name);
        if (SymName && Symbol == SymName)
          Calls.push_back({TName, R.r_offset});
      }
    }
    uint32_t HdrLen = 0, LineOff = 0, LineLen = 0, RecSize = 0;
    if (!Calls.empty() && Btf && BtfExt && readAt(BtfExt, 4, HdrLen) &&
        readAt(BtfExt, 16, LineOff) && readAt(BtfExt, 20, LineLen) &&
        readAt(BtfExt, HdrLen + LineOff, RecSize) && RecSize >= 16) {
      size_t At = HdrLen + LineOff + 4, End = HdrLen + LineOff + LineLen;
      while (At + 8 <= End) {
        uint32_t SecOff = 0, Num = 0;
        readAt(BtfExt, At, SecOff);
        readAt(BtfExt, At + 4, Num);
        At += 8;
        std::string Sec = stringAt(Btf, SecOff);
        // The line of an instruction is the last record at or before it.
        for (const Call &C : Calls) {
          if (C.section != Sec)
            continue;
          std::optional<SourceLine> Here;
          for (uint32_t I = 0; I < Num; ++I) {
            uint32_t Rec[4];
            if (!readAt(BtfExt, At + I * RecSize, Rec) || Rec[0] > C.insnOff)
              break;
            Here = SourceLine{stringAt(Btf, Rec[1]), Rec[3] >> 10, stringAt(Btf, Rec[2])};
          }
          if (Here && (!Best || (Here->file == Best->file && Here->line < Best->line)))
            Best = Here;
        }
        At += static_cast<size_t>(Num) * RecSize;
      }
    }
  }
  if (E)
    elf_end(E);
  ::close(Fd);
  return Best;
}

} // namespace bpfcarve::verifier
