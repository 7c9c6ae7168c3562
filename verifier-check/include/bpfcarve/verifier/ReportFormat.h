//===- ReportFormat.h - verify reports as a table, JSON and SARIF -*- C++ -*-===//
#pragma once

#include "bpfcarve/verifier/Loader.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace bpfcarve::verifier {

/// What `--packets` did with one program, as verify's JSON writes it ("test_run").
nlohmann::ordered_json testRunJson(const TestRunSummary &T);

/// A SARIF 2.1.0 log of one run of bpfcarve with these rules and results (verify's and ci's).
std::string sarifLog(const nlohmann::ordered_json &Rules, const nlohmann::ordered_json &Results);

/// veristat-like table: one row per program, then one line per failure with its location.
std::string reportText(const ObjectReport &R);
/// ARCHITECTURE.md's verify JSON (docs/schemas/verify.schema.json).
std::string reportJson(const ObjectReport &R);
/// SARIF 2.1.0: one result per failing program at its source location.
std::string reportSarif(const ObjectReport &R, const std::string &SourcePath);

/// A kernel of `verify --kernel`, as the report's "kernels" list names it.
struct KernelInfo {
  std::string name;        ///< as asked: host, 6.1, a path
  std::string release;     ///< uname -r of that kernel
  std::string package;     ///< "linux-image-6.1.0-50-cloud-amd64 6.1.176-1"; empty for host
  std::uint64_t bootMs = 0; ///< 0 for host
  std::string accelerator; ///< kvm or tcg; empty for host
};

/// One input verified on one kernel.
struct MatrixEntry {
  std::string file;    ///< the input as given
  std::string kernel;  ///< KernelInfo::name
  ObjectReport report;
};

/// `verify --reference-load`: an input loaded whole by the bare loader on one kernel.
struct ReferenceEntry {
  std::string file, kernel;
  WholeLoad load;
  std::uint64_t verifyUs = 0; ///< verify's own time for the same object there
};

/// `verify FILE... --kernel K,...`: every input on every kernel.
struct MatrixReport {
  std::vector<KernelInfo> kernels;
  std::vector<MatrixEntry> entries;
  std::vector<ReferenceEntry> references; ///< with --reference-load
};

/// The table with a kernel column (and a file column for several inputs), one summary line per
/// input and kernel.
std::string reportText(const MatrixReport &R);
/// verify's JSON with "file" and "kernel" on every program and a top-level "kernels" list.
std::string reportJson(const MatrixReport &R);
/// SARIF 2.1.0: one result per failing (program, kernel).
std::string reportSarif(const MatrixReport &R);

} // namespace bpfcarve::verifier
