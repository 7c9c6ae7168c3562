//===- ReplayMain.cpp - run a fuzz target over files, without libFuzzer ----------===//
//
// Usage: TARGET PATH...   (a PATH that is a directory contributes every file below it)
// Each file is passed once to LLVMFuzzerTestOneInput, in sorted order, its name printed first so
// that a crash names its input. Exit 0 when every input ran; 1 when no input was found (a replay
// of nothing proves nothing) or a path does not exist. A crash or abort ends the process.
//
//===----------------------------------------------------------------------===//
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size);

int main(int Argc, char **Argv) {
  namespace fs = std::filesystem;
  std::vector<fs::path> Files;
  for (int I = 1; I < Argc; ++I) {
    fs::path P = Argv[I];
    std::error_code EC;
    if (fs::is_directory(P, EC)) {
      for (const auto &E : fs::recursive_directory_iterator(P))
        if (E.is_regular_file())
          Files.push_back(E.path());
    } else if (fs::is_regular_file(P, EC)) {
      Files.push_back(P);
    } else {
      std::fprintf(stderr, "replay: no such file or directory: %s\n", Argv[I]);
      return 1;
    }
  }
  std::sort(Files.begin(), Files.end());
  if (Files.empty()) {
    std::fprintf(stderr, "replay: no inputs\n");
    return 1;
  }
  for (const fs::path &F : Files) {
    std::fprintf(stderr, "replay: %s\n", F.c_str());
    std::ifstream In(F, std::ios::binary);
    std::vector<char> Bytes((std::istreambuf_iterator<char>(In)), std::istreambuf_iterator<char>());
    // An exact-size heap buffer, as libFuzzer passes it.
    std::vector<uint8_t> Exact(Bytes.begin(), Bytes.end());
    Exact.shrink_to_fit();
    LLVMFuzzerTestOneInput(Exact.data(), Exact.size());
  }
  std::printf("replayed %zu inputs\n", Files.size());
  return 0;
}
