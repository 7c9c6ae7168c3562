//===- Emitter.cpp - a Slice as one self-contained C file -----------------===//
#include "bpfcarve/extractor/Emitter.h"

#include "llvm/ADT/StringRef.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <set>

namespace bpfcarve::extractor {

namespace {

enum class UnitKind { Include, Directive, Decl };

struct Unit {
  std::vector<unsigned> key; ///< translation-unit order
  std::string file;          ///< display path
  unsigned begin = 0, end = 0;
  unsigned line = 0;
  UnitKind kind = UnitKind::Decl;
  std::string text; ///< generated text (a forward declaration) instead of [begin, end)
  /// Lines around it: the `#pragma clang section text="..."` a program is placed with.
  std::string before, after;
};

bool isSpace(char C) {
  return C == ' ' || C == '\t' || C == '\n' || C == '\r' || C == '\f' || C == '\v';
}

/// Extends [Begin, ...) backwards over the comment attached to a declaration: comments that end
/// on the line right before it (or on its own line), consecutive `//` lines included; a blank
/// line detaches. Never goes below Floor.
unsigned withLeadingComment(const std::string &Text, unsigned Begin, unsigned Floor) {
  unsigned Cur = Begin;
  while (true) {
    unsigned P = Cur;
    // Skip horizontal space and at most one newline.
    while (P > Floor && (Text[P - 1] == ' ' || Text[P - 1] == '\t'))
      --P;
    if (P > Floor && Text[P - 1] == '\n') {
      --P;
      if (P > Floor && Text[P - 1] == '\r')
        --P;
    }
    while (P > Floor && (Text[P - 1] == ' ' || Text[P - 1] == '\t'))
      --P;
    if (P >= Floor + 2 && Text[P - 1] == '/' && Text[P - 2] == '*') {
      size_t Open = Text.rfind("/*", P - 2);
      if (Open == std::string::npos || Open < Floor)
        return Cur;
      // The comment must start a line (only blanks before it on its line).
      size_t LineStart = Text.rfind('\n', Open);
      LineStart = LineStart == std::string::npos ? 0 : LineStart + 1;
      if (Text.find_first_not_of(" \t", LineStart) != Open)
        return Cur;
      Cur = static_cast<unsigned>(LineStart);
      continue;
    }
    // A `//` comment line: the text from its line start must begin with //.
    size_t LineStart = P == 0 ? 0 : Text.rfind('\n', P - 1);
    LineStart = LineStart == std::string::npos ? 0 : LineStart + 1;
    if (LineStart < Floor || P == LineStart)
      return Cur;
    size_t First = Text.find_first_not_of(" \t", LineStart);
    if (First + 1 < P && Text.compare(First, 2, "//") == 0) {
      Cur = static_cast<unsigned>(LineStart);
      continue;
    }
    return Cur;
  }
}

/// Extends [..., End) forward over a comment that starts on the declaration's last line, when
/// only blanks follow the comment on the line where it ends; never beyond Ceiling. The span of
/// a macro stops at its last token, which would lose the comment in
///   #define ip4_src			__bpf_htonl(0xac100164) /* 172.16.1.100 */
unsigned withTrailingComment(const std::string &Text, unsigned End, unsigned Ceiling) {
  Ceiling = std::min<unsigned>(Ceiling, static_cast<unsigned>(Text.size()));
  unsigned P = End;
  while (P < Ceiling && (Text[P] == ' ' || Text[P] == '\t'))
    ++P;
  if (P + 1 >= Ceiling || Text[P] != '/')
    return End;
  size_t CommentEnd;
  if (Text[P + 1] == '/') {
    CommentEnd = Text.find('\n', P);
    if (CommentEnd == std::string::npos)
      CommentEnd = Text.size();
    if (CommentEnd > P && Text[CommentEnd - 1] == '\r')
      --CommentEnd;
  } else if (Text[P + 1] == '*') {
    CommentEnd = Text.find("*/", P + 2);
    if (CommentEnd == std::string::npos)
      return End;
    CommentEnd += 2;
  } else {
    return End;
  }
  if (CommentEnd > Ceiling)
    return End;
  size_t Rest = Text.find_first_not_of(" \t", CommentEnd);
  if (Rest != std::string::npos && Text[Rest] != '\n' && Text[Rest] != '\r')
    return End; // more code on that line: the comment is about what follows
  return static_cast<unsigned>(CommentEnd);
}

bool onlySpaceBetween(const std::string &Text, unsigned From, unsigned To) {
  for (unsigned I = From; I < To && I < Text.size(); ++I)
    if (!isSpace(Text[I]))
      return false;
  return true;
}

/// Whether a comment states a licence or copyright.
bool namesALicence(llvm::StringRef Comment) {
  return Comment.contains("SPDX-License-Identifier") || Comment.contains_insensitive("copyright") ||
         Comment.contains_insensitive("licence") || Comment.contains_insensitive("license");
}

unsigned lineOf(const std::string &Text, unsigned Offset) {
  return 1 + static_cast<unsigned>(std::count(Text.begin(), Text.begin() + Offset, '\n'));
}

/// The slice's text, in steps: the includes that stay, the declaration units, co-located
/// units merged, attached comments, the conditional directives around what is kept, render.
class SliceEmitter {
public:
  SliceEmitter(const ProgramModel &M, const Slice &S, const EmitOptions &O) : M(M), S(S), O(O) {
    for (const SourceFile &F : M.files)
      if (F.origin != Origin::System)
        Files[F.path] = &F;
    for (const Global &G : M.globals)
      if (G.isExtern)
        ExternGlobals.insert(G.id);
  }

