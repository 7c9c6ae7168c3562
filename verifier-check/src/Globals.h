//===- Globals.h - write values of global variables before a load -*- C++ -*-===//
#pragma once

#include "bpfcarve/toolchain/Result.h"
#include "bpfcarve/verifier/Loader.h"

struct bpf_object;

namespace bpfcarve::verifier {

/// Writes each (name, value) into the opened, not yet loaded object's image of the section that
/// holds the global `name` (.rodata for a `const volatile` knob), found by the object's BTF.
/// BadInput naming the variable when there is none of that name, it is not an integer, enum or
/// bool, or the value does not fit it. Where names the object in messages.
Result<bool> setGlobals(bpf_object *Obj, const GlobalValues &Values, const std::string &Where);

} // namespace bpfcarve::verifier
