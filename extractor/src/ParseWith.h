//===- ParseWith.h - the frontend with another action ---------------*- C++ -*-===//
#pragma once

#include "bpfcarve/extractor/Frontend.h"

#include "clang/Frontend/FrontendAction.h"

#include <functional>
#include <memory>

namespace bpfcarve::extractor {

/// Parses O.file with the flags, virtual files and diagnostics buildProgramModel uses, running
/// the action Make returns; the action sets Completed when its consumer saw a whole translation
/// unit without errors. The first error diagnostic fails with BadInput.
Result<bool>
parseWithAction(const ParseOptions &O,
                const std::function<std::unique_ptr<clang::FrontendAction>(bool &Completed)> &Make);

} // namespace bpfcarve::extractor
