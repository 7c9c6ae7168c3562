//===- HookRows.h - the rows behind the hook profiles -----------*- C++ -*-===//
//
// The measured data of each hook (HookRows.cpp) before HookProfile.cpp resolves it into
// HookProfile form. Private to verifier-check.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "bpfcarve/verifier/HookProfile.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace bpfcarve::verifier::rows {

/// A member of a ctx struct, without access rights (those depend on the hook).
struct FieldLayout {
  std::string_view name;
  std::uint32_t offset;
  std::uint32_t size;
  std::uint32_t count = 1;
};

/// Access rights of one hook over a layout: space-separated field names. Fields named in neither
/// list are neither readable nor writable.
struct Access {
  std::vector<std::string_view> read;
  std::vector<std::string_view> readWrite;
};

/// One row before its ctx access and helper list are resolved into HookProfile form.
struct HookRow {
  std::string_view name;
  std::vector<std::string_view> sections;
  std::string_view progTypeName;
  std::uint32_t progType = 0;
  std::string_view attachTypeName;
  std::optional<std::uint32_t> expectedAttachType;
  std::string_view probeTarget;
  std::string_view argsOf;
  bool typedArgs = false;
  std::string_view ctxStruct;
  std::span<const FieldLayout> layout;
  Access access;
  std::string_view ctxNote;
  PacketBase packetBase = PacketBase::None;
  PacketAccess packetAccess = PacketAccess::None;
  std::span<const ReturnCode> returnCodes;
  ReturnRange returnRange;
  bool lengthVerdict = false;
  TestRunRule testRun;
  std::span<const std::uint32_t> helpers;
  bool scalarKernelPointers = false;
  std::string_view notes;
};

/// Every hook's row, in the order of the CLI contract.
const std::vector<HookRow> &hookRows();

} // namespace bpfcarve::verifier::rows