  std::string emit() {
    addIncludes();
    addDeclarations();
    balanceConditionals();
    mergeUnits();
    attachComments();
    addConditionals();
    return leadingComment() + render();
  }

private:
  bool isLocalFile(const std::string &Path) const {
    auto It = Files.find(Path);
    return It != Files.end() && It->second->origin == Origin::Local;
  }
  /// Text of a local header stays in that header with --keep-local-includes.
  bool staysInLocalHeader(const std::string &Path) const {
    return O.keepLocalIncludes && isLocalFile(Path);
  }
  const std::string &textOf(const std::string &Path) const { return Files.at(Path)->text; }

  void addUnit(const SourceSpan &Sp, UnitKind K) {
    if (!Sp.valid() || !Files.count(Sp.file))
      return;
    Units.push_back({M.orderKey(Sp.file, Sp.beginOffset),
                     Sp.file,
                     Sp.beginOffset,
                     Sp.endOffset,
                     Sp.beginLine,
                     K,
                     {},
                     {},
                     {}});
  }

  /// Which includes stay: the slice's (those that provide kept system entities, and the system
  /// includes before them in the same file: Slice.cpp), and with --keep-local-includes the
  /// includes of local headers that kept entities come from, with the system includes before
  /// those.
  void addIncludes() {
    std::set<std::string> KeptIncludes, LocalKept;
    for (const Include &I : M.includes)
      if (S.has(I.id))
        KeptIncludes.insert(I.id);
    if (O.keepLocalIncludes)
      for (const auto &[Id, Spans] : M.spans)
        if (S.has(Id))
          for (const SourceSpan &Sp : Spans)
            if (isLocalFile(Sp.file))
              for (const Include &I : M.includes)
                if (I.resolved == Files.at(Sp.file)->absPath) {
                  LocalKept.insert(I.id);
                  break;
                }
    KeptIncludes.insert(LocalKept.begin(), LocalKept.end());
    for (const Include &Needed : M.includes) {
      if (!LocalKept.count(Needed.id))
        continue;
      for (const Include &Before : M.includes)
        if (Before.from == Needed.from && Before.line < Needed.line &&
            Before.headerClass != "local")
          KeptIncludes.insert(Before.id);
    }
    for (const Include &I : M.includes) {
      if (!KeptIncludes.count(I.id))
        continue;
      if (I.headerClass == "local" && !O.keepLocalIncludes)
        continue; // its declarations are copied instead
      if (staysInLocalHeader(I.from))
        continue; // the local header keeps its own includes
      size_t Before = Units.size();
      addUnit(I.directive, UnitKind::Include);
      if (Units.size() > Before)
        if (std::optional<std::string> Text = respelt(I))
          Units.back().text = *Text;
    }
  }

