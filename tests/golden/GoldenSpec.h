//===- GoldenSpec.h - the strict readers of golden expectation files -*- C++ -*-===//
//
// Every golden runner reads its expectations through this header, and an annotation or JSON key
// the runner does not know is an error naming the file and the key: a misspelt `// KEPP:` or
// "absnet" would otherwise be an expectation silently dropped, and the case would pass while
// checking less than it says.
//   tests/golden/extract/*.bpf.c   `// ARGS|KEEP|DROP|VERIFY: ...`          GoldenExtractTest.cpp
//   tests/golden/retarget/*.c      `// ARGS|KEEP|DROP|REFUSE|DIFFRUN: ...`  GoldenRetargetTest.cpp
//   tests/golden/corpus/*.json     {"functionality", "file", "args", "kept": {KIND: [...]},
//                                   "absent": {KIND: [...]}, "notes"}       CorpusGoldenTest.cpp
//   bpf-samples/*/carve-targets.json  the keys SampleCarveTest.cpp documents  SampleCarveTest.cpp
// An annotation is a line `// KEY: value` with KEY in upper case (letters, digits, '_'), at the
// start of the line; other comments, with or without a colon, are the input's own.
// GoldenSpecTest.cpp feeds each reader an unknown key and reads every committed golden file.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <nlohmann/json.hpp>

#include <cctype>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace bpfcarve::golden {

/// One `// KEY: value` line.
struct Annotation {
  std::string key, value;
  unsigned line = 0; ///< 1-based
};

inline std::string keyList(const std::set<std::string> &Known) {
  std::string Out;
  for (const std::string &K : Known)
    Out += (Out.empty() ? "" : ", ") + K;
  return Out;
}

/// The KEY of an annotation line (`// KEY: value` or `// KEY:` at the end), else nullopt.
inline std::optional<std::string> annotationKey(const std::string &Line) {
  if (Line.rfind("// ", 0) != 0)
    return std::nullopt;
  size_t I = 3;
  while (I < Line.size() && (std::isupper(static_cast<unsigned char>(Line[I])) ||
                             std::isdigit(static_cast<unsigned char>(Line[I])) || Line[I] == '_'))
    ++I;
  if (I == 3 || !std::isupper(static_cast<unsigned char>(Line[3])) || I >= Line.size() ||
      Line[I] != ':' || (I + 1 < Line.size() && Line[I + 1] != ' '))
    return std::nullopt;
  return Line.substr(3, I - 3);
}

/// Text without its annotation lines. An output carries the input's leading comment, and in a
/// golden input that comment holds the annotations: their patterns must not match themselves.
inline std::string withoutAnnotations(const std::string &Text) {
  std::string Out;
  size_t P = 0;
  while (P < Text.size()) {
    size_t E = Text.find('\n', P);
    E = E == std::string::npos ? Text.size() : E + 1;
    std::string Line = Text.substr(P, E - P);
    std::string Bare = Line;
    while (!Bare.empty() && (Bare.back() == '\n' || Bare.back() == '\r'))
      Bare.pop_back();
    if (!annotationKey(Bare))
      Out += Line;
    P = E;
  }
  return Out;
}

/// The annotations of Text in order. A key outside Known sets Error to
/// "FILE:LINE: unknown annotation 'KEY:' (RUNNER knows A, B, ...)" and ends the reading.
inline std::vector<Annotation> readAnnotations(const std::string &Text, const std::string &File,
                                               const std::string &Runner,
                                               const std::set<std::string> &Known,
                                               std::string &Error) {
  std::vector<Annotation> Out;
  std::stringstream SS(Text);
  unsigned N = 0;
  for (std::string Line; std::getline(SS, Line);) {
    ++N;
    auto Key = annotationKey(Line);
    if (!Key)
      continue;
    if (!Known.count(*Key)) {
      Error = File + ":" + std::to_string(N) + ": unknown annotation '" + *Key + ":' (" + Runner +
              " knows " + keyList(Known) + ")";
      return Out;
    }
    size_t Colon = 3 + Key->size();
    Out.push_back({*Key, Colon + 2 <= Line.size() ? Line.substr(Colon + 2) : "", N});
  }
  return Out;
}

