//===- Modernize.h - legacy map definitions as BTF-defined maps --*- C++ -*-===//
//
// Older BPF C defines maps as initialised structs in SEC("maps"): libbpf's old
// `struct bpf_map_def` or iproute2's `struct bpf_elf_map`. libbpf 1.0 refuses such objects
// ("legacy map definitions in 'maps' section are not supported"), so they neither verify nor
// carve into anything loadable. `--modernize-maps` rewrites each one, before anything else
// reads the file, as the BTF-defined map libbpf expects (docs/modernize-maps.md):
//
//   struct bpf_elf_map __section_maps map_sh = {        struct {
//       .type = BPF_MAP_TYPE_ARRAY,                         __uint(type, BPF_MAP_TYPE_ARRAY);
//       .size_key = sizeof(uint32_t),           ->          __uint(key_size, 4);
//       .size_value = sizeof(uint32_t),                     __uint(value_size, 4);
//       .pinning = PIN_GLOBAL_NS,                           __uint(max_entries, 1);
//       .max_elem = 1,                                      __uint(pinning, 1);
//   };                                                  } map_sh SEC(".maps");
//
//===----------------------------------------------------------------------===//
#pragma once

#include "bpfcarve/extractor/Frontend.h"
#include "bpfcarve/toolchain/Result.h"

#include <string>
#include <vector>

namespace bpfcarve::transformer {

struct ModernizedInput {
  /// Input with the rewritten text of its main file as `contents` (same path, so its includes
  /// resolve as before).
  extractor::ParseOptions input;
  std::vector<std::string> maps; ///< the maps rewritten, in file order
};

/// Rewrites every legacy map definition of Input's main file. A legacy map it cannot rewrite
/// (defined in a header, a map-in-map, a prog array filled by iproute2's "ID/KEY" sections) is
/// bad input naming the map and the construct. No legacy map: Input unchanged, no maps.
Result<ModernizedInput> modernizeMaps(const extractor::ParseOptions &Input);

} // namespace bpfcarve::transformer
