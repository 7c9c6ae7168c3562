//===- CorpusManifest.h - reading the corpus manifest and its records -*- C++ -*-===//
//
// One reader of corpus/manifest.json and corpus/records/<release>.json
// (docs/corpus-manifest.md) for the `corpus` command and the corpus tests: the checks that make
// a file a manifest, and the compile command of one of its files on this machine.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "bpfcarve/toolchain/Result.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace bpfcarve::toolchain {

/// The manifest at Path: bad input when it is a directory, unreadable, not JSON, or has no
/// "files" array.
Result<nlohmann::json> readCorpusManifest(const std::string &Path);

/// layout.json of a fetched corpus (corpus/fetch.sh): where the sources are and the values of
/// the manifest's ${VAR} placeholders. An environment failure when there is none.
Result<nlohmann::json> readCorpusLayout(const std::string &CorpusDir);

/// S with every ${NAME} of the layout's vars replaced by its value.
std::string substituteCorpusVars(std::string S, const nlohmann::json &Layout);

/// The compile flags of a manifest's file entry: the manifest's common_flags, then the file's
/// own, placeholders resolved.
std::vector<std::string> corpusFileFlags(const nlohmann::json &Manifest, const nlohmann::json &File,
                                         const nlohmann::json &Layout);

/// The path of a file entry's source: the layout's source_root joined with its path.
std::string corpusSourcePath(const nlohmann::json &File, const nlohmann::json &Layout);

} // namespace bpfcarve::toolchain
