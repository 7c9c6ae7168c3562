//===- ProgramModel.h - one parse of a BPF C file, as plain data -*- C++ -*-===//
//
// Everything later stages need to know about a BPF C translation unit, with no Clang types: the
// programs, functions, maps, globals, types, macros and includes, and a typed reference graph
// between them. Source positions are kept as file offsets so emission and rewriting can copy
// the original text without re-parsing.
//
// Entity ids are `kind:name@file:line` (ARCHITECTURE.md). `file` is relative to the input's
// directory when below it, absolute otherwise. Entities from system, libbpf or vmlinux.h headers
// are in the model only when code of the file's own (main or local) files references them.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "bpfcarve/toolchain/Result.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace bpfcarve::extractor {

/// Where a declaration comes from. System covers system headers, libbpf and vmlinux.h.
enum class Origin { Main, Local, System };
const char *originName(Origin O);

/// A half-open byte range [begin, end) in one file, plus its line/column span for people.
struct SourceSpan {
  std::string file; ///< display path (relative to the input directory when below it)
  unsigned beginOffset = 0, endOffset = 0;
  unsigned beginLine = 0, beginColumn = 0, endLine = 0, endColumn = 0;
  bool valid() const { return beginLine != 0; }
  unsigned lineCount() const { return valid() ? endLine - beginLine + 1 : 0; }
};

/// Whether A and B are the same piece of text: both valid, same file, same offsets.
inline bool sameSpan(const SourceSpan &A, const SourceSpan &B) {
  return A.valid() && B.valid() && A.file == B.file && A.beginOffset == B.beginOffset &&
         A.endOffset == B.endOffset;
}

enum class AccessKind { Read, Write, ReadWrite };
const char *accessName(AccessKind K);

struct HelperCall {
  std::string name;
  int helperId = -1; ///< BPF_FUNC_* number, -1 for kfuncs
  bool kfunc = false;
  SourceSpan site;
  /// The call where its text is written (see CtxAccess::written); invalid when no one range of
  /// a file holds it.
  SourceSpan written;
  SourceSpan callee;              ///< the helper's name token, where it is spelled
  /// Each argument where it is written (inside a macro argument: that text, not the whole macro
  /// call); the expansion range when no one range of a file holds it.
  std::vector<SourceSpan> args;
  std::vector<std::string> argTexts; ///< the text of `args`
  /// The id of the map an argument names (`&lb_map`, `lb_map`, through casts); empty when no
  /// argument names one.
  std::string map;
  std::vector<std::optional<long long>> argValues; ///< when an argument is a constant
  /// Per argument: +1 known non-negative (a positive constant, an unsigned value, sizeof), -1
  /// known non-positive (minus one of those), 0 unknown.
  std::vector<int> argSigns;
};

/// A token of the function's text that names something a retargeting may have to change: an
/// enumerator (XDP_PASS) or a record type name (xdp_md), at its spelling location (inside a
/// macro body when it was written there).
struct TokenRef {
  std::string name;   ///< the enumerator or record name
  std::string parent; ///< the enum's name for enumerators; empty for records
  SourceSpan spelled;
  bool inMacroBody = false; ///< spelled in a #define (editing it changes the macro)
};

struct CtxAccess {
  std::string record; ///< xdp_md, __sk_buff, ...
  std::string field;
  AccessKind access = AccessKind::Read;
  SourceSpan site;   ///< the member expression, at its expansion location
  /// The member expression where its text is written, the range an edit replaces: at the use
  /// site; inside a macro argument, also of a macro nested in another's argument
  /// (`fw_count(X, skb->len)`: `skb->len`, not the whole call); a whole macro invocation that
  /// expands to exactly the access (`PKT_LEN(skb)`); or in a macro body when the access is
  /// written there entirely. Invalid when it is written partly in a macro body and partly in an
  /// argument (`skb->FIELD` in a macro body, FIELD an argument): no one text to replace.
  SourceSpan written;
  SourceSpan member; ///< the field name token, where it is spelled
  /// The base expression as written where `written` is (`ctx`, `c`, `((struct xdp_md *)p)`)
  std::string base;
};

struct ReturnSite {
  SourceSpan site;                ///< the returned expression (or the `return` when empty)
  std::string text;               ///< the expression as written
  std::optional<long long> value; ///< when it is a constant expression
  /// The enumerators and macros the expression names (`XDP_DROP`, `TC_ACT_SHOT`, and the
  /// project's `#define DROP TC_ACT_SHOT` with what it expands to), sorted.
  std::vector<std::string> names;
};

