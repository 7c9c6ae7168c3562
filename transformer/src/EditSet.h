//===- EditSet.h - text edits on the input, and the model they shift -*- C++ -*-===//
#pragma once

#include "bpfcarve/extractor/ProgramModel.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace bpfcarve::transformer {

/// Replace [begin, end) of `file` (a display path of the model) with `text`; begin == end
/// inserts.
struct Edit {
  std::string file;
  unsigned begin = 0, end = 0;
  std::string text;
};

class EditSet {
public:
  /// Adds an edit; an identical one (a token spelled in a macro body reached from two uses)
  /// is added once.
  void add(Edit E) {
    auto &V = ByFile[E.file];
    for (const Edit &X : V)
      if (X.begin == E.begin && X.end == E.end && X.text == E.text)
        return;
    V.push_back(std::move(E));
  }
  bool empty() const { return ByFile.empty(); }
  /// The text of every edit, in file order.
  std::vector<std::string> texts() const {
    std::vector<std::string> Out;
    for (const auto &[File, Es] : ByFile)
      for (const Edit &E : Es)
        Out.push_back(E.text);
    return Out;
  }
  /// A description of two edits that overlap (they cannot both apply), if any.
  std::optional<std::string> conflict() const;
  /// A copy of M whose file texts carry the edits and whose spans (declarations, includes,
  /// conditionals) are moved accordingly: a span keeps the insertions at its edges.
  extractor::ProgramModel applyTo(const extractor::ProgramModel &M) const;

private:
  static unsigned mapBegin(const std::vector<Edit> &Es, unsigned X);
  static unsigned mapEnd(const std::vector<Edit> &Es, unsigned X);
  std::map<std::string, std::vector<Edit>> ByFile;
};

} // namespace bpfcarve::transformer
