//===- Names.cpp ----------------------------------------------------------===//
#include "bpfcarve/toolchain/Names.h"

#include <algorithm>
#include <cctype>
#include <string_view>

namespace bpfcarve::toolchain {

namespace {
/// Optimal string alignment distance: insertions, deletions, substitutions and transpositions
/// of neighbours ("frist" -> "first") cost 1 each; letters compare case-insensitively.
size_t editDistance(const std::string &A, const std::string &B) {
  auto Same = [](char X, char Y) {
    return std::tolower(static_cast<unsigned char>(X)) ==
           std::tolower(static_cast<unsigned char>(Y));
  };
  std::vector<std::vector<size_t>> D(A.size() + 1, std::vector<size_t>(B.size() + 1));
  for (size_t I = 0; I <= A.size(); ++I)
    D[I][0] = I;
  for (size_t J = 0; J <= B.size(); ++J)
    D[0][J] = J;
  for (size_t I = 1; I <= A.size(); ++I)
    for (size_t J = 1; J <= B.size(); ++J) {
      D[I][J] = std::min(
          {D[I - 1][J] + 1, D[I][J - 1] + 1, D[I - 1][J - 1] + (Same(A[I - 1], B[J - 1]) ? 0 : 1)});
      if (I > 1 && J > 1 && Same(A[I - 1], B[J - 2]) && Same(A[I - 2], B[J - 1]))
        D[I][J] = std::min(D[I][J], D[I - 2][J - 2] + 1);
    }
  return D[A.size()][B.size()];
}
} // namespace

std::string closestName(const std::string &Wanted, const std::vector<std::string> &Known) {
  size_t Limit = std::max<size_t>(1, Wanted.size() / 3);
  std::string Best;
  size_t BestDistance = Limit + 1;
  for (const std::string &K : Known) {
    if (K == Wanted)
      continue;
    size_t D = editDistance(Wanted, K);
    if (D < BestDistance) {
      BestDistance = D;
      Best = K;
    }
  }
  return BestDistance <= Limit ? Best : std::string();
}

std::string didYouMean(const std::string &Wanted, const std::vector<std::string> &Known) {
  std::string C = closestName(Wanted, Known);
  return C.empty() ? std::string() : "; did you mean '" + C + "'?";
}

std::string nameList(const std::vector<std::string> &Names) {
  constexpr size_t Shown = 12; // a file with 300 maps names the first dozen
  std::string Out;
  for (size_t I = 0; I < Names.size() && I < Shown; ++I)
    Out += (Out.empty() ? "" : ", ") + Names[I];
  if (Names.size() > Shown)
    Out += ", ...";
  return Out.empty() ? "none" : Out;
}

std::string withArticle(const std::string &Name) {
  // A vowel sound: a vowel letter, or a letter whose name starts with one (f, l, m, n, r, s, x)
  // opening an initialism read letter by letter.
  static const char *const Spelt[] = {"xdp", "lsm", "lwt", "sk_", "fentry", "fexit", "fmod_ret"};
  bool Vowel = !Name.empty() && std::string_view("aeiouAEIOU").find(Name[0]) != std::string::npos;
  for (const char *P : Spelt)
    Vowel |= Name.rfind(P, 0) == 0;
  return (Vowel ? "an " : "a ") + Name;
}

std::string everyName(const std::vector<std::string> &Names) {
  std::string Out;
  for (const std::string &N : Names)
    Out += (Out.empty() ? "" : ", ") + N;
  return Out.empty() ? "none" : Out;
}

Failure unknownName(const std::string &What, const std::string &Wanted,
                    const std::vector<std::string> &Known, const std::string &Use) {
  return Failure::badInput(What + " '" + Wanted + "'" + didYouMean(Wanted, Known) + " (use " +
                           (Use.empty() ? nameList(Known) : Use) + ")");
}

Result<size_t> findProgram(const std::vector<std::string> &Names,
                           const std::vector<std::string> &Sections, const std::string &Wanted,
                           const std::string &Where) {
  std::vector<std::string> InSection;
  size_t BySection = 0;
  for (size_t I = 0; I < Names.size(); ++I) {
    if (Names[I] == Wanted)
      return I;
    if (I < Sections.size() && Sections[I] == Wanted) {
      InSection.push_back(Names[I]);
      BySection = I;
    }
  }
  if (InSection.size() == 1)
    return BySection;
  if (InSection.size() > 1)
    return Failure::badInput("section '" + Wanted + "' in '" + Where + "' holds " +
                             std::to_string(InSection.size()) + " programs (" +
                             nameList(InSection) + "); name one of them");
  return Failure::badInput("no program '" + Wanted + "' in '" + Where + "'" +
                           didYouMean(Wanted, Names) + " (programs: " + nameList(Names) + ")");
}

} // namespace bpfcarve::toolchain