/// A function parameter, described for generating calls (the harness) without Clang types.
/// A pointer inside a record a parameter passes (`buf_t *pkt` with `uint8_t *head`), found
/// through nested records and unions: the harness builds such a record on its stack and points
/// each of these where a parameter of the same type would point.
struct PointerMember {
  std::string path;          ///< member path from the record: "head", "ip.ipv4"
  std::string name;          ///< the member's own name: "ipv4"
  std::string type;          ///< the member's type as printed: "struct iphdr *"
  std::string pointeeRecord; ///< name of the record pointed to, "" otherwise
  /// Storage for the pointee with `@` for the name ("struct iphdr @", "__u8 @"); "" when the
  /// pointee is void, incomplete, a pointer or a function.
  std::string storage;
  /// The first pointer member of the pointee record ("" when it is plain data or no record).
  std::string pointeePointerMember;
  /// The ctx field (data, data_end, data_meta) this member is set from somewhere in the file,
  /// directly or through a local initialised from it: `.tail = (uint8_t *)(long)skb->data_end`;
  /// "ctx" for a program's ctx (`.ctx = ctx`); "map:NAME" for a map's address (`.map = &NAME`),
  /// "map:A,B" when the file sets it to several (filledFromMaps).
  std::string filledFrom;
  std::string unionPath; ///< path of the innermost union it is a member of, "" when none
  bool isConst = false;  ///< the member itself is const (`uint8_t *const tail`)
  bool inArray = false;  ///< inside an array (an array of pointers): not synthesised
};

/// The maps of a PointerMember::filledFrom "map:A,B" (each map the file sets the member to,
/// sorted); none for any other source.
inline std::vector<std::string> filledFromMaps(const std::string &FilledFrom) {
  std::vector<std::string> Out;
  if (FilledFrom.rfind("map:", 0) != 0)
    return Out;
  for (size_t At = 4, Comma; At <= FilledFrom.size(); At = Comma + 1) {
    Comma = FilledFrom.find(',', At);
    if (Comma == std::string::npos)
      Comma = FilledFrom.size();
    Out.push_back(FilledFrom.substr(At, Comma - At));
  }
  return Out;
}

struct Param {
  enum class Shape {
    Scalar,          ///< integer, enum, bool: passed by value
    Record,          ///< struct/union by value
    PointerToObject, ///< T * with T complete and not void (arrays decay to this)
    VoidPointer,     ///< void *
    VoidPointerPointer, ///< void **
    PointerToPointerToObject, ///< T ** with T complete and not void (an out-parameter)
    FunctionPointer,
    Other,           ///< pointer to an incomplete type, pointer to pointer, ...
  };
  std::string name;
  std::string type;        ///< as the AST prints it (decayed)
  Shape shape = Shape::Other;
  std::string pointeeRecord; ///< for pointers to records: the record's name (xdp_md)
  /// For pointers to records: the first member (nested records and arrays included) that is a
  /// pointer, "" when the record is plain data.
  std::string pointeePointerMember;
  /// A declaration of storage for the value (Scalar, Record) or the pointee (PointerToObject,
  /// the original array type when the parameter was written as one), with `@` standing for the
  /// declared name: `__u32 @`, `struct flow_key @`, `__u8 @[16]`. For PointerToPointerToObject,
  /// the innermost pointee (`struct real_definition @` for `struct real_definition **`).
  std::string storage;
  /// For records (by value or pointed to) that hold pointers: every pointer member.
  std::vector<PointerMember> pointerMembers;
  /// For integers: the pointer parameters the function adds this one to (`data + off`: "data").
  std::vector<std::string> offsetOf;
  /// For integers: every value the callers pass (at most 8), when every call site passes a
  /// constant, directly or through a parameter of its own it does not change; empty when one
  /// does not or the function has no caller.
  std::vector<long long> callerValues;
  /// The same, counting only the calls inside functions that programs of one libbpf program
  /// type ("xdp", "sched_cls") reach, where that differs: `bool xdp` is {1} for "xdp".
  std::map<std::string, std::vector<long long>> callerValuesByProgramType;
  /// Where the callers' values are not a short list but a bounded loop's counter
  /// (`for (int i = 0; i < STROBE_MAX_INTS; ++i) read_int_var(cfg, i, ...)`), the range every
  /// caller stays in, as [first, last]; constants count as one-value ranges.
  std::optional<std::pair<long long, long long>> callerRange;
  /// For pointers: the size in bytes of the largest object a caller passes (`eth->h_source`: 6,
  /// `&tuple`: sizeof tuple), when every call site passes one of known size; 0 otherwise.
  unsigned long long callerObjectBytes = 0;
  /// ... and every one of those objects is a local of its caller's (`&data`, a local array):
  /// stack memory, whatever the parameter's name says.
  bool callerStackObjects = false;
  unsigned long long pointeeBytes = 0; ///< PointerToObject: sizeof(*p)
  /// For pointers: the maps the callers pass when every one passes a map (`void *lru_map` given
  /// `&lru_cache`, directly or through a local that only ever holds it; systemd's
  /// `match_rules(ctx, &sd_bind_allow)` and `(ctx, &sd_bind_deny)`), sorted; empty otherwise.
  std::vector<std::string> callerMaps;
  /// For pointers: what every caller passes, "ctx" (its own ctx: `parse(void *md, ...)` given
  /// a program's ctx), a ctx packet field, "data", "data_end" or "data_meta", "ctx_arg:N", the
  /// N-th u64 of an args ctx (`(void *)ctx[1]`, what BPF_PROG passes its body), or "ctx_value",
  /// another number read from the ctx and cast (`(void *)PT_REGS_PARM2(ctx)`); "" otherwise.
  std::string callerSource;
  /// The same, counting only the calls inside functions programs of one libbpf program type
  /// reach, where that differs and says something: setget_sockopt.c's `bpf_test_sockopt(sk, sk)`
  /// with `sk = sock->sk` in its lsm_cgroup program, `(skops, sk)` in its sockops program.
  std::map<std::string, std::string> callerSourceByProgramType;
};

