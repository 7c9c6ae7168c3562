//===- ReportFormat.h - verify reports as a table, JSON and SARIF -*- C++ -*-===//
#pragma once

#include "bpfcarve/verifier/Loader.h"

#include <string>

namespace bpfcarve::verifier {

/// veristat-like table: one row per program, then one line per failure with its location.
std::string reportText(const ObjectReport &R);
/// ARCHITECTURE.md's verify JSON (docs/schemas/verify.schema.json).
std::string reportJson(const ObjectReport &R);
/// SARIF 2.1.0: one result per failing program at its source location.
std::string reportSarif(const ObjectReport &R, const std::string &SourcePath);

} // namespace bpfcarve::verifier
