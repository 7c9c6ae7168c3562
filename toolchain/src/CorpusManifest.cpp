//===- CorpusManifest.cpp --------------------------------------------------===//
#include "bpfcarve/toolchain/CorpusManifest.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace bpfcarve::toolchain {

using nlohmann::json;

Result<json> readCorpusManifest(const std::string &Path) {
  if (std::filesystem::is_directory(Path))
    return Failure::badInput("cannot read '" + Path + "': it is a directory");
  std::ifstream In(Path);
  if (!In)
    return Failure::badInput("cannot read '" + Path + "': " + std::strerror(errno));
  json M;
  try {
    M = json::parse(In);
  } catch (const json::parse_error &E) {
    return Failure::badInput("malformed corpus manifest '" + Path + "': " + E.what());
  }
  if (!M.is_object() || !M.contains("files") || !M["files"].is_array())
    return Failure::badInput("'" + Path + "' is not a corpus manifest (no \"files\" array)");
  return M;
}

Result<json> readCorpusLayout(const std::string &CorpusDir) {
  std::ifstream In(CorpusDir + "/layout.json");
  json Layout = In ? json::parse(In, nullptr, /*allow_exceptions=*/false) : json();
  if (!Layout.is_object())
    return Failure::environment("no corpus at '" + CorpusDir +
                                "' (run corpus/fetch.sh; it needs Debian's mirror)");
  return Layout;
}

std::string substituteCorpusVars(std::string S, const json &Layout) {
  if (!Layout.contains("vars"))
    return S;
  for (const auto &[Name, Value] : Layout["vars"].items()) {
    std::string Key = "${" + Name + "}";
    for (size_t P; (P = S.find(Key)) != std::string::npos;)
      S.replace(P, Key.size(), Value.get<std::string>());
  }
  return S;
}

std::vector<std::string> corpusFileFlags(const json &Manifest, const json &File,
                                         const json &Layout) {
  std::vector<std::string> Flags;
  auto Add = [&](const json &List) {
    if (List.is_array())
      for (const json &X : List)
        Flags.push_back(substituteCorpusVars(X.get<std::string>(), Layout));
  };
  Add(Manifest.value("common_flags", json::array()));
  Add(File.value("flags", json::array()));
  return Flags;
}

std::string corpusSourcePath(const json &File, const json &Layout) {
  return Layout.value("source_root", std::string()) + "/" + File.value("path", std::string());
}

} // namespace bpfcarve::toolchain
