//===- GuestWire.cpp - the agent's job and report lines, and its initramfs --===//
//
// Compiled into the host's library and into the static guest agent alike: both sides read and
// write the same JSON.
//
//===----------------------------------------------------------------------===//
#include "bpfcarve/verifier/Guest.h"
#include "bpfcarve/verifier/Packets.h"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace bpfcarve::verifier {

using nlohmann::json;

void Initramfs::entry(const std::string &Path, unsigned Mode, const std::string &Bytes) {
  char Header[111];
  // magic, ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor,
  // rdevminor, namesize (with its NUL), check
  std::snprintf(Header, sizeof Header,
                "070701%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X", Inode++, Mode, 0u,
                0u, (Mode & 0170000) == 0040000 ? 2u : 1u, 0u, Bytes.size(), 0u, 0u, 0u, 0u,
                Path.size() + 1, 0u);
  Out.append(Header, 110);
  Out += Path;
  Out += '\0';
  Out.append((4 - Out.size() % 4) % 4, '\0');
  Out += Bytes;
  Out.append((4 - Out.size() % 4) % 4, '\0');
}

void Initramfs::addDirectory(const std::string &Path) { entry(Path, 0040755, {}); }

void Initramfs::addFile(const std::string &Path, const std::string &Bytes, unsigned Mode) {
  entry(Path, 0100000 | (Mode & 07777), Bytes);
}

const std::string &Initramfs::finish() {
  entry("TRAILER!!!", 0, {});
  return Out;
}

