//===- Frontend.h - parse a BPF C file into a ProgramModel -------*- C++ -*-===//
#pragma once

#include "bpfcarve/extractor/ProgramModel.h"
#include "bpfcarve/toolchain/Result.h"

#include <optional>
#include <string>
#include <vector>

namespace bpfcarve::extractor {

/// Which headers are the project's own -- expanded into an output, only the kept declarations
/// -- and which stay `#include`d (docs/extract.md, "Headers").
struct IncludePolicy {
  /// --project-root; empty: the directory of compile_commands.json (-p), else the nearest
  /// directory above the input holding `.git`, else the input's directory.
  std::string projectRoot;
  std::vector<std::string> keep;   ///< --keep-include H: stays #included
  std::vector<std::string> expand; ///< --expand-include H: its kept declarations are copied
};

struct ParseOptions {
  std::string file;     ///< the BPF C file
  std::string buildDir; ///< -p: directory holding compile_commands.json; empty when not given
  /// Flags after `--`; when neither this nor buildDir is given, toolchain defaults are used.
  std::optional<std::vector<std::string>> flags;
  /// In-memory contents for `file` (unit tests); the file need not exist on disk then.
  std::optional<std::string> contents;
  /// Further in-memory files (path -> contents), e.g. headers for unit tests.
  std::vector<std::pair<std::string, std::string>> virtualFiles;
  IncludePolicy includes;
};

/// The project root of O (IncludePolicy::projectRoot), absolute and without symlinks.
std::string projectRootFor(const ParseOptions &O);

/// What parseOnly did about a precompiled preamble of the file's leading #include lines.
enum class PreambleUse {
  NotTried,  ///< not asked for, cache switched off, or the file does not start with #includes
  Loaded,    ///< a valid cached preamble was loaded and the parse with it passed
  Built,     ///< a preamble was built now (and cached where possible); the parse with it passed
  FullParse, ///< tried, but the answer is the full parse's: the include lines were seen for
             ///< the first time (noted; the next check builds), no preamble could be had, or
             ///< the parse with it reported an error (the full parse then reports the errors)
};

struct ParseReport {
  PreambleUse preamble = PreambleUse::NotTried;
  std::string note; ///< why, in a few words (for -v and tests)
};

/// Parses `file` once and builds its ProgramModel. Any error diagnostic fails the whole run with
/// BadInput; the failure's location is the first error's, `details` holds clang's full output.
/// Nothing is computed from a partial AST.
/// With UsePreamble, the headers of the leading `#include <...>` lines come from a cached
/// precompiled preamble with the record of their preprocessor events (docs/extract.md,
/// "Preamble cache"): the model is the same as without; whenever the preamble cannot be had,
/// its record does not match or the parse with it fails, the model is the full parse's.
Result<ProgramModel> buildProgramModel(const ParseOptions &Options, bool UsePreamble = false,
                                       ParseReport *Report = nullptr);

/// Parses `file` as buildProgramModel does (same flags and diagnostics) without building a
/// model: true when it parses without error, else the first error as BadInput.
/// With UsePreamble, the leading #include lines are read from a cached precompiled preamble
/// (docs/extract.md, "Self-check"): the answer is the same, errors always come from a full parse.
Result<bool> parseOnly(const ParseOptions &Options, bool UsePreamble = false,
                       ParseReport *Report = nullptr);

/// For the rest of the process, which runs one command (the bpfcarve executable): a cached
/// preamble that is due to be built is built on another thread beside the parse that asked for
/// it, which goes on in full, so a command never waits for a build; and a preamble loaded or
/// built once serves the command's later parses from memory (docs/extract.md, "Preamble
/// cache"). Without this call (library users, tests) a due preamble is built first and used,
/// and each parse reads and validates the cache file. finishPreambleBuilds() must be called
/// before the process ends.
void runAsOneCommand();

/// Waits for a preamble build runAsOneCommand allowed to start, when one is running.
void finishPreambleBuilds();

/// BadInput unless File is something bpfcarve can read as BPF C: it exists, is not a directory,
/// is readable, is not named as C++ (.cpp, .cc, .cxx, .c++, .C) and holds more than whitespace.
/// Contents, when given, stands for the file's text.
Result<bool> checkSourceFile(const std::string &File, const std::string *Contents = nullptr);

/// The compile command buildProgramModel would use for Options (compiler first).
Result<std::vector<std::string>> effectiveFlags(const ParseOptions &Options);

/// The flags of a whole compile command: without the compiler, the input File, -c, -o X and
/// dependency-file options.
std::vector<std::string> flagsOfCommand(const std::vector<std::string> &Command,
                                        const std::string &File);

/// P made absolute against the working directory, with `.` and `..` removed.
std::string absolutePath(const std::string &P);

} // namespace bpfcarve::extractor
