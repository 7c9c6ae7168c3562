//===- Globals.cpp - write values of global variables before a load -------===//
//
// `ci`'s `set:` (veristat -G's idea): a `const volatile` knob lives in the object's .rodata (a
// plain global in .data or .bss), and libbpf creates that map from an initial image it holds
// between open and load. The variable's place in the image comes from the object's BTF: its
// DATASEC lists every variable with offset and size. Only integers, enums and bools are written
// (what a configuration knob is); anything else is refused by name.
//
//===----------------------------------------------------------------------===//
#include "Globals.h"

#include "bpfcarve/toolchain/Names.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace bpfcarve::verifier {

namespace {

/// A global variable: the internal map holding it, and its place and type there.
struct GlobalVar {
  bpf_map *map = nullptr;
  std::uint32_t offset = 0, size = 0;
  std::uint32_t type = 0; ///< resolved BTF type id (INT, ENUM or ENUM64 to be writable)
};

/// The internal map (.rodata, .data, .bss, .rodata.NAME) libbpf made of the DATASEC Section:
/// libbpf names it "<object prefix>.rodata" for the standard ones and by the section otherwise.
bpf_map *mapOfSection(bpf_object *Obj, const std::string &Section) {
  bpf_map *M;
  bpf_object__for_each_map(M, Obj) {
    if (!bpf_map__is_internal(M))
      continue;
    std::string Name = bpf_map__name(M);
    if (Name == Section ||
        (Name.size() > Section.size() &&
         Name.compare(Name.size() - Section.size(), Section.size(), Section) == 0))
      return M;
  }
  return nullptr;
}

/// Every global the object's BTF places in an internal map, by name.
std::vector<std::pair<std::string, GlobalVar>> globalsOf(bpf_object *Obj) {
  std::vector<std::pair<std::string, GlobalVar>> Out;
  const btf *B = bpf_object__btf(Obj);
  if (!B)
    return Out;
  const std::uint32_t N = btf__type_cnt(B);
  for (std::uint32_t Id = 1; Id < N; ++Id) {
    const btf_type *T = btf__type_by_id(B, Id);
    if (!btf_is_datasec(T))
      continue;
    bpf_map *M = mapOfSection(Obj, btf__name_by_offset(B, T->name_off));
    if (!M)
      continue;
    const btf_var_secinfo *V = btf_var_secinfos(T);
    for (std::uint16_t I = 0; I < btf_vlen(T); ++I, ++V) {
      const btf_type *Var = btf__type_by_id(B, V->type);
      if (!Var || !btf_is_var(Var))
        continue;
      int Resolved = btf__resolve_type(B, Var->type);
      Out.push_back(
          {btf__name_by_offset(B, Var->name_off),
           {M, V->offset, V->size, Resolved < 0 ? 0u : static_cast<std::uint32_t>(Resolved)}});
    }
  }
  return Out;
}

/// Value as an integer of Size bytes: decimal, 0x hex, negative, true/false, or the name of one
/// of the enum's constants.
Result<std::uint64_t> integerValue(const btf *B, const btf_type *T, const std::string &Name,
                                   const std::string &Value) {
  if (btf_is_enum(T) || btf_is_enum64(T)) {
    for (std::uint16_t I = 0; I < btf_vlen(T); ++I) {
      if (btf_is_enum(T) && Value == btf__name_by_offset(B, btf_enum(T)[I].name_off))
        return static_cast<std::uint64_t>(static_cast<std::int64_t>(btf_enum(T)[I].val));
      if (btf_is_enum64(T) && Value == btf__name_by_offset(B, btf_enum64(T)[I].name_off))
        return btf_enum64_value(btf_enum64(T) + I);
    }
  }
  if (Value == "true")
    return 1;
  if (Value == "false")
    return 0;
  errno = 0;
  char *End = nullptr;
  const bool Negative = !Value.empty() && Value[0] == '-';
  std::uint64_t U = 0;
  if (Negative) {
    long long S = std::strtoll(Value.c_str(), &End, 0);
    U = static_cast<std::uint64_t>(S);
  } else {
    U = std::strtoull(Value.c_str(), &End, 0);
  }
  if (Value.empty() || errno != 0 || *End != '\0')
    return Failure::badInput("value '" + Value + "' for '" + Name +
                             "' is not an integer, true/false or one of its enum's constants");
  const std::uint32_t Size = T->size;
  if (Size < 8) {
    const std::uint64_t Bits = 8ull * Size;
    const bool Fits = Negative ? static_cast<std::int64_t>(U) >= -(std::int64_t(1) << (Bits - 1))
                               : U <= (std::uint64_t(1) << Bits) - 1;
    if (!Fits)
      return Failure::badInput("value '" + Value + "' does not fit '" + Name + "' (" +
                               std::to_string(Size) + " bytes)");
  }
  return U;
}

} // namespace

Result<bool> setGlobals(bpf_object *Obj, const GlobalValues &Values, const std::string &Where) {
  if (Values.empty())
    return true;
  auto Globals = globalsOf(Obj);
  const btf *B = bpf_object__btf(Obj);
  for (const auto &[Name, Value] : Values) {
    const GlobalVar *G = nullptr;
    std::vector<std::string> Known;
    for (const auto &[N, V] : Globals) {
      Known.push_back(N);
      if (N == Name)
        G = &V;
    }
    if (!G)
      return toolchain::unknownName("no global variable", Name, Known,
                                    "a const volatile knob or global of '" + Where + "'");
    const btf_type *T = G->type ? btf__type_by_id(B, G->type) : nullptr;
    if (!T || !(btf_is_int(T) || btf_is_enum(T) || btf_is_enum64(T)) || T->size != G->size ||
        G->size > 8)
      return Failure::badInput("global '" + Name + "' of '" + Where +
                               "' is not an integer, enum or bool: set: writes only those");
    auto V = integerValue(B, T, Name, Value);
    if (!V)
      return V.failure();
    size_t Size = 0;
    const void *Image = bpf_map__initial_value(G->map, &Size);
    if (!Image || G->offset + G->size > Size)
      return Failure::internal("global '" + Name + "': its section's image is missing");
    std::string Copy(static_cast<const char *>(Image), Size);
    // BPF objects here are little-endian (bpfel, the host's order): the low bytes first.
    for (std::uint32_t I = 0; I < G->size; ++I)
      Copy[G->offset + I] = static_cast<char>((*V >> (8 * I)) & 0xff);
    if (bpf_map__set_initial_value(G->map, Copy.data(), Copy.size()) != 0)
      return Failure::internal("global '" + Name + "': libbpf refused its new value");
  }
  return true;
}

} // namespace bpfcarve::verifier
