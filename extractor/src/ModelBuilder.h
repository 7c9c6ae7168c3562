//===- ModelBuilder.h - AST + preprocessor index -> ProgramModel -*- C++ -*-===//
#pragma once

#include "HeaderPolicy.h"
#include "PreprocessorIndex.h"
#include "bpfcarve/extractor/ProgramModel.h"

#include "clang/AST/ASTContext.h"

namespace bpfcarve::extractor {

/// Builds the model from a complete, error-free AST. `InputPath` is the main file's path as the
/// user gave it; display paths are made relative to its directory. Headers decides which
/// headers are the project's own.
void buildModel(clang::ASTContext &Ctx, const PreprocessorIndex &PP, const std::string &InputPath,
                const HeaderPolicy &Headers, ProgramModel &Model);

} // namespace bpfcarve::extractor
