//===- FuzzPackets.cpp - the pcap/pcapng reader and the layer decoder -----------===//
//
// The input is used twice: as a capture file (written to a private temporary directory and read
// with loadPackets, every frame then decoded), and as one raw frame decoded from L2 and from L3.
// Each decoded buffer is a heap copy of exactly its size, so AddressSanitizer sees any read past
// its end. The layers must cover the buffer in order, without overlap, within its bounds.
//
//===----------------------------------------------------------------------===//
#include "FuzzSupport.h"

#include "bpfcarve/toolchain/TempDir.h"
#include "bpfcarve/verifier/Packets.h"

#include <cstring>
#include <memory>
#include <optional>

using namespace bpfcarve;
using namespace bpfcarve::verifier;

namespace {

void checkLayers(const std::vector<Layer> &L, size_t Size) {
  size_t End = 0;
  for (const Layer &X : L) {
    if (X.offset < End || X.offset > Size || X.length > Size - X.offset)
      fuzz::finding("layer '" + X.name + "' at " + std::to_string(X.offset) + "+" +
                    std::to_string(X.length) + " overlaps or leaves a " + std::to_string(Size) +
                    "-byte buffer");
    End = X.offset + X.length;
  }
}

void decode(const uint8_t *Data, size_t Size) {
  // An exact-size heap copy: the decoder gets no slack to read into unnoticed.
  std::unique_ptr<uint8_t[]> Copy(new uint8_t[Size ? Size : 1]);
  if (Size)
    std::memcpy(Copy.get(), Data, Size);
  for (Base B : {Base::L2, Base::L3}) {
    std::vector<Layer> L = decodeLayers(Copy.get(), Size, B);
    checkLayers(L, Size);
    (void)layerPath(L);
    if (Size)
      (void)layerAt(L, Size / 2);
  }
}

const std::string &capturePath() {
  static std::optional<toolchain::TempDir> Dir;
  static std::string Path;
  if (Path.empty()) {
    auto D = toolchain::TempDir::create("bpfcarve-fuzz-packets");
    if (!D) {
      std::fprintf(stderr, "%s\n", D.failure().firstLine().c_str());
      std::exit(2);
    }
    Dir.emplace(D.take());
    Path = Dir->path() + "/input.pcap";
  }
  return Path;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  decode(Data, Size);

  {
    std::ofstream Out(capturePath(), std::ios::binary | std::ios::trunc);
    Out.write(reinterpret_cast<const char *>(Data), static_cast<std::streamsize>(Size));
  }
  auto P = loadPackets(capturePath());
  fuzz::note(P ? std::to_string(P->size()) + " packets" : P.failure().firstLine());
  if (!P) {
    if (P.failure().kind != FailureKind::BadInput)
      fuzz::finding("loadPackets: " + P.failure().firstLine());
    return 0;
  }
  const std::vector<uint8_t> *Prev = nullptr;
  for (const Packet &Pk : *P) {
    decode(Pk.bytes.data(), Pk.bytes.size());
    if (Prev) {
      (void)firstDifference(*Prev, Pk.bytes, Base::L2);
      (void)describeDifference(*Prev, Pk.bytes, Base::L2);
      (void)describeDifference(*Prev, Pk.bytes, Base::L3);
    }
    Prev = &Pk.bytes;
  }
  return 0;
}
