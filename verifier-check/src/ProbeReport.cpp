//===- ProbeReport.cpp - `bpfcarve probe` output, text and JSON -----------===//
#include "bpfcarve/verifier/ProbeReport.h"
#include "ProbeJson.h"

#include <algorithm>
#include <cstdio>

using nlohmann::json;

namespace bpfcarve::verifier {

namespace {

/// The return range the probed values show: "any" when all loaded, else [min, max] of those
/// that did ("none" when none did).
std::string measuredRange(const MeasuredHook &M) {
  if (M.returnRejected.empty())
    return "any";
  if (M.returnAccepted.empty())
    return "none";
  auto [Min, Max] = std::minmax_element(M.returnAccepted.begin(), M.returnAccepted.end());
  return "[" + std::to_string(*Min) + "," + std::to_string(*Max) + "]";
}

std::string pad(std::string S, size_t Width) {
  if (S.size() < Width)
    S.append(Width - S.size(), ' ');
  return S + " ";
}

std::string pair(size_t Kernel, size_t Table) {
  return std::to_string(Kernel) + "/" + std::to_string(Table);
}

json profileJson(const HookProfile &P) {
  json Fields = json::array();
  for (const CtxField &F : P.ctxFields)
    Fields.push_back({{"name", F.name},
                      {"offset", F.offset},
                      {"size", F.size},
                      {"count", F.count},
                      {"read", F.readable},
                      {"write", F.writable}});
  json Codes = json::array();
  for (const ReturnCode &R : P.returnCodes)
    Codes.push_back({{"name", R.name}, {"value", R.value}, {"meaning", toString(R.meaning)}});
  json Range =
      P.returnRange.enforced
          ? json{{"enforced", true}, {"min", P.returnRange.min}, {"max", P.returnRange.max}}
          : json{{"enforced", false}, {"min", nullptr}, {"max", nullptr}};
  return {{"packet_base", toString(P.packetBase)},
          {"packet_access", toString(P.packetAccess)},
          {"fields", Fields},
          {"return_codes", Codes},
          {"return_range", Range},
          {"test_run", {{"supported", P.testRun.supported}, {"input", toString(P.testRun.input)}}},
          {"helpers", P.helpers}};
}

} // namespace

std::string renderProbeText(const ProbeResult &Probe,
                            const std::vector<HookComparison> &Comparisons) {
  std::string Out = "kernel " + Probe.kernelRelease + " (BTF " + Probe.btfHash + "), libbpf " +
                    Probe.libbpfVersion + ", helper ids 1.." + std::to_string(Probe.helperIdMax) +
                    "\n";
  char Seconds[32];
  std::snprintf(Seconds, sizeof Seconds, "%.2f", Probe.probeSeconds);
  Out += "measured " + Probe.measuredAt + " in " + Seconds + " s";
  if (!Probe.cacheFile.empty())
    Out += Probe.fromCache ? ", read from " + Probe.cacheFile : ", cached in " + Probe.cacheFile;
  Out += "\ncounts are kernel/table; the other columns are what the kernel did\n\n";

  Out += pad("HOOK", 18) + pad("PROG TYPE", 14) + pad("CTX", 23) + pad("BASE", 4) +
         pad("PACKET", 10) + pad("HELPERS", 7) + pad("READ", 5) + pad("WRITE", 5) +
         pad("RETURNS", 7) + pad("TEST-RUN", 8) + "DIFFS\n";
  size_t Total = 0, Contradictions = 0;
  for (const HookComparison &C : Comparisons) {
    const HookProfile &P = *C.profile;
    const MeasuredHook *M = C.measured;
    bool Loads = M && M->loads;
    std::string Base = "-", Packet = "-", Returns = "-", TestRun = "-";
    if (Loads) {
      Base = M->testRun.packetBase ? std::string(toString(*M->testRun.packetBase))
                                   : std::string(toString(P.packetBase));
      Packet = std::string(toString(M->packetAccess.value_or(PacketAccess::None)));
      Returns = measuredRange(*M);
      TestRun = M->testRun.supported ? std::string(toString(M->testRun.input)) : "no";
    }
    Out += pad(std::string(P.name), 18) + pad(std::string(P.progTypeName), 14) +
           pad(P.ctxStruct.empty() ? "-" : std::string(P.ctxStruct), 23) + pad(Base, 4) +
           pad(Packet, 10) + pad(pair(C.helpersMeasured, C.helpersInTable), 7) +
           pad(pair(C.readableMeasured, C.readableInTable), 5) +
           pad(pair(C.writableMeasured, C.writableInTable), 5) + pad(Returns, 7) + pad(TestRun, 8) +
           std::to_string(C.disagreements.size()) + "\n";
    Total += C.disagreements.size();
    for (const Disagreement &D : C.disagreements)
      Contradictions += D.contradicts;
  }

  if (Total == 0)
    return Out + "\nno disagreements: the tables match this kernel\n";
  Out += "\n" + std::to_string(Total) + " disagreement" + (Total == 1 ? "" : "s") + ", " +
         std::to_string(Contradictions) + " contradicting the tables:\n";
  for (const HookComparison &C : Comparisons)
    for (const Disagreement &D : C.disagreements)
      Out += "  " + std::string(C.profile->name) + ": " + D.message() + "\n";
  return Out;
}

std::string renderProbeJson(const ProbeResult &Probe,
                            const std::vector<HookComparison> &Comparisons) {
  json Hooks = json::array();
  size_t Total = 0, Contradictions = 0;
  for (const HookComparison &C : Comparisons) {
    const HookProfile &P = *C.profile;
    json Disagreements = json::array();
    for (const Disagreement &D : C.disagreements) {
      Disagreements.push_back({{"kind", toString(D.kind)},
                               {"subject", D.subject},
                               {"table", D.profile},
                               {"kernel", D.kernel},
                               {"contradicts", D.contradicts},
                               {"message", D.message()}});
      Contradictions += D.contradicts;
    }
    Total += C.disagreements.size();
    Hooks.push_back(
        {{"hook", P.name},
         {"sections", P.sections},
         {"prog_type", P.progTypeName},
         {"prog_type_id", P.progType},
         {"attach_type", P.attachTypeName.empty() ? json(nullptr) : json(P.attachTypeName)},
         {"expected_attach_type",
          P.expectedAttachType ? json(*P.expectedAttachType) : json(nullptr)},
         {"ctx_struct", P.ctxStruct.empty() ? json(nullptr) : json(P.ctxStruct)},
         {"profile", profileJson(P)},
         {"measured", C.measured ? measuredHookJson(*C.measured) : json(nullptr)},
         {"counts",
          {{"helpers", {{"kernel", C.helpersMeasured}, {"table", C.helpersInTable}}},
           {"readable", {{"kernel", C.readableMeasured}, {"table", C.readableInTable}}},
           {"writable", {{"kernel", C.writableMeasured}, {"table", C.writableInTable}}}}},
         {"contradicted", C.contradicted()},
         {"disagreements", Disagreements}});
  }
  json J = {{"kernel", kernelJson(Probe)},
            {"measured_at", Probe.measuredAt},
            {"probe_seconds", Probe.probeSeconds},
            {"from_cache", Probe.fromCache},
            {"cache_file", Probe.cacheFile.empty() ? json(nullptr) : json(Probe.cacheFile)},
            {"helper_names", Probe.helperNames},
            {"hooks", Hooks},
            {"disagreements_total", Total},
            {"contradictions_total", Contradictions}};
  return J.dump(2) + "\n";
}

} // namespace bpfcarve::verifier
