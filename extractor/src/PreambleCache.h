//===- PreambleCache.h - the headers of a self-check, parsed once ---*- C++ -*-===//
//
// The self-check parses an emitted file whose first lines are the input's kept #include lines;
// parsing those headers is most of its cost. This keeps clang's precompiled preamble (the PCH
// clangd builds for the same purpose) of exactly those lines on disk, keyed by clang's version,
// the whole cc1 command line and the lines' bytes, and records every file the headers read with
// its size and modification time. A cached entry is used only when its key matches, its
// content hash matches and no header changed; anything else rebuilds it. The cache is never
// needed for a correct answer: parseOnly falls back to the full parse whenever the preamble
// cannot be had, and re-runs the full parse whenever a parse with it reports an error, so errors
// and their messages are always the full parse's.
#pragma once

#include "clang/Tooling/Tooling.h"
#include "llvm/ADT/StringRef.h"

#include <string>

namespace bpfcarve::extractor {

enum class PreambleUse;

namespace preamble {

/// The leading lines of Text that are each one plain `#include <...>` or `#include "..."`
/// directive (blanks around it allowed, nothing else on the line, ending in '\n'): the part of
/// an emitted file a preamble can stand for. Empty when the file does not start so.
llvm::StringRef leadingIncludeLines(llvm::StringRef Text);

/// The directory holding cached preambles (toolchain::cacheDir()/preamble), or empty when the
/// cache is switched off: BPFCARVE_PREAMBLE_CACHE=0|off|no.
std::string cacheDirectory();

/// Parses the invocation's main file with a preamble of its leading #include lines, from the
/// cache or built now (and then stored), with the action Factory creates. True when that parse
/// completed without an error; false when no preamble could be had or the parse reported an
/// error, and the caller must parse the whole file the ordinary way. Use tells what happened.
bool runWithPreamble(clang::tooling::FrontendActionFactory &Factory,
                     const std::shared_ptr<clang::CompilerInvocation> &Invocation,
                     clang::FileManager *Files,
                     const std::shared_ptr<clang::PCHContainerOperations> &PCHContainerOps,
                     PreambleUse &Use, std::string &Note);

} // namespace preamble
} // namespace bpfcarve::extractor
