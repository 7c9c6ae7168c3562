//===- OutputFile.h - atomic writes of results ---------------------*- C++ -*-===//
#pragma once

#include "bpfcarve/toolchain/Result.h"

#include <string>
#include <vector>

namespace bpfcarve::toolchain {

/// Writes Text to Path through a temporary file in the same directory renamed over Path: readers
/// see the old file or the new one, never a partial one, and a failure leaves no file behind.
/// An unwritable directory is BadInput naming the path.
Result<bool> writeFileAtomically(const std::string &Path, const std::string &Text);

/// BadInput, with writeFileAtomically's message, when Path could not be written now (its
/// directory is missing, not a directory or not writable, or Path is a directory). Commands
/// with several outputs check all of them first, so a bad path fails before any is written.
Result<bool> checkWritable(const std::string &Path);

/// BadInput when Output names the same file as one of Inputs (also through links), so that an
/// input is never overwritten.
Result<bool> refuseOverwritingInput(const std::string &Output,
                                    const std::vector<std::string> &Inputs);

/// Path's whole contents, bytes as they are. Environment failure naming Path when it cannot be
/// read.
Result<std::string> readWholeFile(const std::string &Path);

/// The absolute directory Path is written in (relative paths are taken from the current one).
std::string directoryOf(const std::string &Path);

} // namespace bpfcarve::toolchain
