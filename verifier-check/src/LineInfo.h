//===- LineInfo.h - source lines of instructions, from .BTF.ext -*- C++ -*-===//
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace bpfcarve::verifier {

struct SourceLine {
  std::string file;
  unsigned line = 0;
  std::string text; ///< the source line as BTF keeps it
};

/// The source line of the first call to Symbol (an extern such as a kfunc) in the object at
/// Path: its relocations name the call instructions, .BTF.ext's line info their lines. "First"
/// is the lowest line of the file holding the earliest call. nullopt when the object has no such
/// relocation or no line info.
std::optional<SourceLine> firstCallTo(const std::string &Path, const std::string &Symbol);

/// Every distinct (file, line) of the object's line info whose source text is Text (as the
/// verifier prints it, leading and trailing blanks aside).
std::vector<SourceLine> linesWithText(const std::string &Path, const std::string &Text);

} // namespace bpfcarve::verifier