inline std::vector<std::string> words(const std::string &S) {
  std::vector<std::string> Out;
  std::stringstream SS(S);
  for (std::string W; SS >> W;)
    Out.push_back(W);
  return Out;
}

/// tests/golden/extract/*.bpf.c (GoldenExtractTest.cpp).
struct ExtractSpec {
  std::vector<std::string> args;
  std::vector<std::string> keep, drop;
  bool verify = false;
  std::string error; ///< empty when the file is a valid spec
};

inline ExtractSpec readExtractSpec(const std::string &Text, const std::string &File) {
  ExtractSpec S;
  for (const Annotation &A : readAnnotations(Text, File, "the extract golden runner",
                                             {"ARGS", "KEEP", "DROP", "VERIFY"}, S.error)) {
    if (A.key == "ARGS") {
      for (std::string &W : words(A.value))
        S.args.push_back(std::move(W));
    } else if (A.key == "KEEP") {
      S.keep.push_back(A.value);
    } else if (A.key == "DROP") {
      S.drop.push_back(A.value);
    } else if (A.key == "VERIFY") {
      if (A.value != "pass") {
        S.error = File + ":" + std::to_string(A.line) + ": VERIFY takes 'pass', not '" + A.value +
                  "'";
        return S;
      }
      S.verify = true;
    }
  }
  return S;
}

/// tests/golden/retarget/*.c (GoldenRetargetTest.cpp). ${DIR} in DIFFRUN arguments is Dir.
struct RetargetSpec {
  std::vector<std::string> args, keep, drop;
  std::string refuse;
  std::vector<std::vector<std::string>> diffRuns; ///< the arguments of each DIFFRUN line
  std::string error;                             ///< empty when the file is a valid spec
};

inline RetargetSpec readRetargetSpec(const std::string &Text, const std::string &File,
                                     const std::string &Dir) {
  RetargetSpec S;
  for (const Annotation &A :
       readAnnotations(Text, File, "the retarget golden runner",
                       {"ARGS", "KEEP", "DROP", "REFUSE", "DIFFRUN"}, S.error)) {
    std::string At = File + ":" + std::to_string(A.line) + ": ";
    if (A.key == "ARGS") {
      for (std::string &W : words(A.value))
        S.args.push_back(std::move(W));
    } else if (A.key == "KEEP") {
      S.keep.push_back(A.value);
    } else if (A.key == "DROP") {
      S.drop.push_back(A.value);
    } else if (A.key == "REFUSE") {
      if (!S.refuse.empty()) {
        S.error = At + "a second REFUSE line (one refusal per case)";
        return S;
      }
      S.refuse = A.value;
    } else if (A.key == "DIFFRUN") {
      std::vector<std::string> W = words(A.value);
      if (W.empty() || W.front() != "pass") {
        S.error = At + "DIFFRUN takes 'pass' and then diff-run arguments, not '" + A.value + "'";
        return S;
      }
      W.erase(W.begin());
      for (std::string &Arg : W)
        if (size_t P = Arg.find("${DIR}"); P != std::string::npos)
          Arg.replace(P, 6, Dir);
      S.diffRuns.push_back(std::move(W));
    }
  }
  return S;
}

/// tests/golden/corpus/*.json (CorpusGoldenTest.cpp): the keys of the object, and the entity
/// kinds under "kept" and "absent". Empty when all are known, else
/// "FILE: unknown key 'K' (the corpus golden runner knows A, B, ...)".
inline std::string corpusSpecError(const nlohmann::json &Spec, const std::string &File) {
  static const std::set<std::string> Keys = {"functionality", "file", "args",
                                             "kept",          "absent", "notes"};
  static const std::set<std::string> Kinds = {"function", "map", "global", "macro", "type"};
  if (!Spec.is_object())
    return File + ": not a JSON object";
  for (const auto &[Key, Value] : Spec.items())
    if (!Keys.count(Key))
      return File + ": unknown key '" + Key + "' (the corpus golden runner knows " +
             keyList(Keys) + ")";
  for (const char *Group : {"kept", "absent"}) {
    auto It = Spec.find(Group);
    if (It == Spec.end())
      continue;
    if (!It->is_object())
      return File + ": \"" + Group + "\" is not an object of KIND: [names]";
    for (const auto &[Kind, Names] : It->items())
      if (!Kinds.count(Kind))
        return File + ": unknown key '" + Group + "." + Kind + "' (entity kinds: " +
               keyList(Kinds) + ")";
  }
  return "";
}

