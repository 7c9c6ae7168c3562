//===- Kernels.cpp - resolve, fetch and cache the kernels of --kernel -----===//
#include "bpfcarve/verifier/Kernels.h"

#include "bpfcarve/toolchain/Process.h"
#include "bpfcarve/toolchain/TempDir.h"
#include "bpfcarve/toolchain/Toolchain.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

namespace bpfcarve::verifier {

namespace fs = std::filesystem;

namespace {

std::string trim(std::string S) {
  while (!S.empty() && std::isspace(static_cast<unsigned char>(S.back())))
    S.pop_back();
  size_t B = 0;
  while (B < S.size() && std::isspace(static_cast<unsigned char>(S[B])))
    ++B;
  return S.substr(B);
}

/// Where a package is unpacked: cacheDir()/kernels/<package>_<version>.
fs::path packageDir(const KernelImage &K) {
  return fs::path(toolchain::cacheDir()) / "kernels" / (K.package + "_" + K.version);
}

/// dpkg's own order of two versions (`dpkg --compare-versions A gt B`).
bool versionGreater(const std::string &A, const std::string &B) {
  auto R = toolchain::runProcess({"dpkg", "--compare-versions", A, "gt", B});
  return R && R->exitCode == 0;
}

/// Finds the kernel image and modules in an unpacked linux-image package.
Result<KernelImage> imageIn(const fs::path &Root, KernelImage K) {
  std::error_code EC;
  for (const auto &E : fs::directory_iterator(Root / "boot", EC)) {
    std::string Name = E.path().filename().string();
    if (Name.rfind("vmlinuz-", 0) == 0) {
      K.vmlinuz = E.path().string();
      K.release = Name.substr(8);
    }
  }
  if (K.vmlinuz.empty())
    return Failure::badInput("package " + K.package + " " + K.version +
                             " holds no boot/vmlinuz-*: not a kernel image package");
  fs::path Modules = Root / "lib" / "modules" / K.release;
  if (fs::is_directory(Modules, EC))
    K.modulesDir = Modules.string();
  return K;
}

/// Unpacks Deb (whose control fields name Package and Version) into the cache once. It is
/// unpacked into a temporary directory beside its final place, then renamed: concurrent or
/// interrupted runs never see a half-unpacked tree, and Ctrl-C leaves nothing behind.
Result<KernelImage> unpackCached(const std::string &Deb, KernelImage K) {
  fs::path Dir = packageDir(K);
  std::error_code EC;
  if (fs::is_directory(Dir / "boot", EC))
    return imageIn(Dir, std::move(K));
  fs::create_directories(Dir.parent_path(), EC);
  auto Scratch = toolchain::TempDir::createIn(Dir.parent_path().string(), ".unpack");
  if (!Scratch)
    return Scratch.failure();
  fs::path Tree = fs::path(Scratch->path()) / "tree";
  toolchain::ProcessOptions PO;
  PO.killWithParent = true;
  auto X = toolchain::runProcess({"dpkg-deb", "-x", Deb, Tree.string()}, PO);
  if (!X)
    return X.failure();
  if (!X->ok())
    return Failure::environment("cannot unpack " + Deb + ": " + toolchain::lastLines(X->err, 3));
  fs::rename(Tree, Dir, EC); // fails when another run unpacked it first: then theirs is used
  return imageIn(Dir, std::move(K));
}

/// The control fields of a .deb.
Result<std::pair<std::string, std::string>> debIdentity(const std::string &Deb) {
  auto F = toolchain::runProcess({"dpkg-deb", "-f", Deb, "Package", "Version"});
  if (!F)
    return F.failure();
  if (!F->ok())
    return Failure::badInput("'" + Deb +
                             "' is not a Debian package: " + toolchain::lastLines(F->err, 1));
  std::string Package, Version;
  std::istringstream In(F->out);
  for (std::string Line; std::getline(In, Line);) {
    if (Line.rfind("Package:", 0) == 0)
      Package = trim(Line.substr(8));
    else if (Line.rfind("Version:", 0) == 0)
      Version = trim(Line.substr(8));
  }
  if (Package.empty() || Version.empty())
    return Failure::badInput("'" + Deb + "' names no Package and Version");
  return std::make_pair(Package, Version);
}

using ProgressFn = std::function<void(const std::string &)>;

Result<KernelImage> resolveSeries(const std::string &Series, const ProgressFn &Progress) {
  auto Names = toolchain::runProcess({"apt-cache", "pkgnames", "linux-image-" + Series + "."});
  if (!Names)
    return Names.failure();
  std::vector<std::string> All;
  std::istringstream In(Names->out);
  for (std::string Line; std::getline(In, Line);)
    All.push_back(trim(Line));
  std::vector<std::string> Candidates = seriesPackages(Series, All);
  if (Candidates.empty())
    return Failure::environment("kernel " + Series + ": the apt lists of this machine offer no " +
                                "linux-image-" + Series + ".*-cloud-amd64 package (apt-get " +
                                "update, or name a linux-image-*.deb)");
  std::vector<std::string> Show = {"apt-cache", "show", "--no-all-versions"};
  Show.insert(Show.end(), Candidates.begin(), Candidates.end());
  auto Fields = toolchain::runProcess(Show);
  if (!Fields)
    return Fields.failure();
  KernelImage K;
  K.name = Series;
  std::string Package;
  std::istringstream Records(Fields->out);
  for (std::string Line; std::getline(Records, Line);) {
    if (Line.rfind("Package:", 0) == 0)
      Package = trim(Line.substr(8));
    else if (Line.rfind("Version:", 0) == 0 && !Package.empty()) {
      std::string Version = trim(Line.substr(8));
      if (K.version.empty() || versionGreater(Version, K.version)) {
        K.package = Package;
        K.version = Version;
      }
    }
  }
  if (K.package.empty())
    return Failure::environment("kernel " + Series + ": apt knows " + Candidates.front() +
                                " but offers no version of it");
  // Already unpacked: no download (unpackCached would say the same, after one).
  fs::path Dir = packageDir(K);
  std::error_code EC;
  if (fs::is_directory(Dir / "boot", EC))
    return imageIn(Dir, std::move(K));
  fs::create_directories(Dir.parent_path(), EC);
  auto Scratch = toolchain::TempDir::createIn(Dir.parent_path().string(), ".download");
  if (!Scratch)
    return Scratch.failure();
  if (Progress)
    Progress("fetching " + K.package + " " + K.version + " (apt-get download, once; cached in " +
             Dir.parent_path().string() + ")");
  toolchain::ProcessOptions PO;
  PO.cwd = Scratch->path();
  PO.killWithParent = true;
  auto Got = toolchain::runProcess({"apt-get", "download", "-q", K.package + "=" + K.version}, PO);
  if (!Got)
    return Got.failure();
  std::string Deb;
  for (const auto &E : fs::directory_iterator(Scratch->path(), EC))
    if (E.path().extension() == ".deb")
      Deb = E.path().string();
  if (!Got->ok() || Deb.empty())
    return Failure::environment("kernel " + Series + ": apt-get download " + K.package + "=" +
                                K.version +
                                " failed: " + toolchain::lastLines(Got->err + Got->out, 3));
  return unpackCached(Deb, std::move(K));
}

} // namespace

bool isKernelSeries(const std::string &Name) {
  static const std::regex Series(R"([0-9]+\.[0-9]+)");
  return std::regex_match(Name, Series);
}

std::vector<std::string> seriesPackages(const std::string &Series,
                                        const std::vector<std::string> &Candidates) {
  // linux-image-6.1.0-50-cloud-amd64, linux-image-6.12.118+deb12-cloud-amd64; not
  // linux-image-6.12-... (a meta package of another series' name) nor -dbg / -unsigned.
  std::string Escaped = std::regex_replace(Series, std::regex(R"(\.)"), R"(\.)");
  std::regex Image("linux-image-" + Escaped + R"(\.[0-9]+[-+][A-Za-z0-9.+-]*-cloud-amd64)");
  std::vector<std::string> Out;
  for (const std::string &C : Candidates)
    if (std::regex_match(C, Image))
      Out.push_back(C);
  return Out;
}

Result<std::vector<std::string>> splitKernelList(const std::string &List) {
  std::vector<std::string> Out;
  std::string Item;
  std::istringstream In(List);
  while (std::getline(In, Item, ',')) {
    Item = trim(Item);
    if (Item.empty())
      return Failure::badInput("--kernel '" + List + "': an empty kernel name");
    if (std::find(Out.begin(), Out.end(), Item) == Out.end())
      Out.push_back(Item);
  }
  if (Out.empty())
    return Failure::badInput("--kernel needs a kernel: host, a Debian series (6.1), a "
                             "linux-image-*.deb or a vmlinuz");
  return Out;
}

Result<KernelImage> resolveKernel(const std::string &Name, const ProgressFn &Progress) {
  KernelImage K;
  K.name = Name;
  if (Name == "host") {
    K.host = true;
    return K;
  }
  if (isKernelSeries(Name))
    return resolveSeries(Name, Progress);
  std::error_code EC;
  if (!fs::is_regular_file(Name, EC))
    return Failure::badInput("--kernel " + Name +
                             ": neither host, a Debian series such as 6.1, nor a readable "
                             "linux-image-*.deb or vmlinuz file");
  if (Name.size() > 4 && Name.compare(Name.size() - 4, 4, ".deb") == 0) {
    auto Id = debIdentity(Name);
    if (!Id)
      return Id.failure();
    K.package = Id->first;
    K.version = Id->second;
    return unpackCached(fs::absolute(Name).string(), std::move(K));
  }
  K.vmlinuz = fs::absolute(Name).string();
  return K;
}

} // namespace bpfcarve::verifier