  /// The directive of I spelt for the output's directory, when I was found beside its
  /// including file and that file's directory is not the output's: `#include "../inc/x.h"` of
  /// /p/src/a.c stays `"../inc/x.h"` in /p/out/b.c and becomes `"../p/inc/x.h"` in /tmp/b.c.
  std::optional<std::string> respelt(const Include &I) const {
    if (I.besideIncluder.empty())
      return std::nullopt;
    namespace fs = std::filesystem;
    std::error_code OutEC, HeaderEC;
    fs::path OutDir = fs::weakly_canonical(O.outputDir.empty() ? M.inputDir : O.outputDir, OutEC);
    fs::path Header(I.besideIncluder);
    fs::path HeaderDir = fs::weakly_canonical(Header.parent_path(), HeaderEC);
    if (OutEC || HeaderEC || HeaderDir.empty() || OutDir.empty())
      return std::nullopt;
    fs::path Rel = (HeaderDir / Header.filename()).lexically_relative(OutDir);
    std::string Name = llvm::StringRef(I.spelled).drop_front().drop_back().str();
    std::string New = Rel.empty() ? (HeaderDir / Header.filename()).string() : Rel.string();
    if (New == Name)
      return std::nullopt;
    const std::string &Text = textOf(I.directive.file);
    std::string Line =
        Text.substr(I.directive.beginOffset, I.directive.endOffset - I.directive.beginOffset);
    size_t At = Line.find(I.spelled);
    if (At == std::string::npos)
      return std::nullopt;
    return Line.replace(At, I.spelled.size(), "\"" + New + "\"");
  }

  /// Whether the text at Sp is shared with an entity other than Id that is kept whole.
  bool overlapsKeptText(const std::string &Id, const SourceSpan &Sp) const {
    for (const KeptEntity &K : S.kept) {
      if (K.id == Id || S.declarationOnly.count(K.id))
        continue;
      if (auto It = M.spans.find(K.id); It != M.spans.end())
        for (const SourceSpan &X : It->second)
          if (X.file == Sp.file && X.beginOffset < Sp.endOffset && Sp.beginOffset < X.endOffset)
            return true;
    }
    return false;
  }

  void addDeclarations() {
    std::map<std::string, const TypeEntity *> Types;
    for (const TypeEntity &T : M.types)
      Types[T.id] = &T;
    for (const KeptEntity &K : S.kept) {
      auto It = M.spans.find(K.id);
      if (It == M.spans.end())
        continue;
      auto T = Types.find(K.id);
      if (S.declarationOnly.count(K.id) && T != Types.end() && T->second->complete &&
          !overlapsKeptText(K.id, T->second->decl)) {
        addForwardDeclaration(*T->second, It->second);
        continue;
      }
      for (const SourceSpan &Sp : spansToEmit(K.id, It->second))
        if (!staysInLocalHeader(Sp.file)) {
          addUnit(Sp, UnitKind::Decl);
          placeByPragma(K.id, Units.back());
        }
    }
  }

  /// A function the input places with `#pragma clang section text="xdp"` is placed so again:
  /// the pragma lines are not part of any entity's text.
  void placeByPragma(const std::string &Id, Unit &U) {
    if (!PragmaPlaced) {
      PragmaPlaced.emplace();
      for (const Function &F : M.functions)
        if (F.sectionFromPragma && F.body.valid())
          PragmaPlaced->emplace(F.id, &F);
    }
    auto It = PragmaPlaced->find(Id);
    if (It != PragmaPlaced->end() && contains(U, It->second->body)) {
      U.before = "#pragma clang section text=\"" + It->second->section + "\"\n";
      U.after = "\n#pragma clang section text=\"\"";
    }
  }
  static bool contains(const Unit &U, const SourceSpan &S) {
    return U.file == S.file && U.begin <= S.beginOffset && S.endOffset <= U.end;
  }

  /// Whether Sp shares text with an entity other than Id that is not kept.
  bool overlapsDroppedText(const std::string &Id, const SourceSpan &Sp) const {
    for (const auto &[Other, Spans] : M.spans) {
      if (Other == Id || S.has(Other))
        continue;
      for (const SourceSpan &X : Spans)
        if (X.file == Sp.file && X.beginOffset < Sp.endOffset && Sp.beginOffset < X.endOffset)
          return true;
    }
    return false;
  }

