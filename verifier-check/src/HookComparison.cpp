//===- HookComparison.cpp - the static hook tables vs the running kernel --===//
#include "bpfcarve/verifier/HookComparison.h"

#include <algorithm>
#include <set>

namespace bpfcarve::verifier {

namespace {

std::string rangeText(const ReturnRange &R) {
  if (!R.enforced)
    return "any";
  return "[" + std::to_string(R.min) + ", " + std::to_string(R.max) + "]";
}

std::string valuesText(const std::vector<std::int64_t> &Values) {
  std::string S = "{";
  for (size_t I = 0; I < Values.size(); ++I)
    S += (I ? ", " : "") + std::to_string(Values[I]);
  return S + "}";
}

std::string_view accessText(bool Granted, bool Write) {
  if (Write)
    return Granted ? "writable" : "not writable";
  return Granted ? "readable" : "not readable";
}

void compareHelpers(const HookProfile &P, const MeasuredHook &M, const ProbeResult &Probe,
                    HookComparison &C) {
  std::set<std::uint32_t> Ids(P.helpers.begin(), P.helpers.end());
  Ids.insert(M.helpers.begin(), M.helpers.end());
  for (std::uint32_t Id : Ids) {
    bool InTable = P.helperAllowed(Id);
    bool InKernel = M.helperUsable(Id);
    if (InTable == InKernel)
      continue;
    bool Sleepable =
        std::find(M.sleepableOnly.begin(), M.sleepableOnly.end(), Id) != M.sleepableOnly.end();
    Disagreement D;
    D.kind = DisagreementKind::Helper;
    D.helperId = Id;
    D.subject = Probe.helperName(Id) + "#" + std::to_string(Id);
    D.profile = InTable ? "allowed" : "not allowed";
    D.kernel = InKernel ? "allowed" : Sleepable ? "sleepable programs only" : "refused";
    D.contradicts = InTable;
    C.disagreements.push_back(std::move(D));
  }
}

void compareFields(const HookProfile &P, const MeasuredHook &M, HookComparison &C) {
  for (const CtxField &F : P.ctxFields) {
    const MeasuredField *Got = M.field(F.name);
    for (bool Write : {false, true}) {
      bool InTable = Write ? F.writable : F.readable;
      if (!Got) {
        if (InTable)
          C.disagreements.push_back({Write ? DisagreementKind::CtxWrite : DisagreementKind::CtxRead,
                                     std::string(F.name), std::string(accessText(true, Write)),
                                     "not measured", true, 0});
        continue;
      }
      bool InKernel = Write ? Got->writable : Got->readable;
      if (InTable == InKernel)
        continue;
      C.disagreements.push_back({Write ? DisagreementKind::CtxWrite : DisagreementKind::CtxRead,
                                 std::string(F.name), std::string(accessText(InTable, Write)),
                                 std::string(accessText(InKernel, Write)), InTable, 0});
    }
  }
}

int accessRank(PacketAccess A) {
  return A == PacketAccess::ReadWrite ? 2 : A == PacketAccess::Read ? 1 : 0;
}

} // namespace

std::string Disagreement::message() const {
  std::string S(toString(kind));
  if (!subject.empty())
    S += " " + subject;
  S += ": table " + profile + ", kernel " + kernel;
  if (contradicts)
    S += " (contradiction)";
  return S;
}

bool HookComparison::contradicted() const {
  return std::any_of(disagreements.begin(), disagreements.end(),
                     [](const Disagreement &D) { return D.contradicts; });
}

const Disagreement *HookComparison::find(DisagreementKind Kind, std::string_view Subject) const {
  for (const Disagreement &D : disagreements) {
    if (D.kind != Kind)
      continue;
    if (D.subject == Subject)
      return &D;
    // Helpers also by bare name: "bpf_x" finds "bpf_x#N".
    if (Kind == DisagreementKind::Helper && D.subject.starts_with(Subject) &&
        D.subject.size() > Subject.size() && D.subject[Subject.size()] == '#')
      return &D;
  }
  return nullptr;
}

HookComparison compareHook(const HookProfile &P, const ProbeResult &Probe) {
  HookComparison C;
  C.profile = &P;
  C.measured = Probe.hook(P.name);
  C.helpersInTable = P.helpers.size();
  for (const CtxField &F : P.ctxFields) {
    C.readableInTable += F.readable;
    C.writableInTable += F.writable;
  }
  const MeasuredHook *M = C.measured;
  if (!M || !M->loads) {
    C.disagreements.push_back({DisagreementKind::Load, "", "loads",
                               M ? "refused: " + M->loadError : "not measured", true, 0});
    return C;
  }
  C.helpersMeasured = M->helpers.size();
  for (const MeasuredField &F : M->fields) {
    C.readableMeasured += F.readable;
    C.writableMeasured += F.writable;
  }

  compareHelpers(P, *M, Probe, C);
  compareFields(P, *M, C);

  if (M->packetAccess && *M->packetAccess != P.packetAccess)
    C.disagreements.push_back({DisagreementKind::PacketAccess, "",
                               std::string(toString(P.packetAccess)),
                               std::string(toString(*M->packetAccess)),
                               accessRank(P.packetAccess) > accessRank(*M->packetAccess), 0});

  // Only test-run can show the packet base; no observation is no disagreement.
  if (M->testRun.packetBase && *M->testRun.packetBase != P.packetBase)
    C.disagreements.push_back({DisagreementKind::PacketBase, "",
                               std::string(toString(P.packetBase)),
                               std::string(toString(*M->testRun.packetBase)), true, 0});

  std::vector<std::int64_t> Refused, Extra;
  for (std::int64_t V : M->returnRejected)
    if (P.returnRange.accepts(V))
      Refused.push_back(V);
  for (std::int64_t V : M->returnAccepted)
    if (!P.returnRange.accepts(V))
      Extra.push_back(V);
  if (!Refused.empty() || !Extra.empty())
    C.disagreements.push_back(
        {DisagreementKind::ReturnRange, "", rangeText(P.returnRange),
         "accepted " + valuesText(M->returnAccepted) + " of " +
             valuesText({probedReturnValues().begin(), probedReturnValues().end()}),
         !Refused.empty(), 0});

  const TestRunRule &T = P.testRun;
  const MeasuredTestRun &Got = M->testRun;
  if (T.supported != Got.supported)
    C.disagreements.push_back(
        {DisagreementKind::TestRun, "", T.supported ? "supported" : "not supported",
         Got.supported ? "supported (" + std::string(toString(Got.input)) + " input)"
                       : "errno " + std::to_string(Got.error),
         T.supported, 0});
  else if (T.supported && T.input != Got.input)
    C.disagreements.push_back({DisagreementKind::TestRun, "input", std::string(toString(T.input)),
                               std::string(toString(Got.input)), true, 0});
  return C;
}

std::vector<HookComparison> compareWithProfiles(const ProbeResult &Probe) {
  std::vector<HookComparison> Out;
  for (const HookProfile &P : hookProfiles())
    Out.push_back(compareHook(P, Probe));
  return Out;
}

std::string_view toString(DisagreementKind Kind) {
  switch (Kind) {
  case DisagreementKind::Load:
    return "load";
  case DisagreementKind::Helper:
    return "helper";
  case DisagreementKind::CtxRead:
    return "ctx_read";
  case DisagreementKind::CtxWrite:
    return "ctx_write";
  case DisagreementKind::PacketAccess:
    return "packet_access";
  case DisagreementKind::PacketBase:
    return "packet_base";
  case DisagreementKind::ReturnRange:
    return "return_range";
  case DisagreementKind::TestRun:
    return "test_run";
  }
  return "?";
}

} // namespace bpfcarve::verifier
