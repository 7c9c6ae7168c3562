//===- MapState.h - seed maps before a run, read them after ------*- C++ -*-===//
//
// Seed file (diff-run --maps SEED.json), entries per map name:
//   {"maps": {"vip_map": [{"key": "c0000201 5000 06", "value": [1, 0, 0, 0]},
//                         {"key": 7, "value": "0a000001"}]}}
// A key or value is a hex string (spaces ignored), an array of byte values, or an unsigned
// integer written little-endian in the map's key/value size. Per-CPU maps get the value on every
// CPU. Global-data maps are named by their section (".bss", ".data", ".rodata"). Devmaps are
// seeded too (value: the ifindex, 4 bytes, or struct bpf_devmap_val) but not dumped.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "bpfcarve/toolchain/Result.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

struct bpf_object;

namespace bpfcarve::verifier {

struct SeedValue {
  std::vector<std::uint8_t> bytes;
  bool isInteger = false; ///< written as a number: sized to the map's key/value size
  std::uint64_t integer = 0;
};

struct MapSeedEntry {
  SeedValue key, value;
};

struct MapSeed {
  std::string path;
  std::map<std::string, std::vector<MapSeedEntry>> maps;
};

/// Reads a seed file; malformed JSON or entries are BadInput naming the file (line for JSON
/// syntax errors, map and entry index otherwise).
Result<MapSeed> readMapSeed(const std::string &Path);

/// Writes the seed's entries into the loaded object's maps of the same name. Returns the names
/// of the seeded maps. A size mismatch or an unseedable map kind is BadInput.
Result<std::vector<std::string>> applyMapSeed(bpf_object *Obj, const MapSeed &Seed);

struct MapContents {
  std::string name; ///< map name; global-data maps by section (".bss")
  std::string type; ///< libbpf's map type name
  std::size_t valueSize = 0;
  std::map<std::vector<std::uint8_t>, std::vector<std::uint8_t>> entries;
};

/// Every map of the object whose contents can be read (not prog arrays, map-in-maps, ring and
/// perf buffers), keyed by name.
std::map<std::string, MapContents> dumpMaps(bpf_object *Obj);

/// Hex of bytes, e.g. "0a000001".
std::string toHex(const std::vector<std::uint8_t> &Bytes);

} // namespace bpfcarve::verifier
