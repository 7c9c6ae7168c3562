//===- ElfFile.h - the sections and symbols of an ELF file, through libelf -*- C++ -*-===//
//
// For the readers of BPF objects and kernel modules that libbpf does not cover: helper calls,
// relocations and line info of an object, .modinfo and the symbols of a module.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <gelf.h>
#include <libelf.h>

#include <fcntl.h>
#include <string>
#include <string_view>
#include <unistd.h>
#include <vector>

namespace bpfcarve::verifier {

class ElfFile {
public:
  struct Section {
    Elf_Scn *scn = nullptr;
    GElf_Shdr hdr{};
    std::string_view name;
    Elf_Data *data = nullptr; ///< may be null
  };

  /// The file at Path; valid() is false when it cannot be read or is no ELF.
  explicit ElfFile(const std::string &Path) {
    if (elf_version(EV_CURRENT) == EV_NONE)
      return;
    Fd = ::open(Path.c_str(), O_RDONLY | O_CLOEXEC);
    if (Fd >= 0)
      init(elf_begin(Fd, ELF_C_READ, nullptr));
  }
  /// An image in memory, which must outlive this object.
  static ElfFile inMemory(const std::string &Bytes) {
    ElfFile F;
    if (elf_version(EV_CURRENT) != EV_NONE)
      F.init(elf_memory(const_cast<char *>(Bytes.data()), Bytes.size()));
    return F;
  }
  ElfFile(ElfFile &&O) noexcept : E(O.E), Fd(O.Fd), Shstrndx(O.Shstrndx), Valid(O.Valid) {
    O.E = nullptr;
    O.Fd = -1;
  }
  ElfFile(const ElfFile &) = delete;
  ~ElfFile() {
    if (E)
      elf_end(E);
    if (Fd >= 0)
      ::close(Fd);
  }

  bool valid() const { return Valid; }

  std::vector<Section> sections() const {
    std::vector<Section> Out;
    for (Elf_Scn *Scn = Valid ? elf_nextscn(E, nullptr) : nullptr; Scn; Scn = elf_nextscn(E, Scn)) {
      Section S;
      S.scn = Scn;
      if (!gelf_getshdr(Scn, &S.hdr))
        continue;
      const char *Name = elf_strptr(E, Shstrndx, S.hdr.sh_name);
      S.name = Name ? Name : "";
      S.data = elf_getdata(Scn, nullptr);
      Out.push_back(S);
    }
    return Out;
  }

  /// The name of the section at Index ("" when there is none).
  std::string_view sectionName(size_t Index) const {
    Elf_Scn *Scn = Valid ? elf_getscn(E, Index) : nullptr;
    GElf_Shdr H;
    const char *Name = Scn && gelf_getshdr(Scn, &H) ? elf_strptr(E, Shstrndx, H.sh_name) : nullptr;
    return Name ? Name : "";
  }

  /// Fn(const GElf_Sym &, std::string_view Name) for each symbol of a SHT_SYMTAB section.
  template <typename F> void forEachSymbol(const Section &Symtab, F &&Fn) const {
    size_t N = Symtab.hdr.sh_entsize ? Symtab.hdr.sh_size / Symtab.hdr.sh_entsize : 0;
    for (size_t I = 0; Symtab.data && I < N; ++I) {
      GElf_Sym S;
      if (!gelf_getsym(Symtab.data, static_cast<int>(I), &S))
        continue;
      const char *Name = elf_strptr(E, Symtab.hdr.sh_link, S.st_name);
      Fn(S, std::string_view(Name ? Name : ""));
    }
  }

  /// Fn(const GElf_Rel &, std::string_view SymbolName) for each entry of a SHT_REL section.
  template <typename F> void forEachRelocation(const Section &Rel, F &&Fn) const {
    Elf_Scn *SymScn = elf_getscn(E, Rel.hdr.sh_link);
    GElf_Shdr SymHdr;
    Elf_Data *Syms =
        SymScn && gelf_getshdr(SymScn, &SymHdr) ? elf_getdata(SymScn, nullptr) : nullptr;
    size_t N = Rel.hdr.sh_entsize ? Rel.hdr.sh_size / Rel.hdr.sh_entsize : 0;
    for (size_t I = 0; Syms && Rel.data && I < N; ++I) {
      GElf_Rel R;
      GElf_Sym S;
      if (!gelf_getrel(Rel.data, static_cast<int>(I), &R) ||
          !gelf_getsym(Syms, static_cast<int>(GELF_R_SYM(R.r_info)), &S))
        continue;
      const char *Name = elf_strptr(E, SymHdr.sh_link, S.st_name);
      Fn(R, std::string_view(Name ? Name : ""));
    }
  }

private:
  ElfFile() = default;
  void init(Elf *Handle) {
    E = Handle;
    Valid = E && elf_kind(E) == ELF_K_ELF && elf_getshdrstrndx(E, &Shstrndx) == 0;
  }
  Elf *E = nullptr;
  int Fd = -1;
  size_t Shstrndx = 0;
  bool Valid = false;
};

} // namespace bpfcarve::verifier
