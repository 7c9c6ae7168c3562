//===- FuzzClangDiagnostics.cpp - the first error line of clang's output ------------===//
//
// The input is what clang-19 printed on stderr when `verify FILE.c` compiled a file. The error
// line it yields is the first line of bpfcarve's own diagnostic: always BadInput, and a located
// one names a non-empty file.
//
//===----------------------------------------------------------------------===//
#include "FuzzSupport.h"

#include "bpfcarve/verifier/Compiler.h"

using namespace bpfcarve;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  std::string Stderr(reinterpret_cast<const char *>(Data), Size);
  Failure F = verifier::failureFromClangOutput(Stderr, "clang-19 failed");
  fuzz::note(F.firstLine().substr(0, 200));
  if (F.kind != FailureKind::BadInput)
    fuzz::finding("failureFromClangOutput answered a failure that is not BadInput");
  if (F.line != 0 && F.file.empty())
    fuzz::finding("failureFromClangOutput located an error in no file");
  if (F.details != Stderr)
    fuzz::finding("failureFromClangOutput dropped clang's output from the details");
  return 0;
}
