//===- Emitter.h - a Slice as one self-contained C file -----------*- C++ -*-===//
//
// Prints the original text of every kept declaration, in translation-unit order, with its
// attached comment; the #include lines that provide what system, libbpf and vmlinux.h headers
// declare; the #if/#else/#endif lines around kept declarations; one provenance comment per run
// of declarations that were adjacent in the input (`/* from balancer.c:120 */`). Provenance
// comments already in the input are carried over, not stacked, so extraction is idempotent.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "bpfcarve/extractor/ProgramModel.h"
#include "bpfcarve/extractor/Slice.h"

#include <string>
#include <vector>

namespace bpfcarve::extractor {

struct EmitOptions {
  /// Keep `#include "local.h"` for the project's own headers instead of copying what is needed
  /// from them.
  bool keepLocalIncludes = false;
  /// Generated lines to put first: the declarations and macros a retargeting writes. They name
  /// only what the translation unit declares nowhere (Declarations.h), so no include after
  /// them declares it again.
  std::vector<std::string> extraIncludes;
  /// The absolute directory the output is written to (and compiled from); empty: the input's.
  /// A kept `#include "..."` that was found beside the file including it is respelt relative
  /// to this directory when that file stands elsewhere, so the output compiles there with the
  /// input's own flags.
  std::string outputDir;
};

std::string emitSlice(const ProgramModel &M, const Slice &S, const EmitOptions &O);

/// The manifest: the selection, every kept entity with its id, kind, origin file:line and every
/// edge that pulled it in, and the warnings (docs/schemas/extract-manifest.schema.json).
std::string sliceManifestJson(const ProgramModel &M, const Slice &S, const std::string &Output);

} // namespace bpfcarve::extractor