  /// Which of an entity's declarations to copy. An extern variable declared several times needs
  /// one declaration, and one written inside another entity's macro expansion copies that whole
  /// expansion. libbpf's BPF_KSYSCALL(name, ...) declares
  /// `extern _Bool LINUX_HAS_SYSCALL_WRAPPER __kconfig;` in every program it writes: a kept
  /// program's own expansion declares it; another program's would leave a bare
  /// `BPF_KSYSCALL(other, ...)` line. So: the declarations inside kept text when there are some,
  /// else those that share text with nothing dropped, else all.
  std::vector<SourceSpan> spansToEmit(const std::string &Id,
                                      const std::vector<SourceSpan> &Spans) const {
    if (Spans.size() < 2 || !ExternGlobals.count(Id))
      return Spans;
    std::vector<SourceSpan> Inside, Free;
    for (const SourceSpan &Sp : Spans) {
      if (overlapsKeptText(Id, Sp))
        Inside.push_back(Sp);
      else if (!overlapsDroppedText(Id, Sp))
        Free.push_back(Sp);
    }
    if (!Inside.empty())
      return Inside;
    return Free.empty() ? Spans : Free;
  }

  /// A record kept code only points to needs no more than `struct foo;`: the input's own
  /// forward declarations of it where it has some, else one written where its definition was.
  /// Unless the definition shares its text with something kept whole
  /// (`typedef struct foo {...} foo_t;`).
  void addForwardDeclaration(const TypeEntity &T, const std::vector<SourceSpan> &Spans) {
    bool Written = false;
    for (const SourceSpan &Sp : Spans)
      if (!sameSpan(Sp, T.decl) && !staysInLocalHeader(Sp.file)) {
        addUnit(Sp, UnitKind::Decl);
        Written = true;
      }
    if (!Written && T.decl.valid() && Files.count(T.decl.file) &&
        !staysInLocalHeader(T.decl.file)) {
      addUnit(T.decl, UnitKind::Decl);
      Units.back().end = Units.back().begin;
      Units.back().text = T.kind + " " + T.name + ";";
    }
  }

  /// Co-located declarations share text; a declaration inside another's text is part of it.
  void mergeUnits() {
    std::sort(Units.begin(), Units.end(), [](const Unit &A, const Unit &B) {
      return A.key != B.key ? A.key < B.key : A.end > B.end;
    });
    std::vector<Unit> Merged;
    for (Unit &U : Units) {
      if (!Merged.empty() && Merged.back().file == U.file && U.begin < Merged.back().end &&
          U.text.empty()) {
        Merged.back().end = std::max(Merged.back().end, U.end);
        continue;
      }
      Merged.push_back(U);
    }
    Units = std::move(Merged);
  }

  /// A declaration whose text crosses a conditional directive takes the whole conditional:
  ///   #ifdef WANT_WIDE
  ///   static int classify(struct xdp_md *ctx, __u64 flags)
  ///   #else
  ///   static int classify(struct xdp_md *ctx)
  ///   #endif
  ///   { ... }
  /// The definition's text starts in the branch the parse took and its head ends past #endif:
  /// copied as is it is "#endif without #if". With every branch the copy compiles under the
  /// input's flags whichever branch they choose. Repeated: a widened unit may cross another.
  void balanceConditionals() {
    for (Unit &U : Units) {
      if (U.kind != UnitKind::Decl || !U.text.empty())
        continue;
      for (bool Changed = true; Changed;) {
        Changed = false;
        for (const Conditional &C : M.conditionals) {
          if (C.file != U.file || (C.region.beginOffset >= U.begin && C.region.endOffset <= U.end))
            continue;
          for (const SourceSpan &D : C.directives)
            if (D.beginOffset >= U.begin && D.beginOffset < U.end) {
              U.begin = std::min(U.begin, C.region.beginOffset);
              U.end = std::max(U.end, C.region.endOffset);
              U.line = lineOf(textOf(U.file), U.begin);
              U.key = M.orderKey(U.file, U.begin);
              Changed = true;
              break;
            }
        }
      }
    }
  }

