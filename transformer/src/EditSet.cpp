//===- EditSet.cpp --------------------------------------------------------===//
#include "EditSet.h"

#include <algorithm>

namespace bpfcarve::transformer {

namespace {
long delta(const Edit &E) {
  return static_cast<long>(E.text.size()) - static_cast<long>(E.end - E.begin);
}
std::vector<Edit> sorted(std::vector<Edit> Es) {
  std::sort(Es.begin(), Es.end(), [](const Edit &A, const Edit &B) {
    return A.begin != B.begin ? A.begin < B.begin : A.end < B.end;
  });
  return Es;
}
} // namespace

std::optional<std::string> EditSet::conflict() const {
  for (const auto &[File, Es] : ByFile) {
    std::vector<Edit> S = sorted(Es);
    for (size_t I = 1; I < S.size(); ++I)
      if (S[I].begin < S[I - 1].end ||
          (S[I].begin == S[I - 1].begin && S[I].end == S[I - 1].end && S[I].begin != S[I].end))
        return File + ": overlapping edits at offsets " + std::to_string(S[I - 1].begin) + " and " +
               std::to_string(S[I].begin);
  }
  return std::nullopt;
}

unsigned EditSet::mapBegin(const std::vector<Edit> &Es, unsigned X) {
  long D = 0;
  for (const Edit &E : Es) {
    bool InsertionAtX = E.begin == E.end && E.begin == X;
    if (E.end <= X && !InsertionAtX)
      D += delta(E);
  }
  return static_cast<unsigned>(static_cast<long>(X) + D);
}

unsigned EditSet::mapEnd(const std::vector<Edit> &Es, unsigned X) {
  long D = 0;
  for (const Edit &E : Es)
    if (E.end <= X && (E.begin < X || E.begin == E.end))
      D += delta(E);
  return static_cast<unsigned>(static_cast<long>(X) + D);
}

extractor::ProgramModel EditSet::applyTo(const extractor::ProgramModel &M) const {
  extractor::ProgramModel Out = M;
  for (extractor::SourceFile &F : Out.files) {
    auto It = ByFile.find(F.path);
    if (It == ByFile.end())
      continue;
    std::vector<Edit> S = sorted(It->second);
    std::string Text;
    unsigned Pos = 0;
    for (const Edit &E : S) {
      Text.append(F.text, Pos, E.begin - Pos);
      Text += E.text;
      Pos = E.end;
    }
    Text.append(F.text, Pos, std::string::npos);
    F.text = std::move(Text);
  }
  auto Move = [&](extractor::SourceSpan &Sp) {
    auto It = ByFile.find(Sp.file);
    if (It == ByFile.end() || !Sp.valid())
      return;
    Sp.beginOffset = mapBegin(It->second, Sp.beginOffset);
    Sp.endOffset = mapEnd(It->second, Sp.endOffset);
  };
  for (auto &[Id, Spans] : Out.spans)
    for (extractor::SourceSpan &Sp : Spans)
      Move(Sp);
  for (extractor::Include &I : Out.includes)
    Move(I.directive);
  for (extractor::Conditional &C : Out.conditionals) {
    Move(C.region);
    for (extractor::SourceSpan &D : C.directives)
      Move(D);
  }
  return Out;
}

} // namespace bpfcarve::transformer