/// The member K of O, or nullptr (no insertion, no assertion on a missing key).
inline const nlohmann::json *member(const nlohmann::json &O, const char *K) {
  if (!O.is_object())
    return nullptr;
  auto It = O.find(K);
  return It == O.end() ? nullptr : &*It;
}

/// bpf-samples/*/carve-targets.json (SampleCarveTest.cpp, whose header documents each key): every
/// object's keys, down to the harness results of a diff-run's exercised_by. Keys whose names are
/// data (verdict names, harness argument paths, harness result fields) are not checked. Empty
/// when all are known, else "FILE: unknown key 'PATH' (known there: A, B, ...)"; a target is
/// named by its id in PATH. Types and values are the runner's business.
inline std::string carveTargetsError(const nlohmann::json &Doc, const std::string &File) {
  using nlohmann::json;
  std::string Error;
  auto Check = [&](const json *O, const std::string &Path, const std::set<std::string> &Keys) {
    if (!Error.empty() || !O || !O->is_object())
      return;
    for (const auto &[Key, Value] : O->items())
      if (!Keys.count(Key)) {
        Error = File + ": unknown key '" + Path + Key + "' (known there: " + keyList(Keys) + ")";
        return;
      }
  };
  auto Diff = [&](const json *D, const std::string &Path) {
    Check(D, Path + ".",
          {"packets", "maps", "harness_args", "nondeterministic", "per_frame_maps",
           "exercised_by"});
    const json *X = D ? member(*D, "exercised_by") : nullptr;
    Check(X, Path + ".exercised_by.",
          {"why", "verdicts", "min_distinct_verdicts", "maps_changed", "harness_results"});
    if (const json *R = X ? member(*X, "harness_results") : nullptr; R && R->is_object())
      for (const auto &[Field, Want] : R->items())
        Check(&Want, Path + ".exercised_by.harness_results." + Field + ".",
              {"values", "min_distinct", "nonzero"});
  };
  Check(&Doc, "", {"$comment", "source", "seed", "targets"});
  const json *Targets = member(Doc, "targets");
  for (size_t I = 0; Targets && Targets->is_array() && I < Targets->size(); ++I) {
    const json &T = (*Targets)[I];
    const json *Id = member(T, "id");
    std::string P = "targets[" + (Id && Id->is_string() ? Id->get<std::string>()
                                                         : std::to_string(I)) + "]";
    Check(&T, P + ".",
          {"id", "row", "functions", "flags", "extract", "verify", "diff_run", "retargets",
           "carve", "known_bugs", "not_retargetable"});
    Check(member(T, "extract"), P + ".extract.",
          {"function", "program", "harness", "expect", "error", "why"});
    Check(member(T, "verify"), P + ".verify.", {"expect", "class", "why"});
    Diff(member(T, "diff_run"), P + ".diff_run");
    if (const json *Bugs = member(T, "known_bugs"); Bugs && Bugs->is_array())
      for (size_t B = 0; B < Bugs->size(); ++B)
        Check(&(*Bugs)[B], P + ".known_bugs[" + std::to_string(B) + "].",
              {"stage", "symptom", "bug"});
    const json *Retargets = member(T, "retargets");
    for (size_t R = 0; Retargets && Retargets->is_array() && R < Retargets->size(); ++R) {
      const json &Rt = (*Retargets)[R];
      std::string RP = P + ".retargets[" + std::to_string(R) + "]";
      Check(&Rt, RP + ".",
            {"to", "direction", "allow_approx", "program", "readme", "expect", "refusal", "error",
             "rewrites", "verify", "diff_run", "why"});
      Check(member(Rt, "verify"), RP + ".verify.", {"expect", "class", "why"});
      Diff(member(Rt, "diff_run"), RP + ".diff_run");
    }
  }
  return Error;
}

} // namespace bpfcarve::golden
