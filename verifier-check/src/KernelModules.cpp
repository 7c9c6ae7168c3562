//===- KernelModules.cpp --------------------------------------------------===//
#include "KernelModules.h"

#include "ElfFile.h"
#include "bpfcarve/toolchain/OutputFile.h"
#include "bpfcarve/toolchain/Process.h"

#include <bpf/btf.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <unistd.h>

namespace bpfcarve::verifier {

namespace fs = std::filesystem;

std::set<std::string> externKsyms(const std::string &ObjectPath) {
  std::set<std::string> Out;
  btf *B = btf__parse_elf(ObjectPath.c_str(), nullptr);
  if (!B)
    return Out;
  for (unsigned Id = 1; Id < btf__type_cnt(B); ++Id) {
    const btf_type *T = btf__type_by_id(B, Id);
    bool Extern = (btf_is_func(T) && btf_vlen(T) == BTF_FUNC_EXTERN) ||
                  (btf_is_var(T) && btf_var(T)->linkage == BTF_VAR_GLOBAL_EXTERN);
    if (Extern)
      if (const char *N = btf__name_by_offset(B, T->name_off); N && *N)
        Out.insert(N);
  }
  btf__free(B);
  return Out;
}

Result<std::string> moduleBytes(const std::string &Path) {
  if (Path.size() > 3 && Path.compare(Path.size() - 3, 3, ".xz") == 0) {
    auto X = toolchain::runProcess({"xz", "-dc", Path});
    if (!X)
      return X.failure();
    if (!X->ok())
      return Failure::environment("cannot decompress " + Path + ": " + X->err);
    return X->out;
  }
  return toolchain::readWholeFile(Path);
}

namespace {

struct IndexRow {
  std::string path, name;
  std::vector<std::string> depends, functions;
};

std::vector<std::string> split(const std::string &S, char Sep) {
  std::vector<std::string> Out;
  std::string Item;
  std::istringstream In(S);
  while (std::getline(In, Item, Sep))
    if (!Item.empty())
      Out.push_back(Item);
  return Out;
}

/// name=, depends= from .modinfo and the functions the module defines, from its symbol table.
IndexRow scanModule(const std::string &Bytes, const std::string &Path) {
  IndexRow R;
  R.path = Path;
  ElfFile Elf = ElfFile::inMemory(Bytes);
  for (const ElfFile::Section &S : Elf.sections()) {
    if (!S.data)
      continue;
    if (S.name == ".modinfo") {
      const char *P = static_cast<const char *>(S.data->d_buf);
      for (size_t I = 0; I < S.data->d_size;) {
        std::string Field(P + I, strnlen(P + I, S.data->d_size - I));
        I += Field.size() + 1;
        if (Field.rfind("name=", 0) == 0)
          R.name = Field.substr(5);
        else if (Field.rfind("depends=", 0) == 0)
          R.depends = split(Field.substr(8), ',');
      }
    } else if (S.hdr.sh_type == SHT_SYMTAB) {
      Elf.forEachSymbol(S, [&](const GElf_Sym &Sym, std::string_view Name) {
        if (GELF_ST_TYPE(Sym.st_info) == STT_FUNC && Sym.st_shndx != SHN_UNDEF && !Name.empty())
          R.functions.emplace_back(Name);
      });
    }
  }
  if (R.name.empty()) { // older modules carry no name= field: the file name is the module's
    std::string File = fs::path(Path).filename().string();
    R.name = File.substr(0, File.find('.'));
    for (char &C : R.name)
      if (C == '-')
        C = '_';
  }
  return R;
}

Result<std::vector<IndexRow>> moduleIndex(const KernelImage &K) {
  fs::path Cache =
      fs::path(K.modulesDir).parent_path().parent_path().parent_path() / "bpfcarve-modules.tsv";
  std::vector<IndexRow> Rows;
  if (std::ifstream In(Cache); In) {
    for (std::string Line; std::getline(In, Line);) {
      auto Cols = split(Line, '\t');
      if (Cols.size() < 2)
        continue;
      IndexRow R{fs::path(K.modulesDir) / Cols[0], Cols[1], {}, {}};
      if (Cols.size() > 2 && Cols[2] != "-")
        R.depends = split(Cols[2], ',');
      if (Cols.size() > 3)
        R.functions = split(Cols[3], ' ');
      Rows.push_back(std::move(R));
    }
    return Rows;
  }
  std::error_code EC;
  for (fs::recursive_directory_iterator It(K.modulesDir, EC), End; !EC && It != End;
       It.increment(EC)) {
    std::string P = It->path().string();
    if (!It->is_regular_file() || !(P.ends_with(".ko") || P.ends_with(".ko.xz")))
      continue;
    auto Bytes = moduleBytes(P);
    if (!Bytes)
      return Bytes.failure();
    Rows.push_back(scanModule(*Bytes, P));
  }
  std::string Tmp = Cache.string() + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream Out(Tmp);
    for (const IndexRow &R : Rows) {
      std::string Deps, Funcs;
      for (const std::string &D : R.depends)
        Deps += (Deps.empty() ? "" : ",") + D;
      for (const std::string &F : R.functions)
        Funcs += (Funcs.empty() ? "" : " ") + F;
      Out << fs::relative(R.path, K.modulesDir).string() << "\t" << R.name << "\t"
          << (Deps.empty() ? "-" : Deps) << "\t" << Funcs << "\n";
    }
  }
  fs::rename(Tmp, Cache, EC);
  return Rows;
}

} // namespace

Result<std::vector<GuestModule>> modulesFor(const KernelImage &K,
                                            const std::set<std::string> &Symbols) {
  std::vector<GuestModule> Out;
  if (Symbols.empty() || K.modulesDir.empty())
    return Out;
  auto Index = moduleIndex(K);
  if (!Index)
    return Index.failure();
  std::map<std::string, const IndexRow *> ByName;
  for (const IndexRow &R : *Index)
    ByName[R.name] = &R;
  std::map<std::string, std::vector<std::string>> Provides;
  for (const IndexRow &R : *Index)
    for (const std::string &F : R.functions)
      if (Symbols.count(F))
        Provides[R.name].push_back(F);
  std::set<std::string> Done;
  // Depth first, dependencies before the module that needs them.
  auto Visit = [&](auto &&Self, const std::string &Name) -> void {
    if (!Done.insert(Name).second)
      return;
    auto It = ByName.find(Name);
    if (It == ByName.end())
      return;
    for (const std::string &D : It->second->depends)
      Self(Self, D);
    Out.push_back({Name, It->second->path, Provides[Name]});
  };
  for (const auto &[Name, Funcs] : Provides)
    Visit(Visit, Name);
  return Out;
}

} // namespace bpfcarve::verifier
