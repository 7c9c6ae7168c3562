//===- Names.h - closest-name suggestions for unknown names ------*- C++ -*-===//
#pragma once

#include <string>
#include <vector>

namespace bpfcarve::toolchain {

/// The name in Known closest to Wanted by edit distance (insert, delete, substitute, swap two
/// neighbours; letters compared case-insensitively), when it is close enough to be a likely typo: at most a third of
/// Wanted's length, and at least 1. Empty when none is.
std::string closestName(const std::string &Wanted, const std::vector<std::string> &Known);

/// "; did you mean 'X'?" for the closest name, or empty.
std::string didYouMean(const std::string &Wanted, const std::vector<std::string> &Known);

} // namespace bpfcarve::toolchain
