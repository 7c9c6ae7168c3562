//===- ProbeJson.h - JSON pieces shared by the probe cache and report -*- C++ -*-===//
//
// Private to verifier-check: nlohmann/json stays out of the public headers.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "bpfcarve/verifier/HookProfile.h"
#include "bpfcarve/verifier/Probe.h"

#include <nlohmann/json.hpp>

namespace bpfcarve::verifier {

/// What was measured for one hook, without its identity (hook, prog type): the object under
/// "measured" in `bpfcarve probe --format json`, and the body of a hook in the cache file.
nlohmann::json measuredHookJson(const MeasuredHook &Hook);

/// The "kernel" object: release, btf_hash, libbpf, helper_id_max.
nlohmann::json kernelJson(const ProbeResult &Result);

} // namespace bpfcarve::verifier