  /// Attached comments, never reaching into the previous or next unit of the same file.
  void attachComments() {
    for (size_t I = 0; I < Units.size(); ++I) {
      Unit &U = Units[I];
      if (U.kind != UnitKind::Decl || !U.text.empty())
        continue;
      const std::string &Text = textOf(U.file);
      auto Ceiling = static_cast<unsigned>(Text.size());
      for (size_t J = I + 1; J < Units.size(); ++J)
        if (Units[J].file == U.file) {
          Ceiling = Units[J].begin;
          break;
        }
      U.end = withTrailingComment(Text, U.end, Ceiling);
      unsigned Floor = 0;
      for (size_t J = I; J-- > 0;)
        if (Units[J].file == U.file) {
          Floor = Units[J].end;
          break;
        }
      U.begin = withLeadingComment(Text, U.begin, Floor);
      U.line = lineOf(Text, U.begin);
    }
  }

  /// Conditional directives around kept declarations, where the region holds at least one unit
  /// and none of its directives falls inside a unit (then it is part of that unit's text).
  void addConditionals() {
    std::vector<Unit> Directives;
    for (const Conditional &C : M.conditionals) {
      if (!Files.count(C.file) || staysInLocalHeader(C.file) || !C.includeGuard.empty())
        continue;
      bool Holds = false, Inside = false;
      for (const Unit &U : Units) {
        if (U.file != C.file)
          continue;
        if (U.begin >= C.region.beginOffset && U.end <= C.region.endOffset)
          Holds = true;
        for (const SourceSpan &D : C.directives)
          if (D.beginOffset >= U.begin && D.beginOffset < U.end)
            Inside = true;
      }
      if (!Holds || Inside)
        continue;
      for (const SourceSpan &D : C.directives)
        Directives.push_back({M.orderKey(D.file, D.beginOffset),
                              D.file,
                              D.beginOffset,
                              D.endOffset,
                              D.beginLine,
                              UnitKind::Directive,
                              {},
                              {},
                              {}});
    }
    Units.insert(Units.end(), Directives.begin(), Directives.end());
    std::sort(Units.begin(), Units.end(), [](const Unit &A, const Unit &B) {
      return A.key != B.key ? A.key < B.key : A.kind < B.kind;
    });
  }

  /// The input's leading licence comment always stays: of the comments from the file's first
  /// line up to the first blank line or code, those up to the last one that states a licence (an
  /// SPDX line, a copyright, a licence text), followed by a blank line. A description of the
  /// whole file after it (`// SPDX-License-Identifier: GPL-2.0` then `/* tracer.bpf.c - a process
  /// tracer ... */`) documents no kept declaration and goes. Nothing when a kept declaration's
  /// attached comment already starts there.
  std::string leadingComment() const {
    const SourceFile *Main = nullptr;
    for (const auto &[Path, F] : Files)
      if (F->origin == Origin::Main)
        Main = F;
    if (!Main)
      return "";
    const std::string &Text = Main->text;
    size_t P = 0, End = 0;
    while (P < Text.size()) {
      size_t First = Text.find_first_not_of(" \t", P);
      size_t CommentStart = First;
      if (First == std::string::npos || Text.compare(First, 2, "//") != 0) {
        if (First == std::string::npos || Text.compare(First, 2, "/*") != 0)
          break;
        size_t Close = Text.find("*/", First + 2);
        if (Close == std::string::npos)
          break;
        P = Close + 2;
      } else {
        P = Text.find('\n', First);
        P = P == std::string::npos ? Text.size() : P;
      }
      if (namesALicence(llvm::StringRef(Text).slice(CommentStart, P)))
        End = P;
      // Only blanks may follow on the comment's last line; then the next line.
      size_t Eol = Text.find_first_not_of(" \t\r", P);
      if (Eol != std::string::npos && Text[Eol] != '\n')
        return "";
      P = Eol == std::string::npos ? Text.size() : Eol + 1;
    }
    if (End == 0)
      return "";
    for (const Unit &U : Units)
      if (U.file == Main->path && U.begin < End)
        return "";
    return Text.substr(0, End) + "\n\n";
  }

