//===- Slice.h - selection and its exact dependency closure ------*- C++ -*-===//
//
// A Selection names what the user wants (functions, programs, a source range, a map); the Slice
// is everything it needs: the closure over the ProgramModel's reference graph, each kept entity
// with every edge that pulled it in. Analysis only; Emitter.h prints a Slice.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "bpfcarve/extractor/ProgramModel.h"
#include "bpfcarve/toolchain/Result.h"

#include <set>
#include <string>
#include <vector>

namespace bpfcarve::extractor {

struct Selection {
  enum class Kind { Functions, Programs, Lines, Map };
  Kind kind = Kind::Functions;
  std::vector<std::string> names; ///< functions, programs (name or unique section), or one map
  std::string file;               ///< --lines FILE:A-B
  unsigned first = 0, last = 0;
  /// The selected functions' pointee records are needed complete (the harness declares values
  /// of them), not just pointed to.
  bool completeParams = false;
  /// Entities and includes that declare names generated code writes (Declarations.h): kept
  /// with the reason "generated".
  std::vector<std::string> generated;
  std::string describe() const;   ///< as the user wrote it: "--program balancer_ingress"
};

struct KeptEntity {
  std::string id;
  std::string kind; ///< id prefix: function, map, struct, macro, include, ...
  Origin origin = Origin::Main;
  /// Every edge that pulled this entity in: (edge kind, from id); ("selected", "") for seeds.
  std::vector<std::pair<std::string, std::string>> why;
};

struct Slice {
  Selection selection;
  std::vector<std::string> seeds;
  std::vector<KeptEntity> kept; ///< in discovery order, seeds first
  std::set<std::string> keptIds;
  /// Kept records that kept code only points to: emitted as `struct foo;`, their own
  /// dependencies not followed.
  std::set<std::string> declarationOnly;
  std::vector<std::string> warnings;
  bool has(const std::string &Id) const { return keptIds.count(Id) != 0; }
};

/// Resolves the selection (unknown or ambiguous names are BadInput) and computes the closure.
Result<Slice> computeSlice(const ProgramModel &M, const Selection &S);

} // namespace bpfcarve::extractor
