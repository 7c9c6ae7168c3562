//===- Names.h - where the file-scope names of a file are spelled ----*- C++ -*-===//
//
// compose renames an entity of one part when another part defines the same name differently
// (docs/compose.md): every token of the part's own file that spells the entity -- its
// declarations, every reference in code, and references inside the file's own #define bodies
// -- is found here from the AST and the preprocessor, never by matching text.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "bpfcarve/extractor/Frontend.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace bpfcarve::extractor {

/// C's name spaces as far as renaming goes: struct/union/enum tags, ordinary identifiers
/// (functions, variables, typedefs, enumerators) and macros.
enum class NameSpace { Tag, Ordinary, Macro };
const char *nameSpaceName(NameSpace S);

struct SpelledName {
  NameSpace space = NameSpace::Ordinary;
  std::string name;
  /// Declared (or #defined) in the main file: a name the file itself owns.
  bool declaredHere = false;
  /// Every token of the main file spelling this entity, sorted by offset, without repeats.
  std::vector<SourceSpan> tokens;
};

/// The names declared at file scope in O's main file, with where each is spelled there. A
/// name is also listed when the main file only refers to it (declaredHere false: from a header).
/// Parses as buildProgramModel does; the first error fails with BadInput.
Result<std::map<std::pair<NameSpace, std::string>, SpelledName>>
spelledNames(const ParseOptions &O);

} // namespace bpfcarve::extractor