  std::string render() const {
    std::string Out;
    const Unit *PrevDecl = nullptr;
    std::optional<UnitKind> Prev;
    for (const std::string &Line : O.extraIncludes) {
      Out += Line + "\n";
      Prev = UnitKind::Include;
    }
    for (const Unit &U : Units) {
      const std::string &Text = textOf(U.file);
      std::string Body = U.text.empty() ? Text.substr(U.begin, U.end - U.begin) : U.text;
      // Declarations that follow each other in the input keep its spacing (a run of #defines
      // stays a run); others get a blank line between them, as does the block of includes;
      // directives hug what they guard.
      bool Adjacent = U.kind == UnitKind::Decl && PrevDecl && PrevDecl->file == U.file &&
                      PrevDecl->end <= U.begin && onlySpaceBetween(Text, PrevDecl->end, U.begin) &&
                      U.text.empty();
      bool Tight = Adjacent && *Prev == UnitKind::Decl &&
                   std::count(Text.begin() + PrevDecl->end, Text.begin() + U.begin, '\n') < 2;
      if (Prev && !Tight &&
          ((U.kind == UnitKind::Decl && *Prev == UnitKind::Decl) ||
           (U.kind != UnitKind::Include && *Prev == UnitKind::Include)))
        Out += "\n";
      Out += U.before; // the pragma first: the `from` comment stays next to its declaration
      if (U.kind == UnitKind::Decl) {
        if (!Adjacent && !Body.starts_with("/* from "))
          Out += "/* from " + U.file + ":" + std::to_string(U.line) +
                 (U.text.empty() ? "" : ", declaration only") + " */\n";
        PrevDecl = U.text.empty() ? &U : nullptr;
      }
      Out += Body + U.after;
      Out += "\n";
      Prev = U.kind;
    }
    return Out;
  }

  const ProgramModel &M;
  const Slice &S;
  const EmitOptions &O;
  std::map<std::string, const SourceFile *> Files;
  std::set<std::string> ExternGlobals;
  std::vector<Unit> Units;
  /// Functions the input places with `#pragma clang section text=`, by id (placeByPragma).
  std::optional<std::map<std::string, const Function *>> PragmaPlaced;
};

} // namespace

std::string emitSlice(const ProgramModel &M, const Slice &S, const EmitOptions &O) {
  return SliceEmitter(M, S, O).emit();
}

std::string sliceManifestJson(const ProgramModel &M, const Slice &S, const std::string &Output) {
  using nlohmann::ordered_json;
  // Where each kept entity is: its last span, else its declaration. Only kept ids are looked
  // up (the model holds every entity of the headers too: `extract --each` asks per slice).
  std::map<std::string, const SourceSpan *> Where;
  for (const KeptEntity &K : S.kept)
    if (auto It = M.spans.find(K.id); It != M.spans.end() && !It->second.empty())
      Where[K.id] = &It->second.back();
  auto add = [&](const std::string &Id, const SourceSpan &Span) {
    if (S.keptIds.count(Id))
      Where.emplace(Id, &Span);
  };
  for (const Function &F : M.functions)
    add(F.id, F.decl);
  for (const Map &Mp : M.maps)
    add(Mp.id, Mp.decl);
  for (const Global &G : M.globals)
    add(G.id, G.decl);
  for (const TypeEntity &T : M.types)
    add(T.id, T.decl);
  for (const Macro &Mc : M.macros)
    add(Mc.id, Mc.decl);
  for (const Include &I : M.includes)
    add(I.id, I.directive);

  ordered_json J;
  J["selection"] = S.selection.describe();
  J["input"] = M.mainFile;
  J["output"] = Output;
  J["seeds"] = S.seeds;
  ordered_json Kept = ordered_json::array();
  for (const KeptEntity &K : S.kept) {
    ordered_json Why = ordered_json::array();
    for (const auto &[Edge, From] : K.why)
      Why.push_back({{"edge", Edge}, {"from", From}});
    auto It = Where.find(K.id);
    std::string At = It != Where.end() && It->second->valid()
                         ? It->second->file + ":" + std::to_string(It->second->beginLine)
                         : "";
    ordered_json Entry = {
        {"id", K.id}, {"kind", K.kind}, {"origin", originName(K.origin)}, {"at", At}, {"why", Why}};
    if (S.declarationOnly.count(K.id))
      Entry["declaration_only"] = true;
    Kept.push_back(std::move(Entry));
  }
  J["kept"] = Kept;
  J["warnings"] = S.warnings;
  return J.dump(2) + "\n";
}

} // namespace bpfcarve::extractor
