//===- Declarations.h - names that generated code introduces -----*- C++ -*-===//
//
// The harness and the retargeting rewrites write names the selection may not declare: a ctx
// struct, `__u32`, `SEC`, `__uint`, `BPF_MAP_TYPE_ARRAY`, `TC_ACT_OK`, `bpf_map_lookup_elem`,
// `bpf_skb_pull_data`. Each such name is a Need. Needs are resolved against the model the way a
// selection is: the model builder records where the translation unit declares each name of the
// catalogue below (ProgramModel::provided), the input's own declaration is kept by the slice's
// closure (a project entity, or the #include of the system header that declares it), and only a
// name the input does not declare at all gets bpfcarve's declaration, guarded by
// `BPFCARVE_DECL_<name>` so that two carved parts in one file declare it once.
//
// Appending `#include <linux/bpf.h>` instead breaks code that brings its own UAPI copy or
// helper header: under -nostdinc the header is not found, beside a vendored copy it redefines
// `struct __sk_buff` and `enum xdp_action`, and behind a matching include guard it is a no-op.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "bpfcarve/extractor/ProgramModel.h"

#include <string>
#include <string_view>
#include <vector>

namespace bpfcarve::extractor {

/// A name generated code uses. Kinds: "struct" (a complete record), "typedef", "macro",
/// "constant" (an enumerator or an object-like macro), "helper" (a BPF helper by its libbpf
/// name, the pointer libbpf's bpf_helper_defs.h declares).
struct Need {
  std::string kind, name;
  bool operator==(const Need &O) const { return kind == O.kind && name == O.name; }
};

/// One entry of the catalogue of names generated code may use, with bpfcarve's own
/// declaration for an input that has none.
struct GeneratedDeclaration {
  std::string_view kind, name;
  /// A constant's value; a helper's id (BPF_FUNC_*).
  long long value = 0;
  /// The declaration (empty for constants: `#define NAME value`).
  std::string_view text;
  /// An enumerator's enum in the UAPI headers (`bpf_map_type`), where the model builder looks
  /// for it when a name lookup does not find it (a precompiled preamble's lookup table of a C
  /// translation unit does not list enumerators); empty for macros.
  std::string_view enumName = {};
};

/// Every name the harness and the retargeting rules may write.
const std::vector<GeneratedDeclaration> &generatedDeclarations();
const GeneratedDeclaration *findGeneratedDeclaration(std::string_view Kind, std::string_view Name);
/// The key of ProgramModel::provided: "kind:name".
std::string provisionKey(std::string_view Kind, std::string_view Name);

/// The names of the catalogue that a piece of generated C text writes: its identifiers outside
/// comments and string literals, not after `.` or `->`. Every text bpfcarve inserts passes
/// through here, so no rewrite can write a name without its declaration.
std::vector<Need> needsOfText(std::string_view Text);

/// How a set of needs is met in one output.
struct Provisions {
  /// Model entities and includes that declare needed names: the slice's closure keeps them.
  std::vector<std::string> keep;
  /// bpfcarve's declarations of the needed names the input does not declare, each guarded.
  std::string declarations;
  /// The names those declarations declare, in need order.
  std::vector<std::string> declared;
  /// A needed name the input declares as something else (`bpf_redirect` as a function of its
  /// own): the generated code would use the wrong thing, so the caller refuses.
  struct Conflict {
    std::string name;
    std::string what;   ///< "a function of the file's own, not the helper"
    std::string entity; ///< the input's declaration, when it is a project entity
  };
  std::vector<Conflict> conflicts;
};

/// Resolves Needs (duplicates allowed) against M. A need outside the catalogue is an error of
/// bpfcarve: Internal.
Result<Provisions> provide(const ProgramModel &M, const std::vector<Need> &Needs);

} // namespace bpfcarve::extractor
