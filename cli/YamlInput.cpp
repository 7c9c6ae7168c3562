//===- YamlInput.cpp - reading recipes and job files, errors at file:line -===//
#include "YamlInput.h"

#include "bpfcarve/toolchain/OutputFile.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

namespace bpfcarve::cli::yaml {

Location at(const std::string &File, const YAML::Node &N) {
  YAML::Mark M = N.Mark();
  if (M.is_null())
    return {File, 1, 1};
  return {File, static_cast<unsigned>(M.line + 1), static_cast<unsigned>(M.column + 1)};
}

Failure bad(const Location &L, const std::string &Message) {
  return Failure::badInput(Message, L.file, L.line, L.column);
}

Result<YAML::Node> load(const std::string &File) {
  auto Text = toolchain::readWholeFile(File);
  if (!Text)
    return Failure::badInput(Text.failure().message, File);
  try {
    return YAML::Load(*Text);
  } catch (const YAML::Exception &E) {
    return bad(
        {File, static_cast<unsigned>(E.mark.line + 1), static_cast<unsigned>(E.mark.column + 1)},
        "YAML: " + E.msg);
  }
}

Result<bool> onlyKeys(const std::string &File, const YAML::Node &Map,
                      const std::set<std::string> &Allowed, const std::string &What) {
  for (const auto &KV : Map) {
    std::string K = KV.first.IsScalar() ? KV.first.Scalar() : std::string("?");
    if (!KV.first.IsScalar() || !Allowed.count(K)) {
      std::string List;
      for (const std::string &A : Allowed)
        List += (List.empty() ? "" : ", ") + A;
      return bad(at(File, KV.first),
                 "unknown key '" + K + "' in " + What + " (keys: " + List + ")");
    }
  }
  return true;
}

Result<std::string> scalar(const std::string &File, const YAML::Node &Map, const std::string &Key,
                           bool Required) {
  YAML::Node N = Map[Key];
  if (!N) {
    if (Required)
      return bad(at(File, Map), "missing key '" + Key + "'");
    return std::string();
  }
  if (!N.IsScalar() || N.Scalar().empty())
    return bad(at(File, N), "'" + Key + "' must be a non-empty string");
  return N.Scalar();
}

Result<std::vector<std::string>> stringList(const std::string &File, const YAML::Node &Map,
                                            const std::string &Key) {
  std::vector<std::string> Out;
  YAML::Node N = Map[Key];
  if (!N)
    return Out;
  if (N.IsScalar()) {
    Out.push_back(N.Scalar());
    return Out;
  }
  if (!N.IsSequence())
    return bad(at(File, N), "'" + Key + "' must be a list of strings");
  for (const YAML::Node &X : N) {
    if (!X.IsScalar())
      return bad(at(File, X), "'" + Key + "' must be a list of strings");
    Out.push_back(X.Scalar());
  }
  return Out;
}

Result<bool> boolean(const std::string &File, const YAML::Node &Map, const std::string &Key,
                     bool Default) {
  YAML::Node N = Map[Key];
  if (!N)
    return Default;
  bool V = false;
  if (!N.IsScalar() || !YAML::convert<bool>::decode(N, V))
    return bad(at(File, N), "'" + Key + "' is true or false");
  return V;
}

std::string beside(const std::string &File, const std::string &Path) {
  if (std::filesystem::path(Path).is_absolute())
    return Path;
  return (std::filesystem::path(File).parent_path() / Path).lexically_normal().string();
}

bool isIdentifier(const std::string &S) {
  if (S.empty() || std::isdigit(static_cast<unsigned char>(S[0])))
    return false;
  return std::all_of(S.begin(), S.end(), [](char C) {
    return std::isalnum(static_cast<unsigned char>(C)) || C == '_';
  });
}

} // namespace bpfcarve::cli::yaml
