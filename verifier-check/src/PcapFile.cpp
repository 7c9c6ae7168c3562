//===- PcapFile.cpp - packets from pcap/pcapng files and gen:NAME, pcap writing -===//
#include "PacketBuilder.h"

#include "bpfcarve/verifier/Packets.h"

#include <pcap/pcap.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>

namespace bpfcarve::verifier {

namespace {

constexpr char GenPrefix[] = "gen:";

std::string baseName(const std::string &Path) {
  std::string B = std::filesystem::path(Path).filename().string();
  return B.empty() ? Path : B;
}

struct PcapCloser {
  void operator()(pcap_t *P) const { pcap_close(P); }
};

/// An Ethernet header carrying TYPE, for captures without one.
std::vector<uint8_t> syntheticEth(uint16_t Type) { return pkt::eth(Type); }

/// Ethernet type for a raw IP packet: by its version nibble (IPv4 unless it says 6).
uint16_t typeOfRawIp(const uint8_t *Data, size_t Len) {
  return Len > 0 && (Data[0] >> 4) == 6 ? pkt::EthIPv6 : pkt::EthIPv4;
}

} // namespace

Result<std::vector<Packet>> loadPackets(const std::string &Spec) {
  if (Spec.starts_with(GenPrefix))
    return generatePackets(Spec.substr(sizeof GenPrefix - 1));
  if (Spec.empty())
    return Failure::badInput("empty packet spec: give a pcap file or gen:NAME");

  std::error_code EC;
  if (std::filesystem::is_directory(Spec, EC))
    return Failure::badInput(Spec + ": is a directory, not a pcap file");
  FILE *F = std::fopen(Spec.c_str(), "rb");
  if (!F)
    return Failure::badInput("cannot open packet file " + Spec + ": " + std::strerror(errno));
  char Err[PCAP_ERRBUF_SIZE] = {};
  // On success pcap_close closes F; on failure it is still ours.
  std::unique_ptr<pcap_t, PcapCloser> P(pcap_fopen_offline(F, Err));
  if (!P) {
    std::fclose(F);
    return Failure::badInput(Spec + ": not a readable pcap or pcapng file: " + Err);
  }

  int Link = pcap_datalink(P.get());
  bool Raw = Link == DLT_RAW || Link == DLT_IPV4 || Link == DLT_IPV6;
  if (Link != DLT_EN10MB && !Raw && Link != DLT_LINUX_SLL && Link != DLT_LINUX_SLL2) {
    const char *LN = pcap_datalink_val_to_name(Link);
    return Failure::badInput(Spec + ": link type " + std::to_string(Link) + " (" +
                             (LN ? LN : "unknown") +
                             ") is not supported; need Ethernet (EN10MB), raw IP (RAW, IPV4, "
                             "IPV6) or Linux cooked (LINUX_SLL, LINUX_SLL2)");
  }

  std::vector<Packet> Out;
  std::string Base = baseName(Spec);
  for (size_t Index = 0;; ++Index) {
    long At = std::ftell(pcap_file(P.get()));
    std::string Where = Spec + ": record " + std::to_string(Index) +
                        (At >= 0 ? " at byte offset " + std::to_string(At) : std::string());
    pcap_pkthdr *H = nullptr;
    const u_char *Data = nullptr;
    int Rc = pcap_next_ex(P.get(), &H, &Data);
    if (Rc == PCAP_ERROR_BREAK)
      break; // end of file
    if (Rc != 1)
      return Failure::badInput(Where + ": " + pcap_geterr(P.get()));
    size_t Len = H->caplen;
    std::vector<uint8_t> Bytes;
    if (Link == DLT_EN10MB) {
      Bytes.assign(Data, Data + Len);
    } else if (Raw) {
      Bytes = syntheticEth(typeOfRawIp(Data, Len));
      Bytes.insert(Bytes.end(), Data, Data + Len);
    } else {
      // Linux cooked: the protocol (an ethertype) is at 14 in SLL (16-byte header), at 0 in
      // SLL2 (20-byte header).
      size_t Hl = Link == DLT_LINUX_SLL ? 16 : 20, ProtoAt = Link == DLT_LINUX_SLL ? 14 : 0;
      if (Len < Hl)
        return Failure::badInput(Where + ": " + std::to_string(Len) + " bytes, shorter than the " +
                                 std::to_string(Hl) + "-byte Linux cooked header");
      Bytes = syntheticEth(uint16_t(Data[ProtoAt] << 8 | Data[ProtoAt + 1]));
      Bytes.insert(Bytes.end(), Data + Hl, Data + Len);
    }
    Out.push_back({Base + "#" + std::to_string(Index), std::move(Bytes)});
  }
  if (Out.empty())
    return Failure::badInput(Spec + ": the capture holds no packets");
  return Out;
}

Result<bool> writePcap(const std::string &Path, const std::vector<Packet> &Packets) {
  std::string Bytes;
  auto le32 = [&](uint32_t V) {
    for (int I = 0; I < 4; ++I)
      Bytes.push_back(char((V >> (8 * I)) & 0xFF));
  };
  auto le16 = [&](uint16_t V) {
    Bytes.push_back(char(V & 0xFF));
    Bytes.push_back(char(V >> 8));
  };
  constexpr uint32_t SnapLen = 262144;
  le32(0xA1B2C3D4); // microsecond timestamps
  le16(2);
  le16(4);
  le32(0); // thiszone
  le32(0); // sigfigs
  le32(SnapLen);
  le32(DLT_EN10MB);
  for (size_t I = 0; I < Packets.size(); ++I) {
    const auto &B = Packets[I].bytes;
    if (B.size() > SnapLen)
      return Failure::badInput(Path + ": packet " + std::to_string(I) + " (" + Packets[I].name +
                               ") is " + std::to_string(B.size()) +
                               " bytes, more than the pcap "
                               "snap length " +
                               std::to_string(SnapLen));
    le32(uint32_t(I / 1000000));
    le32(uint32_t(I % 1000000));
    le32(uint32_t(B.size()));
    le32(uint32_t(B.size()));
    Bytes.append(reinterpret_cast<const char *>(B.data()), B.size());
  }

  namespace fs = std::filesystem;
  fs::path Target(Path);
  fs::path Dir = Target.has_parent_path() ? Target.parent_path() : fs::path(".");
  std::string Tmpl = (Dir / ("." + Target.filename().string() + ".tmp.XXXXXX")).string();
  std::vector<char> Name(Tmpl.begin(), Tmpl.end());
  Name.push_back('\0');
  int Fd = ::mkstemp(Name.data());
  if (Fd < 0)
    return Failure::badInput("cannot write " + Path + ": " + std::strerror(errno));
  std::string Tmp(Name.data());
  size_t Done = 0;
  while (Done < Bytes.size()) {
    ssize_t W = ::write(Fd, Bytes.data() + Done, Bytes.size() - Done);
    if (W < 0 && errno == EINTR)
      continue;
    if (W <= 0) {
      int E = errno;
      ::close(Fd);
      ::unlink(Tmp.c_str());
      return Failure::badInput("cannot write " + Path + ": " + std::strerror(E));
    }
    Done += size_t(W);
  }
  // mkstemp creates 0600; a saved capture is an ordinary user file.
  ::fchmod(Fd, 0644);
  if (::close(Fd) != 0) {
    int E = errno;
    ::unlink(Tmp.c_str());
    return Failure::badInput("cannot write " + Path + ": " + std::strerror(E));
  }
  if (::rename(Tmp.c_str(), Path.c_str()) != 0) {
    int E = errno;
    ::unlink(Tmp.c_str());
    return Failure::badInput("cannot write " + Path + ": " + std::strerror(E));
  }
  return true;
}

} // namespace bpfcarve::verifier
