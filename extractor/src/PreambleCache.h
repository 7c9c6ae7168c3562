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
/// directive (blanks around it allowed, nothing else on the line, ending in '\n'), with the
/// blank lines and comments before and between them (an output's licence comment) and the plain
/// `#define`/`#undef` lines among them (no comment on the line, no splice): the part of an
/// emitted file a preamble can stand for. Empty when the file does not start so.
llvm::StringRef leadingIncludeLines(llvm::StringRef Text);

/// The leading run of leadingIncludeLines that are `#include <...>` lines: the preamble of a
/// model parse (cut before the first `#include "..."`).
llvm::StringRef leadingSystemIncludeLines(llvm::StringRef Text);

/// The directory holding cached preambles (toolchain::cacheDir()/preamble), or empty when the
/// cache is switched off: BPFCARVE_PREAMBLE_CACHE=0|off|no.
std::string cacheDirectory();

/// For the rest of the process, which is one command: a preamble that is due to be built (the
/// second use of its include lines) is built on another thread beside the parse that needs it,
/// which goes on in full, at most one such build at a time -- the command costs what it costs
/// without a cache, later parses and runs use the entry; and a preamble loaded or built is kept
/// in memory and serves every later parse of the command with the same key without being read
/// or validated again (headers are taken not to change under a running command: the model was
/// parsed from them as they were). A self-check whose output starts with the `#include <...>`
/// directives of a model preamble of the command, compiled with the model's flags, reads them
/// from that preamble and needs no entry of its own. The default (tests, library users) builds
/// in the foreground, parses with the result, and reads and validates the cache file at each
/// parse.
void enableCommandMode();

/// Waits for the build enableBackgroundBuilds started, if one runs: before the process ends.
void finishBackgroundBuilds();

/// Ends command mode: waits for a build in progress and forgets every preamble kept in memory,
/// as if the process ended (a library user that runs several commands; the tests).
void endCommandMode();

/// Parses the invocation's main file with a preamble of its leading #include lines, from the
/// cache or built now (and then stored), with the action Factory creates. True when that parse
/// completed without an error; false when no preamble could be had or the parse reported an
/// error, and the caller must parse the whole file the ordinary way. Use tells what happened.
/// With ModelRecord, for the model parse: a preamble of the leading `#include <...>` lines only,
/// under its own key, whose headers were parsed with their function bodies and with a
/// PreprocessorIndex recording their preprocessor events; that record is stored with the entry
/// and handed to the caller in *ModelRecord before the action is created. An entry without a
/// usable record is not used.
bool runWithPreamble(clang::tooling::FrontendActionFactory &Factory,
                     const std::shared_ptr<clang::CompilerInvocation> &Invocation,
                     clang::FileManager *Files,
                     const std::shared_ptr<clang::PCHContainerOperations> &PCHContainerOps,
                     PreambleUse &Use, std::string &Note, std::string *ModelRecord = nullptr);

} // namespace preamble
} // namespace bpfcarve::extractor
