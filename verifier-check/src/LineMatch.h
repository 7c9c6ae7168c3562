//===- LineMatch.h - matching tool output line by line, without std::regex -*- C++ -*-===//
//
// Verifier logs and clang's diagnostics are matched by hand, not with std::regex: libstdc++'s
// regex executor recurses once per character and overflowed the stack on a long line (a long
// source line quoted by the verifier, a long identifier in a clang error). These helpers consume
// what a pattern's pieces would match; the comments at each use give the pattern.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>
#include <system_error>

namespace bpfcarve::verifier::line_match {

/// The decimal number Digits, or nothing when it does not fit in T: the text is input, and a
/// number too large for its field means nothing.
template <typename T = std::uint64_t> std::optional<T> number(std::string_view Digits) {
  T V{};
  auto [End, Ec] = std::from_chars(Digits.data(), Digits.data() + Digits.size(), V);
  if (Ec != std::errc() || End != Digits.data() + Digits.size())
    return std::nullopt;
  return V;
}

inline bool isDigit(char C) { return C >= '0' && C <= '9'; }

/// Consumes Lit at S[I]; false (I unchanged) when S does not continue with it.
inline bool literal(std::string_view S, size_t &I, std::string_view Lit) {
  if (S.substr(I, Lit.size()) != Lit)
    return false;
  I += Lit.size();
  return true;
}

/// Consumes one or more digits at S[I] (`\d+`), stored in Out; false when there is none.
inline bool digits(std::string_view S, size_t &I, std::string_view *Out = nullptr) {
  size_t B = I;
  while (I < S.size() && isDigit(S[I]))
    ++I;
  if (Out)
    *Out = S.substr(B, I - B);
  return I > B;
}

/// std::regex's `.` (ECMAScript) matches no line terminator: where a pattern covers the rest of
/// the line with `.*`, a line holding '\r' does not match.
inline bool hasCR(std::string_view L) { return L.find('\r') != std::string_view::npos; }

} // namespace bpfcarve::verifier::line_match