struct Function {
  std::string id, name;
  Origin origin = Origin::Main;
  SourceSpan decl;              ///< the whole definition, attributes and SEC() included
  bool definition = false;
  bool isStatic = false, isInline = false, alwaysInline = false, noInline = false;
  bool isKfunc = false;         ///< extern __ksym declaration
  std::string section;          ///< explicit SEC()/section attribute, empty when none
  /// The section comes from `#pragma clang section text="..."` (no attribute is written).
  bool sectionFromPragma = false;
  std::string signature;        ///< return type and parameters as the AST prints them
  std::vector<std::string> params; ///< parameter types
  std::vector<Param> parameters;
  std::string returnType;
  std::vector<HelperCall> helperCalls;
  std::vector<CtxAccess> ctxAccesses;
  std::vector<ReturnSite> returns;
  std::vector<TokenRef> enumRefs; ///< enumerators used in the body
  /// Ctx record names written in the signatures (of every declaration: prototypes too) or body.
  std::vector<TokenRef> typeRefs;
  /// Functions the body names without calling them (`(void *)bpf_xdp_ct_lookup`), where each
  /// name is spelled.
  std::vector<TokenRef> functionRefs;
  /// The name token of each declaration of the function in the project (prototype, definition,
  /// `extern ... __ksym`).
  std::vector<SourceSpan> nameSpans;
  SourceSpan sectionLiteral;      ///< the string literal of SEC("..."), where it is spelled
  SourceSpan body;                ///< the compound statement, braces included
  /// Constant expressions naming an enumerator or a macro (`XDP_PASS`) whose value the program
  /// uses as data: a map key, a stored or printed value, arithmetic, a truth test, reached
  /// through locals, parameters and return values (ValueFlow.cpp). Where they are written.
  std::vector<SourceSpan> dataValues;
};

struct Program {
  std::string id, name;
  std::string function;         ///< id of the function
  std::string section;          ///< as written, without a leading '?'
  std::string type;             ///< libbpf program type name ("xdp", "sched_cls", ...)
  std::string expectedAttachType;
  std::string attachTarget;     ///< kprobe/fentry/tracepoint/... target from the section
  bool autoload = true;         ///< false for SEC("?...")
};

struct MapSlot {
  unsigned index = 0;
  std::string target; ///< id of the function (prog array) or map (map-in-map) placed there
};

struct Map {
  std::string id, name;
  Origin origin = Origin::Main;
  SourceSpan decl;
  std::string style;   ///< "btf" (SEC(".maps")) or "legacy" (struct bpf_map_def SEC("maps"))
  std::string type;    ///< libbpf's name ("hash", "prog_array", ...), or the number if unknown
  std::string typeConstant; ///< as written: BPF_MAP_TYPE_HASH
  std::string keyType, valueType;
  std::optional<unsigned long long> keySize, valueSize, maxEntries, flags, pinning;
  /// iproute2's struct bpf_elf_map: the map's id (tail-call sections "ID/KEY" name it), on a
  /// map-in-map the id of its inner map, and on an inner map the key iproute2 places it at in
  /// every map-in-map that names its id.
  std::optional<unsigned long long> legacyId, legacyInnerId, legacyInnerIdx;
  std::string innerMap;   ///< id of the inner map definition (map-in-map), empty when none
  std::vector<MapSlot> slots; ///< statically placed programs or inner maps
};

