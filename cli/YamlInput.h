//===- YamlInput.h - reading recipes and job files, errors at file:line -*- C++ -*-===//
//
// compose's recipes and ci's job files are YAML read with yaml-cpp. Every mistake is BadInput at
// the YAML's file:line:column (the node's mark), before anything runs or is written.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "bpfcarve/toolchain/Result.h"

#include <yaml-cpp/yaml.h>

#include <set>
#include <string>
#include <vector>

namespace bpfcarve::cli::yaml {

/// Where a node stands in File (1-based; the file's start when the node has no mark).
struct Location {
  std::string file;
  unsigned line = 0, column = 0;
};
Location at(const std::string &File, const YAML::Node &N);

Failure bad(const Location &L, const std::string &Message);

/// The document of File, or BadInput at a YAML syntax error's place ("YAML: ...").
Result<YAML::Node> load(const std::string &File);

/// BadInput at the first key of Map that is not one of Allowed, listing them. What names the
/// mapping ("a part", "a verify job").
Result<bool> onlyKeys(const std::string &File, const YAML::Node &Map,
                      const std::set<std::string> &Allowed, const std::string &What);

/// Map[Key] as a non-empty string; "" when absent and not Required.
Result<std::string> scalar(const std::string &File, const YAML::Node &Map, const std::string &Key,
                           bool Required);

/// Map[Key] as a list of strings (a single string is a list of one); empty when absent.
Result<std::vector<std::string>> stringList(const std::string &File, const YAML::Node &Map,
                                            const std::string &Key);

/// Map[Key] as true/false; Default when absent.
Result<bool> boolean(const std::string &File, const YAML::Node &Map, const std::string &Key,
                     bool Default);

/// A path written in File, relative to File's directory unless absolute.
std::string beside(const std::string &File, const std::string &Path);

/// A C identifier (what names parts and composed programs).
bool isIdentifier(const std::string &S);

} // namespace bpfcarve::cli::yaml
