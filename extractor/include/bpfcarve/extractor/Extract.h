//===- Extract.h - parse, slice, emit, self-check -----------------*- C++ -*-===//
#pragma once

#include "bpfcarve/extractor/Emitter.h"
#include "bpfcarve/extractor/Frontend.h"
#include "bpfcarve/extractor/Harness.h"
#include "bpfcarve/extractor/Slice.h"

#include <optional>
#include <string>
#include <vector>

namespace bpfcarve::extractor {

struct ExtractResult {
  std::string text;     ///< the emitted C file
  std::string manifest; ///< JSON
  std::vector<std::string> warnings;
  /// The program the text is verified by: the generated harness (`bpfcarve_harness`) or the
  /// selected program, by name; empty when every program the text holds is one (a selection of
  /// functions or lines that holds its own entry).
  std::string entryProgram;
  ProgramModel model;   ///< of the input
  Slice slice;
  ParseReport check;    ///< what the self-check did about a preamble
};

/// The whole extract pipeline. The emitted text is parsed again with the input's flags, as if it
/// stood where it is written (OutputName's directory, else next to the input), before it is
/// returned: a failure there is an Internal failure whose
/// message names a kept temporary directory holding the output.
/// Parses Text again with Input's flags, as if it stood in Dir (empty: next to the input), where
/// it is written and where its "..." includes resolve. A failure is Internal: `What` names the
/// output in the message, which also names a kept temporary directory holding Text. The headers of
/// Text's leading #include lines come from a cached precompiled preamble when one is valid
/// (parseOnly); Report, when given, tells whether it was used.
Result<bool> selfCheck(const ProgramModel &Model, const ParseOptions &Input,
                       const std::string &Text, const std::string &What,
                       const std::string &FileName, const std::string &Dir = {},
                       ParseReport *Report = nullptr);

struct ExtractOptions {
  EmitOptions emit;
  /// Append a generated entry program for this hook that calls the selected functions.
  std::optional<HarnessHook> harness;
  /// Parse the output again (false: benchmarks measure what that costs).
  bool selfCheck = true;
  /// Write the manifest JSON into the result (false: the caller writes none).
  bool manifest = true;
};

Result<ExtractResult> extract(const ParseOptions &Input, const Selection &S,
                              const ExtractOptions &E, const std::string &OutputName);

/// extract() on the model of Input built already (`extract --each`: one parse, many slices).
/// The text is the same as extract()'s; the result's `model` is left empty.
Result<ExtractResult> extractFromModel(const ProgramModel &Model, const ParseOptions &Input,
                                       const Selection &S, const ExtractOptions &E,
                                       const std::string &OutputName);

/// Text with the input's line endings: when every line of the input ends in CRLF, the lines
/// bpfcarve adds (provenance comments, separators, a harness, rewrites) end in CRLF too, so the
/// output is not a mix. Text kept from the input is unchanged either way.
std::string withInputLineEndings(std::string Text, const ParseOptions &Input);

} // namespace bpfcarve::extractor
