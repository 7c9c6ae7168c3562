//===- VerifierLog.cpp ----------------------------------------------------===//
#include "bpfcarve/verifier/VerifierLog.h"

#include <cerrno>
#include <regex>
#include <sstream>

namespace bpfcarve::verifier {

namespace {

std::vector<std::string> lines(std::string_view Text) {
  std::vector<std::string> Out;
  std::string Cur;
  for (char C : Text) {
    if (C == '\n') {
      Out.push_back(Cur);
      Cur.clear();
    } else if (C != '\0') {
      Cur += C;
    }
  }
  if (!Cur.empty())
    Out.push_back(Cur);
  return Out;
}

bool startsWith(std::string_view S, std::string_view P) { return S.substr(0, P.size()) == P; }
bool contains(std::string_view S, std::string_view P) { return S.find(P) != std::string_view::npos; }

/// Lines that are the verifier's trace, not its verdict: instructions (`12: (61) r1 = ...`),
/// source lines (`; x @ f.c:3`), state dumps, branch headers, live-register listings.
bool isTraceLine(const std::string &L) {
  static const std::regex Insn(R"(^\s*\d+: .*)");
  static const std::regex Branch(R"(^from \d+ to \d+: .*)");
  static const std::regex Regs(R"(^\s*\d+: [.0-9]{10,}\s.*)");
  return L.empty() || startsWith(L, ";") || std::regex_match(L, Insn) ||
         std::regex_match(L, Branch) || std::regex_match(L, Regs) || startsWith(L, "func#") ||
         startsWith(L, "Live regs") || startsWith(L, "Func#") || startsWith(L, "Validating ") ||
         startsWith(L, "mark_precise") || startsWith(L, "last_idx") ||
         startsWith(L, "propagating") || startsWith(L, "processed ") ||
         startsWith(L, "verification time") || startsWith(L, "stack depth") ||
         startsWith(L, "R0=") || startsWith(L, "R1=") || startsWith(L, "caller:") ||
         startsWith(L, "callee:") || startsWith(L, "returning from callee") ||
         startsWith(L, "to caller at");
}

struct ClassRule {
  const char *needle;
  const char *cls;
};

/// Messages of the kernel verifier (6.x) and of libbpf 1.1, mapped to failure classes. Order
/// matters: the first rule whose needle occurs in the message wins.
const ClassRule VerifierRules[] = {
    {"invalid bpf_context access", failure_class::CtxAccess},
    {"dereference of modified ctx ptr", failure_class::CtxAccess},
    {"cannot write into ctx", failure_class::CtxAccess},
    {"invalid access to packet", failure_class::PacketBounds},
    {"offset is outside of the packet", failure_class::PacketBounds},
    {"math between pkt pointer", failure_class::PacketBounds},
    {"pointer arithmetic on pkt_end", failure_class::PacketBounds},
    {"cannot write into packet", failure_class::PacketBounds},
    {"program of this type cannot use helper", failure_class::HelperNotAllowed},
    {"unknown func", failure_class::HelperNotAllowed},
    {"is not allowed in", failure_class::HelperNotAllowed},
    {"calling kernel function", failure_class::HelperNotAllowed},
    {"not supported for program type", failure_class::HelperNotAllowed},
    {"helper call is not allowed", failure_class::HelperNotAllowed},
    {"At program exit the register R0", failure_class::ReturnRange},
    {"BPF program is too large", failure_class::Complexity},
    {"jumps is too complex", failure_class::Complexity},
    {"too many states", failure_class::Complexity},
    {"loop is not bounded", failure_class::Complexity},
    {"back-edge from insn", failure_class::Complexity},
    {"infinite loop detected", failure_class::Complexity},
    {"combined stack size", failure_class::Complexity},
    {"frames is too deep", failure_class::Complexity},
};

const ClassRule LibbpfRules[] = {
    {"failed to create", failure_class::MapCreate},
    {"Error in bpf_create_map", failure_class::MapCreate},
    {"failed to resolve ksym", failure_class::UnresolvedKsym},
    {"not found in kernel", failure_class::UnresolvedKsym},
    {"failed to find BTF for extern", failure_class::UnresolvedKsym},
    {"attach program FD is not set", failure_class::NeedsAttachTarget},
    {"attach_prog_fd", failure_class::NeedsAttachTarget},
    {"failed to find kernel BTF type ID", failure_class::NeedsAttachTarget},
    {"failed to find BPF program BTF", failure_class::NeedsAttachTarget},
    {"missing BPF prog type", failure_class::Open},
    {"legacy map definitions", failure_class::Open},
};

} // namespace

VerifierStats parseVerifierStats(std::string_view Log) {
  VerifierStats S;
  static const std::regex Processed(
      R"(processed (\d+) insns \(limit \d+\) max_states_per_insn (\d+) total_states (\d+) peak_states (\d+) mark_read (\d+))");
  static const std::regex ProcessedShort(R"(processed (\d+) insns)");
  static const std::regex Time(R"(verification time (\d+) usec)");
  static const std::regex Stack(R"(^stack depth ([0-9+]+))");
  for (const std::string &L : lines(Log)) {
    std::smatch M;
    if (std::regex_search(L, M, Processed)) {
      S.insnsProcessed = std::stoull(M[1]);
      S.maxStatesPerInsn = std::stoull(M[2]);
      S.totalStates = std::stoull(M[3]);
      S.peakStates = std::stoull(M[4]);
      S.markRead = std::stoull(M[5]);
    } else if (startsWith(L, "processed ") && std::regex_search(L, M, ProcessedShort)) {
      S.insnsProcessed = std::stoull(M[1]);
    } else if (std::regex_search(L, M, Time)) {
      S.verifyTimeUs = std::stoull(M[1]);
    } else if (std::regex_search(L, M, Stack)) {
      S.stackDepth.clear();
      std::stringstream SS(M[1].str());
      std::string Part;
      while (std::getline(SS, Part, '+'))
        if (!Part.empty())
          S.stackDepth.push_back(static_cast<unsigned>(std::stoul(Part)));
    }
  }
  return S;
}

VerifierError classifyFailure(std::string_view Log, int Errno, std::string_view LibbpfMessages) {
  VerifierError E;
  std::vector<std::string> L = lines(Log);

  // The verdict is the block of non-trace lines right before the statistics at the end; the
  // source line is the last `; ... @ file:line` before it.
  size_t End = L.size();
  for (size_t I = 0; I < L.size(); ++I)
    if (startsWith(L[I], "verification time") || startsWith(L[I], "processed ")) {
      End = I;
      break;
    }
  size_t Begin = End;
  while (Begin > 0 && !isTraceLine(L[Begin - 1]))
    --Begin;
  // A too-large program's message comes after the last trace line as `BPF program is too large.`
  for (size_t I = Begin; I < End; ++I) {
    if (E.message.empty())
      E.message = L[I];
    else
      E.detail += (E.detail.empty() ? "" : "\n") + L[I];
  }
  static const std::regex Source(R"(^; (.*) @ (.+):(\d+)$)");
  for (size_t I = Begin; I-- > 0;) {
    std::smatch M;
    if (std::regex_match(L[I], M, Source)) {
      E.sourceText = M[1];
      E.file = M[2];
      E.line = static_cast<unsigned>(std::stoul(M[3]));
      break;
    }
  }

  if (!E.message.empty()) {
    for (const ClassRule &R : VerifierRules)
      if (contains(E.message, R.needle) || contains(E.detail, R.needle)) {
        E.cls = R.cls;
        return E;
      }
  }
  // EPERM/EACCES with no verifier verdict: the kernel forbids this load here (fentry/LSM on this
  // machine kind, or no CAP_BPF: then libbpf's map creation fails first with the same errno).
  if (E.message.empty() && (Errno == EPERM || Errno == EACCES)) {
    E.cls = failure_class::Permission;
    E.message = "the kernel refused the load with " +
                std::string(Errno == EPERM ? "EPERM" : "EACCES") +
                " and an empty verifier log (program type not permitted here, or no CAP_BPF)";
    return E;
  }
  for (const ClassRule &R : LibbpfRules)
    if (contains(LibbpfMessages, R.needle)) {
      E.cls = R.cls;
      // libbpf's own line is the message when the verifier said nothing.
      if (E.message.empty())
        for (const std::string &ML : lines(LibbpfMessages))
          if (contains(ML, R.needle)) {
            E.message = startsWith(ML, "libbpf: ") ? ML.substr(8) : ML;
            break;
          }
      return E;
    }
  if (E.message.empty()) {
    // No verdict in the log at all: the kernel refused after verification.
    if (Errno == EINVAL && !Log.empty()) {
      // Verification succeeded (statistics present) but the load failed: a map this program
      // uses is owned by another program type (devmap, cpumap, prog array).
      E.cls = failure_class::MapCompat;
      E.message = "EINVAL after successful verification: a map is incompatible with this "
                  "program type (map owner type)";
      return E;
    }
    E.message = "load failed with errno " + std::to_string(Errno) + " and no verifier message";
  }
  E.cls = failure_class::VerifierOther;
  return E;
}

} // namespace bpfcarve::verifier