struct Global {
  std::string id, name;
  Origin origin = Origin::Main;
  SourceSpan decl;
  std::string type;
  std::string section; ///< .data, .rodata, .bss, license, or an explicit section
  bool constVolatile = false; ///< a load-time knob: `const volatile` in .rodata
  bool isExtern = false;
  /// A struct_ops variable (SEC(".struct_ops")): each member initialised with a function, as
  /// (member, function name): `.init = (void *)bpf_cubic_init` gives ("init", "bpf_cubic_init").
  std::vector<std::pair<std::string, std::string>> functionSlots;
};

struct TypeEntity {
  std::string id, name; ///< name is empty for anonymous records/enums
  std::string kind;     ///< "struct", "union", "enum", "typedef"
  Origin origin = Origin::Main;
  SourceSpan decl;
  bool complete = false;           ///< has a body (records/enums)
  std::string underlying;          ///< typedefs: the aliased type as written
  std::vector<std::string> members; ///< record fields or enum constants, in order
};

struct MacroUse {
  SourceSpan site;
  std::string kind; ///< "expansion", "ifdef", "ifndef", "defined", "if", "elif"
};

struct Macro {
  std::string id, name;
  Origin origin = Origin::Main;
  SourceSpan decl; ///< the #define line(s)
  bool functionLike = false;
  std::string definition; ///< `NAME(args) body` as written
  std::vector<MacroUse> uses; ///< expansions and #if tests in main/local files
};

struct Include {
  std::string id;
  SourceSpan directive; ///< the whole #include line
  std::string spelled;  ///< as written: <bpf/bpf_helpers.h> or "local.h"
  std::string resolved; ///< absolute path, empty when not found
  std::string from;     ///< display path of the including file
  /// For a "..." include found in the including file's own directory (where the compiler looks
  /// first): that path, absolute, the file name as spelt (not the symlink's target). An output
  /// in another directory respells the include relative to its own (Emitter.cpp). Empty when
  /// the include was found through a search path (-I, system), which resolves anywhere.
  std::string besideIncluder;
  unsigned line = 0;
  std::string headerClass; ///< "system", "libbpf", "vmlinux", "local"
};

/// Edge kinds of the reference graph. Names are stable: they appear in JSON and manifests.
namespace edge {
inline constexpr const char *Entry = "entry";             // program -> its function
inline constexpr const char *Calls = "calls";             // function -> callee
inline constexpr const char *Callback = "callback"; // function -> fn passed to bpf_loop & co
inline constexpr const char *FunctionPointer = "function_pointer"; // fn address taken otherwise
inline constexpr const char *UsesMap = "uses_map"; // function/global -> map
inline constexpr const char *TailCall = "tail_call"; // function -> prog array it jumps through
inline constexpr const char *MapSlot = "map_slot"; // prog array / map-in-map -> slot value
inline constexpr const char *InnerMap = "inner_map"; // map-in-map -> inner map definition
inline constexpr const char *UsesGlobal = "uses_global"; // -> global variable
inline constexpr const char *UsesType = "uses_type"; // -> record/enum/typedef, complete
inline constexpr const char *PointsToType = "points_to_type"; // -> record only pointed to
inline constexpr const char *UsesEnumConstant = "uses_enum_constant"; // -> enum (via a constant)
inline constexpr const char *ExpandsMacro = "expands_macro"; // entity/macro -> macro expanded
inline constexpr const char *TestsMacro = "tests_macro"; // entity -> macro tested by #if inside
inline constexpr const char *GuardedBy = "guarded_by"; // entity -> macro tested by enclosing #if
inline constexpr const char *CallsHelper = "calls_helper";
inline constexpr const char *CallsKfunc = "calls_kfunc";
inline constexpr const char *Includes = "includes"; // include -> include nested in it
inline constexpr const char *DeclaredIn = "declared_in"; // system entity -> include providing it
} // namespace edge

