//===- VerifierLog.cpp ----------------------------------------------------===//
#include "bpfcarve/verifier/VerifierLog.h"

#include "LineMatch.h"

#include <algorithm>
#include <cerrno>
#include <string>

namespace bpfcarve::verifier {

namespace {

using namespace line_match;

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
bool contains(std::string_view S, std::string_view P) {
  return S.find(P) != std::string_view::npos;
}

/// `\s*\d+: .*`: an instruction (`12: (61) r1 = ...`) or a register state line.
bool isInsnLine(std::string_view L) {
  size_t I = std::min(L.find_first_not_of(" \t\n\v\f\r"), L.size());
  return !hasCR(L.substr(I)) && digits(L, I) && literal(L, I, ": ");
}

/// `from \d+ to \d+: .*`
bool isBranchLine(std::string_view L) {
  if (hasCR(L))
    return false;
  size_t I = 0;
  return literal(L, I, "from ") && digits(L, I) && literal(L, I, " to ") && digits(L, I) &&
         literal(L, I, ": ");
}

/// First `processed N insns (limit N) max_states_per_insn N total_states N peak_states N
/// mark_read N` in L: the five numbers other than the limit.
bool fullStats(std::string_view L, std::string_view (&Out)[5]) {
  for (size_t At = L.find("processed "); At != std::string_view::npos;
       At = L.find("processed ", At + 1)) {
    size_t I = At;
    if (literal(L, I, "processed ") && digits(L, I, &Out[0]) && literal(L, I, " insns (limit ") &&
        digits(L, I) && literal(L, I, ") max_states_per_insn ") && digits(L, I, &Out[1]) &&
        literal(L, I, " total_states ") && digits(L, I, &Out[2]) &&
        literal(L, I, " peak_states ") && digits(L, I, &Out[3]) && literal(L, I, " mark_read ") &&
        digits(L, I, &Out[4]))
      return true;
  }
  return false;
}

/// The number of the first `Before N After` in L.
std::optional<std::string_view> numberBetween(std::string_view L, std::string_view Before,
                                              std::string_view After) {
  for (size_t At = L.find(Before); At != std::string_view::npos; At = L.find(Before, At + 1)) {
    size_t I = At + Before.size();
    std::string_view N;
    if (digits(L, I, &N) && literal(L, I, After))
      return N;
  }
  return std::nullopt;
}

/// `; CODE @ FILE:LINE` (the last ` @ ` before FILE, FILE not empty, LINE digits to the end).
bool sourceLine(std::string_view L, std::string_view &Code, std::string_view &File,
                std::string_view &Line) {
  if (!startsWith(L, "; ") || hasCR(L))
    return false;
  size_t Colon = L.rfind(':');
  if (Colon == std::string_view::npos || Colon + 1 == L.size())
    return false;
  for (size_t I = Colon + 1; I < L.size(); ++I)
    if (!isDigit(L[I]))
      return false;
  if (Colon < 2 + 3 + 1)
    return false;
  // The last " @ " that leaves a non-empty FILE before the colon.
  size_t At = L.rfind(" @ ", Colon - 4);
  if (At == std::string_view::npos || At < 2)
    return false;
  Code = L.substr(2, At - 2);
  File = L.substr(At + 3, Colon - At - 3);
  Line = L.substr(Colon + 1);
  return true;
}

/// Lines that are the verifier's trace, not its verdict: instructions (`12: (61) r1 = ...`),
/// source lines (`; x @ f.c:3`), state dumps, branch headers, live-register listings.
bool isTraceLine(const std::string &L) {
  return L.empty() || startsWith(L, ";") || isInsnLine(L) || isBranchLine(L) ||
         startsWith(L, "func#") || startsWith(L, "Live regs") || startsWith(L, "Func#") ||
         startsWith(L, "Validating ") || startsWith(L, "mark_precise") ||
         startsWith(L, "last_idx") || startsWith(L, "propagating") || startsWith(L, "processed ") ||
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
  for (const std::string &L : lines(Log)) {
    std::string_view Stats[5];
    std::optional<std::string_view> N;
    if (fullStats(L, Stats)) {
      S.insnsProcessed = number(Stats[0]);
      S.maxStatesPerInsn = number(Stats[1]);
      S.totalStates = number(Stats[2]);
      S.peakStates = number(Stats[3]);
      S.markRead = number(Stats[4]);
    } else if (startsWith(L, "processed ") && (N = numberBetween(L, "processed ", " insns"))) {
      S.insnsProcessed = number(*N);
    } else if ((N = numberBetween(L, "verification time ", " usec"))) {
      S.verifyTimeUs = number(*N);
    } else if (startsWith(L, "stack depth ") && L.size() > 12 && (isDigit(L[12]) || L[12] == '+')) {
      // `stack depth 16+0+32`: one number per subprogram.
      S.stackDepth.clear();
      std::string_view Rest = std::string_view(L).substr(12);
      Rest = Rest.substr(0, Rest.find_first_not_of("0123456789+"));
      while (!Rest.empty()) {
        size_t Plus = Rest.find('+');
        std::string_view Part = Rest.substr(0, Plus);
        if (!Part.empty())
          S.stackDepth.push_back(number<unsigned>(Part).value_or(0));
        Rest = Plus == std::string_view::npos ? std::string_view() : Rest.substr(Plus + 1);
      }
    }
  }
  return S;
}

std::string unresolvedSymbol(std::string_view Message) {
  size_t Open = Message.find('\'');
  size_t Close = Open == std::string_view::npos ? Open : Message.find('\'', Open + 1);
  return Close == std::string_view::npos ? std::string()
                                         : std::string(Message.substr(Open + 1, Close - Open - 1));
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
  for (size_t I = Begin; I-- > 0;) {
    std::string_view Code, File, Line;
    if (sourceLine(L[I], Code, File, Line)) {
      E.sourceText = Code;
      E.file = File;
      E.line = number<unsigned>(Line).value_or(0); // 0: unknown
      break;
    }
  }
  // Kernels before 6.2 print the source line without " @ file:line": keep its text, which the
  // loader locates in the object's line info (Loader.cpp, locateSourceText).
  if (E.file.empty())
    for (size_t I = Begin; I-- > 0;)
      if (startsWith(L[I], "; ") && !hasCR(L[I])) {
        E.sourceText = L[I].substr(2);
        break;
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
