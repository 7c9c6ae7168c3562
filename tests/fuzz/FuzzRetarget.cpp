//===- FuzzRetarget.cpp - the rewrite engine on arbitrary source text ------------===//
//
// The input is a BPF C file (in memory, next to the sample headers) whose first line may say
// what to do, as a comment the fuzzer mutates along with the code:
//   //@ to=HOOK program=NAME from=HOOK direction=ingress|egress approx
// Without such a line the program is retargeted to tc (to xdp when the file has SEC("tc")).
// retarget() extracts the program's slice, checks it against the hook profiles, rewrites it and
// parses its output again; an Internal failure (e.g. output that fails that parse) is a finding.
//
//===----------------------------------------------------------------------===//
#include "FuzzSupport.h"

#include "bpfcarve/transformer/Retarget.h"

using namespace bpfcarve;
using namespace bpfcarve::transformer;

namespace {

RetargetOptions optionsOf(const std::string &Text) {
  RetargetOptions R;
  R.to = Text.find("SEC(\"tc\")") != std::string::npos ? "xdp" : "tc";
  if (Text.rfind("//@", 0) != 0)
    return R;
  std::istringstream Line(Text.substr(3, Text.find('\n') == std::string::npos
                                             ? std::string::npos
                                             : Text.find('\n') - 3));
  std::string Word;
  while (Line >> Word) {
    size_t Eq = Word.find('=');
    std::string Key = Word.substr(0, Eq), Value = Eq == std::string::npos ? "" : Word.substr(Eq + 1);
    if (Key == "to")
      R.to = Value;
    else if (Key == "program")
      R.program = Value;
    else if (Key == "from")
      R.from = Value;
    else if (Key == "direction")
      R.direction = Value;
    else if (Key == "approx")
      R.allowApprox = true;
  }
  return R;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  extractor::ParseOptions O;
  O.file = fuzz::MainFile;
  O.contents = std::string(reinterpret_cast<const char *>(Data), Size);
  O.virtualFiles = fuzz::sampleHeaders();
  RetargetOptions RO = optionsOf(*O.contents);
  auto R = retarget(O, RO);
  fuzz::note("--to " + RO.to + ": " +
             (R ? std::to_string(R->report.rewrites.size()) + " rewrites" : R.failure().firstLine()));
  if (!R) {
    if (R.failure().kind == FailureKind::Internal)
      fuzz::finding("retarget --to " + RO.to + ": " + R.failure().firstLine() + "\n" +
                    R.failure().details);
    return 0;
  }
  if (R->text.empty())
    fuzz::finding("retarget --to " + RO.to + " succeeded with an empty output");
  (void)reportJson(R->report);
  return 0;
}
