//===- RetargetReport.cpp - the report of a retarget, and its refusal -----===//
#include "Retargeter.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <tuple>

namespace bpfcarve::transformer {

void finishReport(RetargetReport &R) {
  std::sort(R.rewrites.begin(), R.rewrites.end(), [](const Rewrite &A, const Rewrite &B) {
    return std::tie(A.at.file, A.at.line, A.at.column) <
           std::tie(B.at.file, B.at.line, B.at.column);
  });
  std::vector<std::string> Caveats;
  for (const std::string &C : R.caveats)
    if (std::find(Caveats.begin(), Caveats.end(), C) == Caveats.end())
      Caveats.push_back(C);
  R.caveats = Caveats;
}

Failure refusalFailure(const RetargetReport &R, const std::string &Program,
                       std::string_view ToHook) {
  const Refusal &First = R.refusals.front();
  Failure F{FailureKind::Rejected,
            "cannot retarget '" + Program + "' to " + std::string(ToHook) + ": " + First.construct +
                ": " + First.reason,
            First.at.file,
            First.at.line,
            First.at.column,
            {}};
  // The first is the error line itself; the others follow it.
  for (size_t I = 1; I < R.refusals.size(); ++I) {
    const Refusal &X = R.refusals[I];
    F.details += X.at.file + ":" + std::to_string(X.at.line) + ":" + std::to_string(X.at.column) +
                 ": refused: " + X.construct + ": " + X.reason + "\n";
  }
  return F;
}

std::string reportJson(const RetargetReport &R) {
  using nlohmann::ordered_json;
  auto Loc = [](const Location &L) {
    return ordered_json{{"file", L.file}, {"line", L.line}, {"column", L.column}};
  };
  ordered_json J = {{"input", R.input},
                    {"program", R.program},
                    {"from", R.fromHook},
                    {"to", R.toHook},
                    {"direction", R.direction}};
  ordered_json Rw = ordered_json::array();
  for (const Rewrite &W : R.rewrites)
    Rw.push_back({{"rule", W.rule},
                  {"at", Loc(W.at)},
                  {"before", W.before},
                  {"after", W.after},
                  {"approximate", W.approximate}});
  J["rewrites"] = Rw;
  J["approximations"] = R.approximations;
  J["caveats"] = R.caveats;
  ordered_json Rf = ordered_json::array();
  for (const Refusal &X : R.refusals)
    Rf.push_back({{"construct", X.construct}, {"reason", X.reason}, {"at", Loc(X.at)}});
  J["refusals"] = Rf;
  J["warnings"] = R.warnings;
  ordered_json Gm = ordered_json::array();
  for (const GeneratedMap &G : R.generatedMaps)
    Gm.push_back({{"name", G.name},
                  {"mirrors", G.mirrors},
                  {"type", G.type},
                  {"key", G.key},
                  {"value", G.value},
                  {"max_entries", G.maxEntries}});
  J["generated_maps"] = Gm;
  return J.dump(2) + "\n";
}

} // namespace bpfcarve::transformer
