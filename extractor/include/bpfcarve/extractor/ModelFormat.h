//===- ModelFormat.h - the ProgramModel for people and machines -*- C++ -*-===//
#pragma once

#include "bpfcarve/extractor/ProgramModel.h"

#include <string>
#include <vector>

namespace bpfcarve::extractor {

/// What one program reaches through calls, callbacks and function pointers.
struct ProgramSummary {
  std::vector<std::string> functions; ///< function ids, entry first
  std::vector<std::string> maps;      ///< map ids
  std::vector<std::string> helpers;   ///< helper and kfunc names
  std::vector<std::string> ctxFields; ///< record.field (r|w|rw)
  unsigned lines = 0;                 ///< source lines of the functions reached
};
ProgramSummary summarize(const ProgramModel &M, const Program &P);

/// The whole model as JSON (docs/schemas/inspect.schema.json).
std::string toJson(const ProgramModel &M, int Indent = 2);
/// The reference graph for Graphviz, one shape and colour per entity kind.
std::string toDot(const ProgramModel &M);
/// A readable summary per program.
std::string toText(const ProgramModel &M);

} // namespace bpfcarve::extractor
