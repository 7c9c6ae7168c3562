//===- ProbeReport.h - `bpfcarve probe` output, text and JSON ----*- C++ -*-===//
//
// Renders a probe beside the static hook tables: one row per hook (helpers, readable and
// writable ctx fields as kernel/table, packet base and access, return range, test-run) and the
// list of disagreements. The JSON form is documented by docs/schemas/probe.schema.json.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "bpfcarve/verifier/HookComparison.h"
#include "bpfcarve/verifier/Probe.h"

#include <string>
#include <vector>

namespace bpfcarve::verifier {

/// A human-readable table with stable columns, then the disagreements (one per line).
/// `Comparisons` is compareWithProfiles(Probe).
std::string renderProbeText(const ProbeResult &Probe,
                            const std::vector<HookComparison> &Comparisons);

/// The machine form (docs/schemas/probe.schema.json), newline-terminated.
std::string renderProbeJson(const ProbeResult &Probe,
                            const std::vector<HookComparison> &Comparisons);

} // namespace bpfcarve::verifier
