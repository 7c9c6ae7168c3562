//===- Names.h - closest-name suggestions for unknown names ------*- C++ -*-===//
#pragma once

#include "bpfcarve/toolchain/Result.h"

#include <string>
#include <vector>

namespace bpfcarve::toolchain {

/// The name in Known closest to Wanted by edit distance (insert, delete, substitute, swap two
/// neighbours; letters compared case-insensitively), when it is close enough to be a likely typo:
/// at most a third of Wanted's length, and at least 1. Empty when none is.
std::string closestName(const std::string &Wanted, const std::vector<std::string> &Known);

/// "; did you mean 'X'?" for the closest name, or empty.
std::string didYouMean(const std::string &Wanted, const std::vector<std::string> &Known);

/// "a, b, c" (the first twelve, then "..."), or "none".
std::string nameList(const std::vector<std::string> &Names);
/// "a tc", "an xdp", "an lsm", "an sk_msg": the indefinite article for a hook or program type
/// name as it is read aloud (initialisms spelt letter by letter: xdp, lsm, lwt_*, sk_*, fentry).
std::string withArticle(const std::string &Name);
/// All of Names, comma-separated, however many: for short closed sets a user picks from (hooks).
std::string everyName(const std::vector<std::string> &Names);

/// The bad-input failure for a name that is not one of Known:
///   WHAT 'X'; did you mean 'Y'? (use a, b, c)
/// Use replaces the list of Known after "use" when the accepted names are not a closed set.
Failure unknownName(const std::string &What, const std::string &Wanted,
                    const std::vector<std::string> &Known, const std::string &Use = {});

/// The program a user names with --program: the one with that name, else the only one whose
/// section is that name. Names and Sections are parallel; Where names the file. The index, or
///   no program 'X' in 'FILE'; did you mean 'Y'? (programs: a, b)
///   section 'S' in 'FILE' holds 2 programs (a, b); name one of them
Result<size_t> findProgram(const std::vector<std::string> &Names,
                           const std::vector<std::string> &Sections, const std::string &Wanted,
                           const std::string &Where);

} // namespace bpfcarve::toolchain