namespace wire {

namespace {

std::string hex(const std::vector<uint8_t> &Bytes) {
  static const char *Digits = "0123456789abcdef";
  std::string S;
  S.reserve(Bytes.size() * 2);
  for (uint8_t B : Bytes) {
    S += Digits[B >> 4];
    S += Digits[B & 15];
  }
  return S;
}

json optional(const std::optional<std::uint64_t> &V) { return V ? json(*V) : json(nullptr); }

std::optional<std::uint64_t> optional(const json &J, const char *Key) {
  if (!J.contains(Key) || J[Key].is_null())
    return std::nullopt;
  return J[Key].get<std::uint64_t>();
}

} // namespace

std::string jobJson(const GuestJob &Job, const std::vector<std::string> &GuestPaths,
                    const std::vector<GuestModule> &Modules) {
  json J;
  J["modules"] = json::array();
  for (const GuestModule &M : Modules)
    J["modules"].push_back({{"name", M.name}, {"path", M.path}, {"provides", M.provides}});
  J["reference"] = Job.reference;
  J["probe"] = Job.probe;
  if (Job.diffRun) {
    const GuestDiffRun &D = *Job.diffRun;
    J["diff_run"] = {{"a", DiffRunA},
                     {"b", DiffRunB},
                     {"name_a", D.nameA},
                     {"name_b", D.nameB},
                     {"program_a", D.options.programA},
                     {"program_b", D.options.programB},
                     {"type_a", D.options.typeA},
                     {"type_b", D.options.typeB},
                     {"seed", D.seedPath.empty() ? "" : DiffRunSeed},
                     {"seed_name", D.seedPath}};
  }
  J["objects"] = json::array();
  for (size_t I = 0; I < Job.objects.size(); ++I) {
    json Globals = json::array();
    for (const auto &[Name, Value] : Job.objects[I].globals)
      Globals.push_back({Name, Value});
    J["objects"].push_back({{"path", GuestPaths[I]},
                            {"source", Job.objects[I].source},
                            {"program", Job.objects[I].program},
                            {"type", Job.objects[I].type},
                            {"globals", Globals}});
    if (const auto &Range = Job.objects[I].packetRange)
      J["objects"].back()["packet_range"] = {Range->first, Range->second};
  }
  if (Job.packets) {
    J["packets"] = json::array();
    for (const Packet &P : *Job.packets)
      J["packets"].push_back({{"name", P.name}, {"bytes", hex(P.bytes)}});
  }
  return J.dump();
}

std::string reportToJson(const ObjectReport &R) {
  json J;
  J["object"] = R.object;
  J["loader_sized_maps"] = R.loaderSizedMaps;
  J["programs"] = json::array();
  for (const ProgramReport &P : R.programs) {
    json S = {{"insns_processed", optional(P.stats.insnsProcessed)},
              {"max_states_per_insn", optional(P.stats.maxStatesPerInsn)},
              {"states_total", optional(P.stats.totalStates)},
              {"states_peak", optional(P.stats.peakStates)},
              {"mark_read", optional(P.stats.markRead)},
              {"stack_depth", P.stats.stackDepth},
              {"verify_time_us", optional(P.stats.verifyTimeUs)}};
    json Pj = {{"name", P.name},
               {"section", P.section},
               {"type", P.type},
               {"verdict", P.verdict},
               {"stats", S},
               {"verified_insns", optional(P.verifiedInsns)},
               {"xlated_insns", optional(P.xlatedInsns)},
               {"jited_bytes", optional(P.jitedBytes)},
               {"log", P.log}};
    if (P.error)
      Pj["error"] = {{"class", P.error->cls},     {"message", P.error->message},
                     {"detail", P.error->detail}, {"file", P.error->file},
                     {"line", P.error->line},     {"source_text", P.error->sourceText}};
    if (P.testRun)
      Pj["test_run"] = {{"packets", P.testRun->packets},
                        {"verdicts", P.testRun->verdicts},
                        {"errors", P.testRun->errors},
                        {"unsupported", P.testRun->unsupported}};
    J["programs"].push_back(std::move(Pj));
  }
  return J.dump();
}

Result<ObjectReport> reportFromJson(const std::string &Text) {
  json J = json::parse(Text, nullptr, /*allow_exceptions=*/false);
  if (J.is_discarded() || !J.is_object())
    return Failure::internal("the guest agent wrote a report that is not JSON: " +
                             Text.substr(0, 200));
  try {
    ObjectReport R;
    R.object = J.at("object").get<std::string>();
    R.loaderSizedMaps = J.at("loader_sized_maps").get<std::vector<std::string>>();
    for (const json &Pj : J.at("programs")) {
      ProgramReport P;
      P.name = Pj.at("name").get<std::string>();
      P.section = Pj.at("section").get<std::string>();
      P.type = Pj.at("type").get<std::string>();
      P.verdict = Pj.at("verdict").get<std::string>();
      const json &S = Pj.at("stats");
      P.stats.insnsProcessed = optional(S, "insns_processed");
      P.stats.maxStatesPerInsn = optional(S, "max_states_per_insn");
      P.stats.totalStates = optional(S, "states_total");
      P.stats.peakStates = optional(S, "states_peak");
      P.stats.markRead = optional(S, "mark_read");
      P.stats.stackDepth = S.at("stack_depth").get<std::vector<unsigned>>();
      P.stats.verifyTimeUs = optional(S, "verify_time_us");
      P.verifiedInsns = optional(Pj, "verified_insns");
      P.xlatedInsns = optional(Pj, "xlated_insns");
      P.jitedBytes = optional(Pj, "jited_bytes");
      P.log = Pj.at("log").get<std::string>();
      if (Pj.contains("error")) {
        const json &E = Pj["error"];
        P.error = VerifierError{
            E.at("class").get<std::string>(),  E.at("message").get<std::string>(),
            E.at("detail").get<std::string>(), E.at("file").get<std::string>(),
            E.at("line").get<unsigned>(),      E.at("source_text").get<std::string>()};
      }
      if (Pj.contains("test_run")) {
        const json &T = Pj["test_run"];
        TestRunSummary Sum;
        Sum.packets = T.at("packets").get<std::size_t>();
        Sum.verdicts = T.at("verdicts").get<std::map<std::string, std::size_t>>();
        Sum.errors = T.at("errors").get<std::map<std::string, std::size_t>>();
        Sum.unsupported = T.at("unsupported").get<std::string>();
        P.testRun = std::move(Sum);
      }
      R.programs.push_back(std::move(P));
    }
    return R;
  } catch (const json::exception &E) {
    return Failure::internal(std::string("the guest agent's report lacks a field: ") + E.what());
  }
}

std::string wholeLoadToJson(const WholeLoad &W) {
  return json{{"ok", W.ok},
              {"errno", W.err},
              {"failed_program", W.failedProgram},
              {"message", W.message},
              {"us", W.us}}
      .dump();
}

namespace {
constexpr std::pair<FailureKind, const char *> KindNames[] = {
    {FailureKind::BadInput, "bad_input"},
    {FailureKind::Environment, "environment"},
    {FailureKind::Rejected, "rejected"},
    {FailureKind::Internal, "internal"}};
} // namespace

std::string failureToJson(const Failure &F) {
  const char *Kind = "internal";
  for (auto [K, Name] : KindNames)
    if (K == F.kind)
      Kind = Name;
  return json{{"kind", Kind}, {"message", F.message}}.dump();
}

Failure failureFromJson(const std::string &Text) {
  json J = json::parse(Text, nullptr, false);
  Failure F = Failure::internal(J.is_object() ? J.value("message", "") : Text);
  std::string Kind = J.is_object() ? J.value("kind", "internal") : "internal";
  for (auto [K, Name] : KindNames)
    if (Kind == Name)
      F.kind = K;
  return F;
}

WholeLoad wholeLoadFromJson(const std::string &Text) {
  json J = json::parse(Text, nullptr, false);
  WholeLoad W;
  if (!J.is_object())
    return W;
  W.ok = J.value("ok", false);
  W.err = J.value("errno", 0);
  W.failedProgram = J.value("failed_program", "");
  W.message = J.value("message", "");
  W.us = J.value("us", std::uint64_t{0});
  return W;
}

} // namespace wire
} // namespace bpfcarve::verifier
