//===- LineInfo.cpp -------------------------------------------------------===//
//
// .BTF.ext (the kernel's btf_ext_header) after its header holds func_info, then line_info:
//   u32 record_size; { u32 sec_name_off; u32 num_info; bpf_line_info[num_info] }...
// where bpf_line_info is { insn_off (bytes), file_name_off, line_off, line_col (line << 10 | col) }
// and every name is an offset into .BTF's string section.
//
//===----------------------------------------------------------------------===//
#include "LineInfo.h"

#include "ElfFile.h"

#include <cstring>
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

std::string_view trimmed(std::string_view S) {
  while (!S.empty() && (S.front() == ' ' || S.front() == '\t'))
    S.remove_prefix(1);
  while (!S.empty() && (S.back() == ' ' || S.back() == '\t' || S.back() == '\n'))
    S.remove_suffix(1);
  return S;
}

/// Fn(section name, insn offset in bytes, SourceLine) for every record of .BTF.ext's line info.
template <typename F> void forEachLineRecord(Elf_Data *Btf, Elf_Data *BtfExt, F &&Fn) {
  uint32_t HdrLen = 0, LineOff = 0, LineLen = 0, RecSize = 0;
  if (!Btf || !readAt(BtfExt, 4, HdrLen) || !readAt(BtfExt, 16, LineOff) ||
      !readAt(BtfExt, 20, LineLen) || !readAt(BtfExt, HdrLen + LineOff, RecSize) || RecSize < 16)
    return;
  size_t At = HdrLen + LineOff + 4, End = HdrLen + LineOff + LineLen;
  while (At + 8 <= End) {
    uint32_t SecOff = 0, Num = 0;
    readAt(BtfExt, At, SecOff);
    readAt(BtfExt, At + 4, Num);
    At += 8;
    std::string Sec = stringAt(Btf, SecOff);
    for (uint32_t I = 0; I < Num; ++I) {
      uint32_t Rec[4];
      if (!readAt(BtfExt, At + I * RecSize, Rec))
        break;
      Fn(Sec, Rec[0], SourceLine{stringAt(Btf, Rec[1]), Rec[3] >> 10, stringAt(Btf, Rec[2])});
    }
    At += static_cast<size_t>(Num) * RecSize;
  }
}

struct Call {
  std::string section;
  uint64_t insnOff; // bytes
};

} // namespace

namespace {

/// The object's .BTF and .BTF.ext data (null when absent).
std::pair<Elf_Data *, Elf_Data *> btfSections(const ElfFile &Elf) {
  Elf_Data *Btf = nullptr, *BtfExt = nullptr;
  for (const ElfFile::Section &S : Elf.sections()) {
    if (S.name == ".BTF")
      Btf = S.data;
    else if (S.name == ".BTF.ext")
      BtfExt = S.data;
  }
  return {Btf, BtfExt};
}

} // namespace

std::optional<SourceLine> firstCallTo(const std::string &Path, const std::string &Symbol) {
  ElfFile Elf(Path);
  std::vector<Call> Calls;
  auto [Btf, BtfExt] = btfSections(Elf);
  for (const ElfFile::Section &S : Elf.sections()) {
    if (S.hdr.sh_type == SHT_REL) {
      std::string Target(Elf.sectionName(S.hdr.sh_info));
      Elf.forEachRelocation(S, [&](const GElf_Rel &R, std::string_view Name) {
        if (Name == Symbol && !Target.empty())
          Calls.push_back({Target, R.r_offset});
      });
    }
  }
  if (Calls.empty())
    return std::nullopt;
  // The line of an instruction is that of the last record at or before it (records are in
  // instruction order within a section).
  std::vector<std::optional<SourceLine>> Here(Calls.size());
  forEachLineRecord(Btf, BtfExt, [&](const std::string &Sec, uint32_t Off, SourceLine L) {
    for (size_t I = 0; I < Calls.size(); ++I)
      if (Calls[I].section == Sec && Off <= Calls[I].insnOff)
        Here[I] = L;
  });
  std::optional<SourceLine> Best;
  for (const std::optional<SourceLine> &H : Here)
    if (H && (!Best || (H->file == Best->file && H->line < Best->line)))
      Best = H;
  return Best;
}

std::vector<SourceLine> linesWithText(const std::string &Path, const std::string &Text) {
  ElfFile Elf(Path);
  auto [Btf, BtfExt] = btfSections(Elf);
  std::vector<SourceLine> Out;
  std::string_view Want = trimmed(Text);
  forEachLineRecord(Btf, BtfExt, [&](const std::string &, uint32_t, SourceLine L) {
    if (trimmed(L.text) != Want)
      return;
    for (const SourceLine &O : Out)
      if (O.file == L.file && O.line == L.line)
        return;
    Out.push_back(std::move(L));
  });
  return Out;
}

} // namespace bpfcarve::verifier
