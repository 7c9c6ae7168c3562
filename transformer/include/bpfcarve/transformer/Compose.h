//===- Compose.h - carved parts chained into one program -------------*- C++ -*-===//
//
// compose (docs/compose.md): each part is carved from its file (extract, then retargeted to the
// recipe's hook), its entry program becomes a `static __noinline` function, and a new entry
// program calls them in order while each returns its hook's "continue" verdict. The parts'
// texts are merged into one file: what two parts define identically is emitted once, what they
// define differently under one name is renamed in the later part (every token the AST and the
// preprocessor say spells it), maps stay per part unless shared, and knobs, pinned maps and
// licences are merged or refused by name.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "bpfcarve/extractor/Extract.h"
#include "bpfcarve/verifier/DiffRun.h"
#include "bpfcarve/verifier/Loader.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace bpfcarve::transformer {

/// Where a recipe says something (for errors at the YAML's file:line).
struct RecipeLocation {
  std::string file;
  unsigned line = 0, column = 0;
};

struct ComposePart {
  std::string name; ///< names the part's renamed entities: `<name>_<entity>`
  extractor::ParseOptions input;
  extractor::Selection selection;
  std::string type; ///< the program's hook when libbpf does not know its section
  RecipeLocation at;
};

struct ComposeOptions {
  std::string name; ///< the composed entry program
  std::string hook; ///< its hook (CLI hook name)
  std::string direction = "ingress";
  bool allowApprox = false;
  std::vector<ComposePart> parts;
  std::vector<std::string> share; ///< maps the parts share (one definition)
  std::string output;
  std::string packets = "gen:all"; ///< frames of the chain's differential run; empty: none
  /// Map seed of the chain's differential run (names as the composed program has them); empty:
  /// the maps start empty.
  std::string seed;
  RecipeLocation at; ///< the recipe itself
  /// The model of a part's input when the caller keeps them (ci: one parse per input and flag
  /// set across all its jobs); empty: each part's input is parsed here.
  std::function<Result<const extractor::ProgramModel *>(const extractor::ParseOptions &)> models;
};

struct ComposedPart {
  std::string name, file, selection;
  std::string fromHook;  ///< the part's own hook
  bool retargeted = false;
  std::string entry;     ///< the function the composed entry calls
};

struct Renaming {
  std::string part, space, from, to;
};

struct ComposeResult {
  std::string text;
  std::vector<ComposedPart> parts;
  std::vector<Renaming> renamed;
  std::vector<std::string> merged; ///< names defined by several parts and emitted once
  std::string license;
  std::vector<std::string> flags; ///< the output's compile flags
  verifier::ObjectReport verify;
  /// The composed program against the chain of the original parts (verifier::diffRunChain).
  std::optional<verifier::DiffRunReport> diffRun;
  std::string diffRunSkipped; ///< why it did not run
  int exitCode = 0;
};

/// The strictest of the parts' licence strings, or BadInput naming the two that cannot be
/// combined.
Result<std::string> combinedLicense(const std::vector<std::pair<std::string, std::string>> &Parts);

/// Carves, merges, writes O.output atomically and verifies it. A part that cannot be carved or
/// retargeted fails with its own failure, prefixed by the part; a clash compose refuses is
/// BadInput at the recipe's location; nothing is written then.
Result<ComposeResult> compose(const ComposeOptions &O);

} // namespace bpfcarve::transformer
