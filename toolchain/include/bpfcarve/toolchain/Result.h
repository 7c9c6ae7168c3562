//===- Result.h - errors as values until the CLI boundary -------*- C++ -*-===//
//
// Every library function that can fail returns Result<T>. A Failure carries what the CLI needs to
// print the one first line of ARCHITECTURE.md (`file:line:col: error: msg` or
// `bpfcarve: error: msg`) and to pick the exit code; `details` holds the long form (clang's full
// diagnostics, a verifier log) that is printed only with -v.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace bpfcarve {

/// Exit codes of the CLI contract; when several apply the CLI picks by priority 4 > 2 > 1 > 3.
enum class FailureKind {
  Rejected = 1,    ///< the kernel rejected a program, a rewrite was refused, behaviour differs
  BadInput = 2,    ///< bad usage or input: parse error, unknown name, unreadable file
  Environment = 3, ///< this machine cannot do it: no privileges, no BTF, no clang-19
  Internal = 4,    ///< a bug in bpfcarve
};

struct Failure {
  FailureKind kind = FailureKind::Internal;
  std::string message;
  std::string file; ///< empty when the failure has no source location
  unsigned line = 0;
  unsigned column = 0;
  std::string details;

  static Failure badInput(std::string message, std::string file = {}, unsigned line = 0,
                          unsigned column = 0) {
    return {FailureKind::BadInput, std::move(message), std::move(file), line, column, {}};
  }
  static Failure environment(std::string message) {
    return {FailureKind::Environment, std::move(message), {}, 0, 0, {}};
  }
  static Failure internal(std::string message) {
    return {FailureKind::Internal, std::move(message), {}, 0, 0, {}};
  }

  /// The first line printed on stderr for this failure.
  std::string firstLine() const {
    if (file.empty() || line == 0)
      return "bpfcarve: error: " + message;
    return file + ":" + std::to_string(line) + ":" + std::to_string(column ? column : 1) +
           ": error: " + message;
  }
  int exitCode() const { return static_cast<int>(kind); }
};

template <typename T> class [[nodiscard]] Result {
public:
  Result(T value) : V(std::move(value)) {}
  Result(Failure failure) : V(std::move(failure)) {}

  explicit operator bool() const { return std::holds_alternative<T>(V); }
  T &operator*() { return std::get<T>(V); }
  const T &operator*() const { return std::get<T>(V); }
  T *operator->() { return &std::get<T>(V); }
  const T *operator->() const { return &std::get<T>(V); }
  const Failure &failure() const { return std::get<Failure>(V); }
  T take() { return std::move(std::get<T>(V)); }

private:
  std::variant<T, Failure> V;
};

} // namespace bpfcarve
