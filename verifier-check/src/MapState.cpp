//===- MapState.cpp -------------------------------------------------------===//
#include "bpfcarve/verifier/MapState.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

namespace bpfcarve::verifier {

using nlohmann::json;

namespace {

Result<SeedValue> parseSeedValue(const json &J, const std::string &Where) {
  SeedValue V;
  if (J.is_number_unsigned() || (J.is_number_integer() && J.get<long long>() >= 0)) {
    V.isInteger = true;
    V.integer = J.get<std::uint64_t>();
    return V;
  }
  if (J.is_string()) {
    std::string Hex;
    for (char C : J.get<std::string>())
      if (!std::isspace(static_cast<unsigned char>(C)))
        Hex += C;
    if (Hex.starts_with("0x"))
      Hex.erase(0, 2);
    if (Hex.size() % 2)
      return Failure::badInput(Where + ": hex string has an odd number of digits");
    for (size_t I = 0; I < Hex.size(); I += 2) {
      if (!std::isxdigit(static_cast<unsigned char>(Hex[I])) ||
          !std::isxdigit(static_cast<unsigned char>(Hex[I + 1])))
        return Failure::badInput(Where + ": '" + Hex.substr(I, 2) + "' is not a hex byte");
      V.bytes.push_back(static_cast<std::uint8_t>(std::stoul(Hex.substr(I, 2), nullptr, 16)));
    }
    return V;
  }
  if (J.is_array()) {
    for (const json &B : J) {
      if (!B.is_number_integer() || B.get<long long>() < 0 || B.get<long long>() > 255)
        return Failure::badInput(Where + ": array elements must be bytes (0..255)");
      V.bytes.push_back(static_cast<std::uint8_t>(B.get<int>()));
    }
    return V;
  }
  return Failure::badInput(Where + ": expected a hex string, an array of bytes or an unsigned "
                                   "integer");
}

std::string mapKey(const bpf_map *M) {
  // libbpf names global-data maps "<object prefix>.bss": compare them by section.
  std::string Name = bpf_map__name(M);
  size_t Dot = Name.find('.');
  if (bpf_map__is_internal(M) && Dot != std::string::npos)
    return Name.substr(Dot);
  return Name;
}

bool isPerCpu(bpf_map_type T) {
  return T == BPF_MAP_TYPE_PERCPU_ARRAY || T == BPF_MAP_TYPE_PERCPU_HASH ||
         T == BPF_MAP_TYPE_LRU_PERCPU_HASH || T == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE;
}

bool hasReadableValues(bpf_map_type T) {
  switch (T) {
  case BPF_MAP_TYPE_PROG_ARRAY:
  case BPF_MAP_TYPE_ARRAY_OF_MAPS:
  case BPF_MAP_TYPE_HASH_OF_MAPS:
  case BPF_MAP_TYPE_RINGBUF:
  case BPF_MAP_TYPE_USER_RINGBUF:
  case BPF_MAP_TYPE_PERF_EVENT_ARRAY:
  case BPF_MAP_TYPE_STACK_TRACE:
  case BPF_MAP_TYPE_DEVMAP:
  case BPF_MAP_TYPE_DEVMAP_HASH:
  case BPF_MAP_TYPE_CPUMAP:
  case BPF_MAP_TYPE_XSKMAP:
  case BPF_MAP_TYPE_SOCKMAP:
  case BPF_MAP_TYPE_SOCKHASH:
  case BPF_MAP_TYPE_QUEUE:
  case BPF_MAP_TYPE_STACK:
  case BPF_MAP_TYPE_BLOOM_FILTER:
  case BPF_MAP_TYPE_SK_STORAGE:
  case BPF_MAP_TYPE_INODE_STORAGE:
  case BPF_MAP_TYPE_TASK_STORAGE:
  case BPF_MAP_TYPE_STRUCT_OPS:
    return false;
  default:
    return true;
  }
}

std::vector<std::uint8_t> sized(const SeedValue &V, size_t Size) {
  if (!V.isInteger)
    return V.bytes;
  std::vector<std::uint8_t> B(Size, 0);
  for (size_t I = 0; I < Size && I < 8; ++I)
    B[I] = static_cast<std::uint8_t>(V.integer >> (8 * I));
  return B;
}

} // namespace

std::string toHex(const std::vector<std::uint8_t> &Bytes) {
  static const char *Digits = "0123456789abcdef";
  std::string S;
  for (std::uint8_t B : Bytes) {
    S += Digits[B >> 4];
    S += Digits[B & 15];
  }
  return S;
}

Result<MapSeed> readMapSeed(const std::string &Path) {
  std::ifstream In(Path);
  if (!In)
    return Failure::badInput("cannot read map seed '" + Path + "'");
  std::stringstream SS;
  SS << In.rdbuf();
  std::string Text = SS.str();
  json J;
  try {
    J = json::parse(Text);
  } catch (const json::parse_error &E) {
    // Turn the byte offset into a line for the first-line format.
    size_t Off = std::min<size_t>(E.byte ? E.byte - 1 : 0, Text.size());
    unsigned Line = 1 + static_cast<unsigned>(std::count(
                            Text.begin(), Text.begin() + static_cast<std::ptrdiff_t>(Off), '\n'));
    std::string Msg = E.what();
    size_t Colon = Msg.find("]: ");
    return Failure::badInput("malformed map seed: " +
                                 (Colon == std::string::npos ? Msg : Msg.substr(Colon + 3)),
                             Path, Line, 1);
  }
  if (!J.is_object() || !J.contains("maps") || !J["maps"].is_object())
    return Failure::badInput("map seed '" + Path + "' must be an object with a \"maps\" object");
  MapSeed Seed;
  Seed.path = Path;
  for (const auto &[Name, Entries] : J["maps"].items()) {
    if (!Entries.is_array())
      return Failure::badInput("map seed '" + Path + "': maps." + Name + " must be an array");
    size_t I = 0;
    for (const json &E : Entries) {
      std::string Where = "map seed '" + Path + "': maps." + Name + "[" + std::to_string(I++) + "]";
      if (!E.is_object() || !E.contains("key") || !E.contains("value"))
        return Failure::badInput(Where + R"( needs "key" and "value")");
      auto K = parseSeedValue(E["key"], Where + ".key");
      if (!K)
        return K.failure();
      auto V = parseSeedValue(E["value"], Where + ".value");
      if (!V)
        return V.failure();
      Seed.maps[Name].push_back({*K, *V});
    }
  }
  return Seed;
}

Result<std::vector<std::string>> applyMapSeed(bpf_object *Obj, const MapSeed &Seed) {
  std::vector<std::string> Seeded;
  for (const auto &[Name, Entries] : Seed.maps) {
    bpf_map *Target = nullptr, *M;
    bpf_object__for_each_map(M, Obj) if (mapKey(M) == Name) Target = M;
    if (!Target)
      continue; // the caller checks that every seeded map exists somewhere
    bpf_map_type T = bpf_map__type(Target);
    // A devmap takes its entries from user space (an ifindex, optionally a program fd): a program
    // redirecting through it, and its retarget's generated key -> ifindex map, need them seeded.
    bool Devmap = T == BPF_MAP_TYPE_DEVMAP || T == BPF_MAP_TYPE_DEVMAP_HASH;
    if (!hasReadableValues(T) && !Devmap)
      return Failure::badInput("map seed '" + Seed.path + "': map '" + Name + "' (" +
                               libbpf_bpf_map_type_str(T) + ") cannot be seeded");
    size_t KeySize = bpf_map__key_size(Target), ValueSize = bpf_map__value_size(Target);
    int Cpus = libbpf_num_possible_cpus();
    size_t Stride = (ValueSize + 7) / 8 * 8;
    size_t I = 0;
    for (const MapSeedEntry &E : Entries) {
      std::string Where =
          "map seed '" + Seed.path + "': maps." + Name + "[" + std::to_string(I++) + "]";
      std::vector<std::uint8_t> Key = sized(E.key, KeySize), Value = sized(E.value, ValueSize);
      if (Key.size() != KeySize)
        return Failure::badInput(Where + ".key has " + std::to_string(Key.size()) +
                                 " bytes; the map's key is " + std::to_string(KeySize));
      if (Value.size() != ValueSize)
        return Failure::badInput(Where + ".value has " + std::to_string(Value.size()) +
                                 " bytes; the map's value is " + std::to_string(ValueSize));
      std::vector<std::uint8_t> Buf = Value;
      if (isPerCpu(T)) {
        Buf.assign(Stride * static_cast<size_t>(Cpus), 0);
        for (int C = 0; C < Cpus; ++C)
          std::copy(Value.begin(), Value.end(), Buf.begin() + static_cast<long>(Stride * C));
      }
      if (bpf_map_update_elem(bpf_map__fd(Target), Key.data(), Buf.data(), BPF_ANY) != 0)
        return Failure::badInput(Where + ": the kernel refused the entry: " + std::strerror(errno));
    }
    Seeded.push_back(Name);
  }
  return Seeded;
}

std::map<std::string, MapContents> dumpMaps(bpf_object *Obj) {
  std::map<std::string, MapContents> Out;
  bpf_map *M;
  int Cpus = libbpf_num_possible_cpus();
  bpf_object__for_each_map(M, Obj) {
    bpf_map_type T = bpf_map__type(M);
    int Fd = bpf_map__fd(M);
    if (Fd < 0 || !hasReadableValues(T))
      continue;
    MapContents C;
    C.name = mapKey(M);
    const char *TN = libbpf_bpf_map_type_str(T);
    C.type = TN ? TN : std::to_string(T);
    size_t KeySize = bpf_map__key_size(M), ValueSize = bpf_map__value_size(M);
    C.valueSize = ValueSize;
    size_t Stride = (ValueSize + 7) / 8 * 8;
    size_t ValueBytes = isPerCpu(T) ? Stride * static_cast<size_t>(Cpus) : ValueSize;
    std::vector<std::uint8_t> Key(KeySize), Next(KeySize), Value(ValueBytes);
    void *Prev = nullptr;
    // Bounded: a map that changes under us must not loop forever.
    for (unsigned N = 0; N < (1u << 20); ++N) {
      if (bpf_map_get_next_key(Fd, Prev, Next.data()) != 0)
        break;
      if (bpf_map_lookup_elem(Fd, Next.data(), Value.data()) == 0)
        C.entries[Next] = Value;
      Key = Next;
      Prev = Key.data();
    }
    Out[C.name] = std::move(C);
  }
  return Out;
}

} // namespace bpfcarve::verifier