struct Edge {
  std::string from, to, kind;
  unsigned line = 0; ///< where the reference is, in `from`'s file (0 when not meaningful)
  /// Column of the first reference on that line (expansion location); not part of the edge's
  /// identity.
  unsigned column = 0;
  bool operator<(const Edge &O) const {
    return std::tie(from, to, kind, line) < std::tie(O.from, O.to, O.kind, O.line);
  }
  bool operator==(const Edge &O) const {
    return from == O.from && to == O.to && kind == O.kind && line == O.line;
  }
};

struct HelperEntity {
  std::string id, name;
  int helperId = -1;
  bool kfunc = false;
  /// The class of the file that declares it: "libbpf" (bpf_helper_defs.h), "main", "local",
  /// "system", "vmlinux".
  std::string headerClass;
};

/// Where the translation unit declares a name of the catalogue of generated names
/// (Declarations.h). At most one of entity and include is set; neither when the declaration is
/// in no file (a -D flag, a builtin).
struct Provider {
  std::string entity;  ///< a main/local entity that declares it (its id)
  std::string include; ///< the #include line of a main/local file that brings the system
                       ///< header declaring it
  /// Non-empty when the name is declared as something else than generated code means (a
  /// function of the file's own called `bpf_redirect`): what it is.
  std::string conflict;
  /// The input's own name for a helper it declares by value under another one (iproute2's
  /// `static int BPF_FUNC(skb_pull_data, ...)` for bpf_skb_pull_data): generated code's name is
  /// defined to it.
  std::string alias;
};

/// A source file taking part in the translation unit.
struct SourceFile {
  std::string path; ///< display path
  std::string absPath;
  Origin origin = Origin::Main;
  std::string headerClass; ///< "main", "local", "system", "libbpf", "vmlinux"
  unsigned lines = 0;
  /// Offsets of the #include directives that brought this file in, outermost (in the main file)
  /// first; empty for the main file. With an offset in the file appended, it orders any two
  /// positions of the translation unit.
  std::vector<unsigned> includeChain;
  std::string text; ///< contents, for main and local files (what extraction copies from)
};

/// An #if/#ifdef/#ifndef ... #endif region of a main or local file, as written. Only regions
/// the preprocessor reached are recorded (none inside skipped branches).
struct Conditional {
  std::string file;
  SourceSpan region; ///< from the #if line to the end of the #endif line
  std::vector<SourceSpan> directives; ///< #if, then each #elif/#else, then #endif: whole lines
  /// The macro of an include guard (`#ifndef X_H` / `#define X_H` ... `#endif` around the whole
  /// file, as clang's multiple-include optimisation reads it); empty for other regions. A copy
  /// of the header's declarations needs no guard.
  std::string includeGuard;
};

struct ProgramModel {
  std::string mainFile; ///< display path of the input
  std::string inputDir; ///< absolute directory display paths are relative to
  std::vector<std::string> flags; ///< the compile flags used for the parse
  std::vector<SourceFile> files;
  std::vector<Program> programs;
  std::vector<Function> functions;
  std::vector<Map> maps;
  std::vector<Global> globals;
  std::vector<TypeEntity> types;
  std::vector<Macro> macros;
  std::vector<Include> includes;
  std::vector<Conditional> conditionals; ///< in file order
  std::vector<HelperEntity> helpers;
  std::vector<Edge> edges; ///< sorted, unique
  /// By provisionKey(kind, name): the names of the catalogue of generated names the translation
  /// unit declares (Declarations.h); a name it does not declare is absent.
  std::map<std::string, Provider> provided;
  /// Every piece of original text that declares a main/local entity (prototype and definition,
  /// extern and definition, ...), by entity id, in file order. Co-located declarations
  /// (`struct {...} m SEC(".maps");`) share one span.
  std::map<std::string, std::vector<SourceSpan>> spans;
  std::string license; ///< the LICENSE string, empty when none

  const Function *findFunction(const std::string &Name) const;
  const Map *findMap(const std::string &Name) const;
  /// The program a user names with --program: by name, else the only one in that section
  /// (toolchain::findProgram's rule and wording).
  Result<const Program *> findProgram(const std::string &NameOrSection) const;
  const SourceFile *findFile(const std::string &DisplayPath) const;
  /// Translation-unit order key of a position: the file's includeChain plus the offset.
  std::vector<unsigned> orderKey(const std::string &DisplayPath, unsigned Offset) const;
  /// Ids reachable from `id` following every edge kind (the entity itself included).
  std::vector<std::string> reachableFrom(const std::string &Id) const;
  std::vector<const Edge *> edgesFrom(const std::string &Id) const;
  /// Kind prefix of an id: "function", "map", ...
  static std::string kindOf(const std::string &Id);
};

} // namespace bpfcarve::extractor
