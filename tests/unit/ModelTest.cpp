//===- ModelTest.cpp - ProgramModel from in-memory BPF C sources ----------===//
//
// One TEST per concept, each on a small in-memory source: every entity kind (program, function,
// map, global, struct/union/enum/typedef, macro, include, helper) and every reference-edge kind
// of ProgramModel.h's namespace `edge`. The main file is /virtual/prog.bpf.c (display path
// prog.bpf.c); headers come from ParseOptions::virtualFiles; the compile flags are the
// toolchain's BPF defaults, so <linux/bpf.h> and <bpf/bpf_helpers.h> are the system's.
//
//===----------------------------------------------------------------------===//
#include "bpfcarve/extractor/Frontend.h"
#include "bpfcarve/extractor/Harness.h"
#include "bpfcarve/extractor/ModelFormat.h"

#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

using namespace bpfcarve;
using namespace bpfcarve::extractor;

namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;
using Names = std::set<std::string>;

const char *const kMainPath = "/virtual/prog.bpf.c";
const char *const kDisplay = "prog.bpf.c"; // display path: relative to /virtual
const char *const kPrelude = "#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\n";

//===--- parsing -----------------------------------------------------------===//

Result<ProgramModel> tryParse(const std::string &Src, Headers H = {}) {
  ParseOptions O;
  O.file = kMainPath;
  O.contents = Src;
  O.virtualFiles = std::move(H);
  return buildProgramModel(O);
}

/// Parses Src, which must succeed. GoogleTest's ASSERT_* cannot return a value, so a failed
/// parse is reported with the failure's first line and clang's details, then ends the test by
/// throwing (GoogleTest reports the exception and runs the next test).
ProgramModel parse(const std::string &Src, Headers H = {}) {
  Result<ProgramModel> R = tryParse(Src, std::move(H));
  if (!R) {
    ADD_FAILURE() << "parse failed: " << R.failure().firstLine() << "\n" << R.failure().details;
    throw std::runtime_error("parse failed: " + R.failure().firstLine());
  }
  return R.take();
}

/// The BPF prelude (two lines: <linux/bpf.h>, <bpf/bpf_helpers.h>) followed by Body.
std::string bpf(const std::string &Body) { return kPrelude + Body; }

/// 1-based line of the first occurrence of Needle in Src.
unsigned lineOf(const std::string &Src, const std::string &Needle) {
  size_t Pos = Src.find(Needle);
  if (Pos == std::string::npos)
    throw std::runtime_error("test bug: '" + Needle + "' not in the source");
  return 1 + static_cast<unsigned>(std::count(Src.begin(), Src.begin() + Pos, '\n'));
}

/// `kind:name@prog.bpf.c:line`
std::string id(const std::string &Kind, const std::string &Name, unsigned Line) {
  return Kind + ":" + Name + "@" + kDisplay + ":" + std::to_string(Line);
}

//===--- entity lookup -----------------------------------------------------===//

template <typename T>
const T &named(const std::vector<T> &V, const std::string &Name, const char *What) {
  for (const T &E : V)
    if (E.name == Name)
      return E;
  throw std::runtime_error(std::string("no ") + What + " named '" + Name + "' in the model");
}
const Program &program(const ProgramModel &M, const std::string &N) {
  return named(M.programs, N, "program");
}
const Function &function(const ProgramModel &M, const std::string &N) {
  return named(M.functions, N, "function");
}
const Map &map(const ProgramModel &M, const std::string &N) { return named(M.maps, N, "map"); }
const Global &global(const ProgramModel &M, const std::string &N) {
  return named(M.globals, N, "global");
}
const Macro &macro(const ProgramModel &M, const std::string &N) {
  return named(M.macros, N, "macro");
}
const HelperEntity &helper(const ProgramModel &M, const std::string &N) {
  return named(M.helpers, N, "helper");
}
const TypeEntity &type(const ProgramModel &M, const std::string &Kind, const std::string &N) {
  for (const TypeEntity &T : M.types)
    if (T.kind == Kind && T.name == N)
      return T;
  throw std::runtime_error("no " + Kind + " named '" + N + "' in the model");
}
const TypeEntity &typeById(const ProgramModel &M, const std::string &Id) {
  for (const TypeEntity &T : M.types)
    if (T.id == Id)
      return T;
  throw std::runtime_error("no type with id '" + Id + "' in the model");
}
const Include &include(const ProgramModel &M, const std::string &Spelled) {
  for (const Include &I : M.includes)
    if (I.spelled == Spelled)
      return I;
  throw std::runtime_error("no include spelled " + Spelled + " in the model");
}
bool hasType(const ProgramModel &M, const std::string &Kind, const std::string &Name) {
  return std::any_of(M.types.begin(), M.types.end(),
                     [&](const TypeEntity &T) { return T.kind == Kind && T.name == Name; });
}
bool hasHelper(const ProgramModel &M, const std::string &Name) {
  return std::any_of(M.helpers.begin(), M.helpers.end(),
                     [&](const HelperEntity &H) { return H.name == Name; });
}

/// Every entity id of the model (programs … helpers), in model order.
std::vector<std::string> allIds(const ProgramModel &M) {
  std::vector<std::string> Ids;
  for (const auto &E : M.programs) Ids.push_back(E.id);
  for (const auto &E : M.functions) Ids.push_back(E.id);
  for (const auto &E : M.maps) Ids.push_back(E.id);
  for (const auto &E : M.globals) Ids.push_back(E.id);
  for (const auto &E : M.types) Ids.push_back(E.id);
  for (const auto &E : M.macros) Ids.push_back(E.id);
  for (const auto &E : M.includes) Ids.push_back(E.id);
  for (const auto &E : M.helpers) Ids.push_back(E.id);
  return Ids;
}

//===--- edges -------------------------------------------------------------===//

bool startsWith(const std::string &S, const std::string &P) {
  return S.compare(0, P.size(), P) == 0;
}

/// The name part of `kind:name@file:line`.
std::string nameOf(const std::string &Id) {
  size_t C = Id.find(':'), A = Id.find('@');
  return Id.substr(C + 1, A - C - 1);
}

std::string dumpEdgesTouching(const ProgramModel &M, const std::string &Prefix) {
  std::ostringstream O;
  for (const Edge &E : M.edges)
    if (startsWith(E.from, Prefix) || startsWith(E.to, Prefix))
      O << "\n  " << E.from << " -[" << E.kind << "]-> " << E.to << " (line " << E.line << ")";
  return O.str();
}

/// An edge of Kind from an entity whose id starts with From to one whose id starts with To.
/// Pass prefixes ending in '@' ("function:leaf@") so that names cannot collide.
testing::AssertionResult hasEdge(const ProgramModel &M, const std::string &From,
                                 const std::string &To, const std::string &Kind) {
  for (const Edge &E : M.edges)
    if (startsWith(E.from, From) && startsWith(E.to, To) && E.kind == Kind)
      return testing::AssertionSuccess();
  return testing::AssertionFailure() << "no " << Kind << " edge " << From << "… -> " << To
                                     << "…; edges touching " << From << "…:"
                                     << dumpEdgesTouching(M, From);
}

/// The edge of Kind between the two prefixes (for its line), or nullptr.
const Edge *findEdge(const ProgramModel &M, const std::string &From, const std::string &To,
                     const std::string &Kind) {
  for (const Edge &E : M.edges)
    if (startsWith(E.from, From) && startsWith(E.to, To) && E.kind == Kind)
      return &E;
  return nullptr;
}

/// Names of the targets of Kind edges out of From.
Names targets(const ProgramModel &M, const std::string &From, const std::string &Kind) {
  Names Out;
  for (const Edge &E : M.edges)
    if (startsWith(E.from, From) && E.kind == Kind)
      Out.insert(nameOf(E.to));
  return Out;
}

/// Names of the sources of Kind edges into To.
Names sources(const ProgramModel &M, const std::string &To, const std::string &Kind) {
  Names Out;
  for (const Edge &E : M.edges)
    if (startsWith(E.to, To) && E.kind == Kind)
      Out.insert(nameOf(E.from));
  return Out;
}

std::set<std::string> edgeKinds(const ProgramModel &M) {
  std::set<std::string> K;
  for (const Edge &E : M.edges)
    K.insert(E.kind);
  return K;
}

bool reaches(const ProgramModel &M, const std::string &From, const std::string &To) {
  std::vector<std::string> R = M.reachableFrom(From);
  return std::find(R.begin(), R.end(), To) != R.end();
}

/// Every kind of ProgramModel.h's namespace `edge`. AllEdgeKinds.HeaderListsExactlyThese keeps it
/// in sync with the header; AllEdgeKinds.OneSourceProducesEveryKind needs each in the model.
const std::set<std::string> kAllEdgeKinds = {
    edge::Entry,       edge::Calls,       edge::Callback,   edge::FunctionPointer,
    edge::UsesMap,     edge::TailCall,    edge::MapSlot,    edge::InnerMap,
    edge::UsesGlobal,  edge::UsesType,    edge::PointsToType, edge::UsesEnumConstant,
    edge::ExpandsMacro, edge::TestsMacro, edge::GuardedBy,  edge::CallsHelper,
    edge::CallsKfunc,  edge::Includes,    edge::DeclaredIn};

//===--- ctx accesses ------------------------------------------------------===//

struct Access {
  std::string record, field;
  AccessKind access;
  unsigned line;
  bool operator==(const Access &O) const {
    return record == O.record && field == O.field && access == O.access && line == O.line;
  }
};
std::ostream &operator<<(std::ostream &OS, const Access &A) {
  return OS << A.record << "." << A.field << " " << accessName(A.access) << " @" << A.line;
}
std::vector<Access> accesses(const Function &F) {
  std::vector<Access> Out;
  for (const CtxAccess &A : F.ctxAccesses)
    Out.push_back({A.record, A.field, A.access, A.site.beginLine});
  return Out;
}

} // namespace

//===----------------------------------------------------------------------===//
// Ids and entity kinds
//===----------------------------------------------------------------------===//

TEST(Ids, HaveKindNameFileLine) {
  const std::string Src = "#include <linux/bpf.h>\n"            // 1
                          "#include <bpf/bpf_helpers.h>\n"      // 2
                          "\n"                                  // 3
                          "#define LIMIT 4\n"                   // 4
                          "struct {\n"                          // 5
                          "  __uint(type, BPF_MAP_TYPE_ARRAY);\n"
                          "  __type(key, __u32);\n"
                          "  __type(value, __u64);\n"
                          "  __uint(max_entries, LIMIT);\n"
                          "} counts SEC(\".maps\");\n"          // 10
                          "int hits;\n"                         // 11
                          "static int bump(void) { return ++hits; }\n" // 12
                          "SEC(\"xdp\")\n"                      // 13
                          "int xdp_prog(struct xdp_md *ctx)\n"  // 14
                          "{ return bump() > LIMIT ? XDP_DROP : XDP_PASS; }\n";
  ProgramModel M = parse(Src);
  EXPECT_EQ(M.mainFile, "prog.bpf.c");
  EXPECT_EQ(M.inputDir, "/virtual");

  EXPECT_EQ(program(M, "xdp_prog").id, "program:xdp_prog@prog.bpf.c:14");
  EXPECT_EQ(function(M, "xdp_prog").id, "function:xdp_prog@prog.bpf.c:14");
  EXPECT_EQ(function(M, "bump").id, "function:bump@prog.bpf.c:12");
  EXPECT_EQ(map(M, "counts").id, "map:counts@prog.bpf.c:10");
  EXPECT_EQ(global(M, "hits").id, "global:hits@prog.bpf.c:11");
  EXPECT_EQ(macro(M, "LIMIT").id, "macro:LIMIT@prog.bpf.c:4");
  EXPECT_EQ(type(M, "struct", "").id, "struct:(anonymous)@prog.bpf.c:5");
  EXPECT_EQ(include(M, "<linux/bpf.h>").id, "include:<linux/bpf.h>@prog.bpf.c:1");
  EXPECT_EQ(include(M, "<bpf/bpf_helpers.h>").id, "include:<bpf/bpf_helpers.h>@prog.bpf.c:2");
  // System entities keep their absolute path.
  EXPECT_TRUE(
      startsWith(type(M, "struct", "xdp_md").id, "struct:xdp_md@/usr/include/linux/bpf.h:"));
  EXPECT_TRUE(startsWith(macro(M, "SEC").id, "macro:SEC@/usr/include/bpf/bpf_helpers.h:"));

  // Every id of every entity kind has the form kind:name@file:line and is unique.
  const std::regex Form("^(program|function|map|global|struct|union|enum|typedef|macro|include|"
                        "helper):[^@]+@[^:@]+:[1-9][0-9]*(#[0-9]+)?$");
  std::set<std::string> Seen;
  for (const std::string &Id : allIds(M)) {
    EXPECT_TRUE(std::regex_match(Id, Form)) << Id;
    EXPECT_TRUE(Seen.insert(Id).second) << "duplicate id " << Id;
  }
  // Every edge connects known entities.
  for (const Edge &E : M.edges) {
    EXPECT_TRUE(Seen.count(E.from)) << "edge from unknown " << E.from;
    EXPECT_TRUE(Seen.count(E.to)) << "edge to unknown " << E.to;
  }
  EXPECT_TRUE(std::is_sorted(M.edges.begin(), M.edges.end()));
  EXPECT_EQ(ProgramModel::kindOf("map:counts@prog.bpf.c:10"), "map");
}

//===----------------------------------------------------------------------===//
// Programs
//===----------------------------------------------------------------------===//

TEST(Programs, SectionsGiveLibbpfTypesAndAttachTargets) {
  const std::string Src = bpf(R"c(
SEC("xdp") int p_xdp(struct xdp_md *ctx) { return XDP_PASS; }
SEC("tc") int p_tc(struct __sk_buff *skb) { return 0; }
SEC("?tc") int p_lazy(struct __sk_buff *skb) { return 0; }
SEC("raw_tp/sys_enter") int p_raw(void *ctx) { return 0; }
SEC("tracepoint/syscalls/sys_enter_openat") int p_tp(void *ctx) { return 0; }
SEC("socket") int p_sock(struct __sk_buff *skb) { return 0; }
SEC("cgroup_skb/egress") int p_cg(struct __sk_buff *skb) { return 1; }
SEC("no_such_hook") int p_unknown(void *ctx) { return 0; }
static int not_a_program(void) { return 0; }
)c");
  ProgramModel M = parse(Src);
  ASSERT_EQ(M.programs.size(), 8u);

  const Program &X = program(M, "p_xdp");
  EXPECT_EQ(X.section, "xdp");
  EXPECT_EQ(X.type, "xdp");
  EXPECT_EQ(X.expectedAttachType, "xdp");
  EXPECT_EQ(X.attachTarget, "");
  EXPECT_TRUE(X.autoload);
  EXPECT_EQ(X.function, id("function", "p_xdp", lineOf(Src, "int p_xdp")));
  EXPECT_EQ(X.id, id("program", "p_xdp", lineOf(Src, "int p_xdp")));

  EXPECT_EQ(program(M, "p_tc").type, "sched_cls");
  EXPECT_TRUE(program(M, "p_tc").autoload);

  const Program &Lazy = program(M, "p_lazy");
  EXPECT_EQ(Lazy.section, "tc"); // without the '?'
  EXPECT_EQ(Lazy.type, "sched_cls");
  EXPECT_FALSE(Lazy.autoload);
  EXPECT_EQ(function(M, "p_lazy").section, "?tc"); // the function keeps it as written

  EXPECT_EQ(program(M, "p_raw").type, "raw_tracepoint");
  EXPECT_EQ(program(M, "p_raw").attachTarget, "sys_enter");
  EXPECT_EQ(program(M, "p_raw").expectedAttachType, ""); // libbpf's 0: none, not cgroup ingress
  EXPECT_EQ(program(M, "p_tp").type, "tracepoint");
  EXPECT_EQ(program(M, "p_tp").attachTarget, "syscalls/sys_enter_openat");
  EXPECT_EQ(program(M, "p_sock").type, "socket_filter");
  EXPECT_EQ(program(M, "p_cg").type, "cgroup_skb");
  EXPECT_EQ(program(M, "p_cg").expectedAttachType, "cgroup_inet_egress");
  EXPECT_EQ(program(M, "p_unknown").type, "unknown");

  EXPECT_THROW(program(M, "not_a_program"), std::runtime_error);
  EXPECT_EQ(function(M, "not_a_program").section, "");
  for (const Program &P : M.programs)
    EXPECT_TRUE(hasEdge(M, P.id, P.function, edge::Entry)) << P.id;
}

TEST(Programs, SecThroughUserMacros) {
  const std::string Src = bpf(R"c(
#define PROG(name) SEC(name)
#define XDP_PROG PROG("xdp")
PROG("tc") int via_macro(struct __sk_buff *skb) { return 0; }
XDP_PROG int via_two_macros(struct xdp_md *ctx) { return XDP_PASS; }
)c");
  ProgramModel M = parse(Src);
  ASSERT_EQ(M.programs.size(), 2u);
  EXPECT_EQ(program(M, "via_macro").section, "tc");
  EXPECT_EQ(program(M, "via_macro").type, "sched_cls");
  EXPECT_EQ(program(M, "via_two_macros").section, "xdp");
  EXPECT_EQ(program(M, "via_two_macros").type, "xdp");
  EXPECT_TRUE(hasEdge(M, "program:via_macro@", "function:via_macro@", edge::Entry));

  // The function expands the user macro, which expands libbpf's SEC.
  EXPECT_TRUE(hasEdge(M, "function:via_macro@", "macro:PROG@", edge::ExpandsMacro));
  EXPECT_TRUE(hasEdge(M, "function:via_two_macros@", "macro:XDP_PROG@", edge::ExpandsMacro));
  EXPECT_TRUE(hasEdge(M, "macro:XDP_PROG@", "macro:PROG@", edge::ExpandsMacro));
  EXPECT_TRUE(hasEdge(M, "macro:PROG@", "macro:SEC@/usr/include/bpf/bpf_helpers.h:",
                      edge::ExpandsMacro));
  EXPECT_TRUE(macro(M, "PROG").functionLike);
  EXPECT_EQ(macro(M, "PROG").definition, "PROG(name) SEC(name)");
  EXPECT_EQ(macro(M, "PROG").origin, Origin::Main);
  EXPECT_EQ(macro(M, "SEC").origin, Origin::System);
}

TEST(Programs, PlacedByPragmaClangSection) {
  // libbpf loads a function defined under `#pragma clang section text="..."` as a program of
  // that section, as it does one with SEC().
  const std::string Src = bpf(R"c(
#pragma clang section text="xdp"
int placed(struct xdp_md *ctx) { return XDP_PASS; }
#pragma clang section text=""
static __attribute__((noinline)) int after(int x) { return x + 1; }
)c");
  ProgramModel M = parse(Src);
  ASSERT_EQ(M.programs.size(), 1u);
  EXPECT_EQ(program(M, "placed").section, "xdp");
  EXPECT_EQ(program(M, "placed").type, "xdp");
  EXPECT_TRUE(function(M, "placed").sectionFromPragma);
  EXPECT_FALSE(function(M, "placed").sectionLiteral.valid());
  EXPECT_EQ(function(M, "after").section, "");
}

//===----------------------------------------------------------------------===//
// Functions
//===----------------------------------------------------------------------===//

TEST(Functions, StorageAndInlineFlags) {
  const std::string Src = bpf(R"c(
static int plain_static(int x) { return x; }
static inline int inl(int x) { return x + 1; }
static __always_inline int ai(int x) { return x + 2; }
static __noinline int ni(int x) { return x + 3; }
int global_fn(int x, __u32 y) { return x + y; }
int declared_only(int);
SEC("tc") int entry(struct __sk_buff *skb) {
  return plain_static(1) + inl(2) + ai(3) + ni(4) + global_fn(5, 6);
}
)c");
  ProgramModel M = parse(Src);
  const Function &P = function(M, "plain_static");
  EXPECT_TRUE(P.isStatic);
  EXPECT_FALSE(P.isInline);
  EXPECT_FALSE(P.alwaysInline);
  EXPECT_FALSE(P.noInline);
  EXPECT_TRUE(P.definition);
  EXPECT_EQ(P.origin, Origin::Main);

  EXPECT_TRUE(function(M, "inl").isStatic);
  EXPECT_TRUE(function(M, "inl").isInline);
  EXPECT_FALSE(function(M, "inl").alwaysInline);

  const Function &AI = function(M, "ai");
  EXPECT_TRUE(AI.isInline); // __always_inline is `inline __attribute__((always_inline))`
  EXPECT_TRUE(AI.alwaysInline);
  EXPECT_FALSE(AI.noInline);

  const Function &NI = function(M, "ni");
  EXPECT_TRUE(NI.noInline);
  EXPECT_FALSE(NI.isInline);

  const Function &G = function(M, "global_fn");
  EXPECT_FALSE(G.isStatic);
  EXPECT_EQ(G.signature, "int (int, __u32)");
  EXPECT_EQ(G.params, (std::vector<std::string>{"int", "__u32"}));
  EXPECT_EQ(G.section, "");
  EXPECT_EQ(G.decl.beginLine, lineOf(Src, "int global_fn"));
  EXPECT_EQ(G.decl.endLine, lineOf(Src, "int global_fn"));

  const Function &D = function(M, "declared_only");
  EXPECT_FALSE(D.definition);
  EXPECT_FALSE(D.isKfunc);

  const Function &E = function(M, "entry");
  EXPECT_EQ(E.section, "tc");
  EXPECT_EQ(E.decl.beginLine, lineOf(Src, "SEC(\"tc\")")); // SEC() is part of the definition
  EXPECT_EQ(E.decl.endLine, lineOf(Src, "SEC(\"tc\")") + 2);
  EXPECT_EQ(E.params, (std::vector<std::string>{"struct __sk_buff *"}));
}

TEST(Params, PointerMembersOfRecordsAndWhereTheFileSetsThem) {
  const std::string Src = bpf(R"c(
struct hdrs { __u32 a; };
struct cur {
  struct __sk_buff *skb;
  __u8 *head;
  __u8 *const tail;
  union { struct hdrs *x; __u64 *y; } u;
  struct { void *mark; } inner;
  __u32 *slots[2];
  void *both;
  __u32 len;
};
static int use(struct cur *c) { return c->len; }
static int by_value(struct cur c) { return c.len; }
static int plain(struct hdrs *h) { return h->a; }
SEC("tc") int entry(struct __sk_buff *skb) {
  void *end = (void *)(long)skb->data_end;
  struct cur c = { .skb = skb, .head = (__u8 *)(long)skb->data, .tail = end };
  c.inner.mark = (void *)(long)skb->data_meta;
  c.both = (void *)(long)skb->data;
  c.both = end;
  return use(&c) + by_value(c) + plain(0);
}
)c");
  ProgramModel M = parse(Src);
  const Param &P = function(M, "use").parameters.at(0);
  std::map<std::string, const PointerMember *> By;
  for (const PointerMember &PM : P.pointerMembers)
    By[PM.path] = &PM;
  ASSERT_EQ(By.size(), 8u);
  EXPECT_EQ(By["skb"]->pointeeRecord, "__sk_buff");
  EXPECT_EQ(By["head"]->filledFrom, "data");       // initialiser, through casts
  EXPECT_EQ(By["tail"]->filledFrom, "data_end");   // initialiser, through a local
  EXPECT_TRUE(By["tail"]->isConst);
  EXPECT_FALSE(By["head"]->isConst);
  EXPECT_EQ(By["tail"]->type, "__u8 *");
  EXPECT_EQ(By["u.x"]->unionPath, "u");
  EXPECT_EQ(By["u.y"]->unionPath, "u");
  EXPECT_EQ(By["u.x"]->storage, "struct hdrs @");
  EXPECT_EQ(By["u.y"]->storage, "__u64 @");
  EXPECT_EQ(By["inner.mark"]->filledFrom, "data_meta"); // an assignment
  EXPECT_EQ(By["inner.mark"]->storage, "");
  EXPECT_TRUE(By["slots"]->inArray);
  EXPECT_EQ(By["both"]->filledFrom, "");           // set from data and from data_end: neither
  EXPECT_EQ(function(M, "by_value").parameters.at(0).pointerMembers.size(), 8u);
  EXPECT_TRUE(function(M, "plain").parameters.at(0).pointerMembers.empty());

  HarnessHook Tc{.name = "tc", .section = "tc", .ctxStruct = "__sk_buff", .progType = "sched_cls",
                 .directPacketAccess = true, .passValue = 0, .passName = "TC_ACT_OK",
                 .actionNames = {"TC_ACT_OK", "TC_ACT_SHOT"}, .foreignCtxStructs = {"xdp_md"}};
  auto H = generateHarness(M, {&function(M, "use")}, Tc);
  ASSERT_FALSE(H);
  const std::string Msg = H.failure().message;
  EXPECT_NE(Msg.find("use(c: struct cur *): a record with pointers built on the stack"),
            std::string::npos) << Msg;
  EXPECT_NE(Msg.find("member inner.mark (void *) is set from data_meta"), std::string::npos) << Msg;
  EXPECT_NE(Msg.find("member slots (__u32 *[2]) is an array of pointers"), std::string::npos) << Msg;
  EXPECT_NE(Msg.find("member both (void *) is an untyped pointer"), std::string::npos) << Msg;
  EXPECT_EQ(Msg.find("member head"), std::string::npos) << Msg;

  HarnessHook Xdp = Tc;
  Xdp.name = "xdp", Xdp.ctxStruct = "xdp_md", Xdp.progType = "xdp";
  Xdp.foreignCtxStructs = {"__sk_buff"};
  auto HX = generateHarness(M, {&function(M, "use")}, Xdp);
  ASSERT_FALSE(HX);
  EXPECT_NE(HX.failure().message.find("member skb (struct __sk_buff *) points to __sk_buff, the "
                                      "context of another hook"),
            std::string::npos)
      << HX.failure().message;
}

// A record's members the file sets from a program's ctx or a map's address (setget_sockopt.c's
// `struct loop_ctx lc = { .ctx = ctx }`, test_map_lookup_percpu_elem.c's
// `map_ctx.map = &percpu_array_map`): the harness sets them the same way; an untyped member
// nothing sets is any number at a hook whose pointers are numbers (raw_tp), refused at xdp.
TEST(Params, RecordMembersSetFromTheCtxOrAMap) {
  const std::string Src = bpf(R"c(
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} counts SEC(".maps"), sizes SEC(".maps");
struct loop_ctx { void *ctx; void *map; void *user; __u32 n; };
static int step(struct loop_ctx *lc) {
  __u32 k = 0;
  __u64 *v = bpf_map_lookup_elem(lc->map, &k);
  return v && lc->ctx ? (int)*v + lc->n : 0;
}
SEC("raw_tp/sys_enter") int entry(void *ctx) {
  struct loop_ctx lc = { .ctx = ctx, .n = 1 };
  int r;
  lc.map = &sizes;
  r = step(&lc);
  lc.map = &counts;
  lc.user = ctx;
  r += step(&lc);
  lc.user = &counts; /* the ctx here, a map there: neither */
  return r;
}
)c");
  ProgramModel M = parse(Src);
  std::map<std::string, const PointerMember *> By;
  for (const PointerMember &PM : function(M, "step").parameters.at(0).pointerMembers)
    By[PM.path] = &PM;
  ASSERT_EQ(By.size(), 3u);
  EXPECT_EQ(By["ctx"]->filledFrom, "ctx");
  EXPECT_EQ(By["map"]->filledFrom, "map:counts,sizes"); // each map, sorted
  EXPECT_EQ(By["user"]->filledFrom, "");

  HarnessHook RawTp{.name = "raw_tp", .section = "raw_tp/sys_enter", .progType = "raw_tracepoint",
                    .passName = "ignored", .scalarKernelPointers = true, .argsCtx = true};
  auto H = generateHarness(M, {&function(M, "step")}, RawTp);
  ASSERT_TRUE(H) << H.failure().message;
  EXPECT_NE(H->body.find("bpfcarve_p0.ctx = ctx;"), std::string::npos) << H->body;
  EXPECT_NE(H->body.find("bpfcarve_p0.map = (bpfcarve_args->p0_map0 == 1 ? (void *)&sizes : "
                         "(void *)&counts);"),
            std::string::npos)
      << H->body;
  EXPECT_EQ(H->body.find("bpfcarve_p0.user ="), std::string::npos) << H->body;

  HarnessHook Xdp{.name = "xdp", .section = "xdp", .ctxStruct = "xdp_md", .progType = "xdp",
                  .directPacketAccess = true, .passValue = 2, .passName = "XDP_PASS"};
  auto HX = generateHarness(M, {&function(M, "step")}, Xdp);
  ASSERT_FALSE(HX);
  EXPECT_NE(HX.failure().message.find("member user (void *) is an untyped pointer"),
            std::string::npos)
      << HX.failure().message;
  EXPECT_EQ(HX.failure().message.find("member map"), std::string::npos) << HX.failure().message;
}

// A struct_ops program loads only through the SEC(".struct_ops") variable that names it
// (bpf_cubic.c: `struct tcp_congestion_ops cubic = { .init = (void *)bpf_cubic_init, ...`): the
// model records its function members, and the harness of a callee puts bpfcarve_harness at the
// member its callers' program has.
TEST(Params, StructOpsMembersPlaceTheHarness) {
  const std::string Src = bpf(R"c(
struct demo_ops { int (*setup)(void *); int (*run)(void *); char name[16]; };
static __noinline int twice(int x) { return 2 * x; }
SEC("struct_ops/demo_run") int demo_run(void *ctx) { return twice(1); }
SEC("struct_ops/demo_setup") int demo_setup(void *ctx) { return twice(2); }
SEC("struct_ops/orphan") int orphan(void *ctx) { return twice(3); }
SEC(".struct_ops") struct demo_ops demo = {
  .run = (void *)demo_run,
  .setup = (void *)demo_setup,
  .name = "demo",
};
)c");
  ProgramModel M = parse(Src);
  EXPECT_EQ(global(M, "demo").functionSlots,
            (std::vector<std::pair<std::string, std::string>>{{"setup", "demo_setup"},
                                                              {"run", "demo_run"}}));
  HarnessHook Ops{.name = "struct_ops/demo_run", .section = "struct_ops/demo_run",
                  .progType = "struct_ops", .passName = "0", .scalarKernelPointers = true,
                  .argsCtx = true};
  auto H = generateHarness(M, {&function(M, "twice")}, Ops);
  ASSERT_TRUE(H) << H.failure().message;
  EXPECT_NE(H->body.find("SEC(\".struct_ops\")\nstruct demo_ops bpfcarve_harness_ops = {\n"
                         "\t.run = (void *)bpfcarve_harness,\n};"),
            std::string::npos)
      << H->body;
  ASSERT_EQ(H->entities.size(), 1u);
  EXPECT_EQ(H->entities[0].rfind("struct:demo_ops@", 0), 0u) << H->entities[0];

  Ops.name = Ops.section = "struct_ops/orphan";
  auto HO = generateHarness(M, {&function(M, "twice")}, Ops);
  ASSERT_FALSE(HO);
  EXPECT_NE(HO.failure().message.find("no such variable of the file names a program in section "
                                      "struct_ops/orphan"),
            std::string::npos)
      << HO.failure().message;
}

// A number the callers pass from counted loops (strobemeta.h's
// `for (int i = 0; i < STROBE_MAX_INTS; ++i) read_int_var(cfg, i, ...)`): the union of the
// loops' ranges; the harness keeps its value in it, or the verifier sees an unbounded index.
TEST(Params, ALoopCounterGivesTheCallersRange) {
  const std::string Src = bpf(R"c(
struct data { __u32 vals[5]; };
static __noinline int read_one(struct data *d, int idx) { return d->vals[idx]; }
static __noinline int read_any(struct data *d, int idx) { return d->vals[idx & 3]; }
SEC("xdp") int entry(struct xdp_md *ctx) {
  struct data d = {};
  int s = 0, n = ctx->ingress_ifindex;
  for (int i = 0; i < 4; ++i)
    s += read_one(&d, i);
  for (int j = 2; j <= 4; j += 2)
    s += read_one(&d, j);
  for (int k = 0; k < n; ++k)
    s += read_any(&d, k);
  return s;
}
)c");
  ProgramModel M = parse(Src);
  const Param &Idx = function(M, "read_one").parameters.at(1);
  EXPECT_TRUE(Idx.callerValues.empty());
  ASSERT_TRUE(Idx.callerRange.has_value());
  EXPECT_EQ(*Idx.callerRange, (std::pair<long long, long long>{0, 4}));
  EXPECT_FALSE(function(M, "read_any").parameters.at(1).callerRange.has_value()); // bound not constant

  HarnessHook Xdp{.name = "xdp", .section = "xdp", .ctxStruct = "xdp_md", .progType = "xdp",
                  .directPacketAccess = true, .passValue = 2, .passName = "XDP_PASS"};
  auto H = generateHarness(M, {&function(M, "read_one")}, Xdp);
  ASSERT_TRUE(H) << H.failure().message;
  EXPECT_NE(H->body.find("if (bpfcarve_p1 > 4)\n\t\tbpfcarve_p1 = 0;"), std::string::npos)
      << H->body;
  EXPECT_NE(H->body.find("read_one(&bpfcarve_args->p0, (int)bpfcarve_p1)"), std::string::npos)
      << H->body;
}

// Pointers the callers make otherwise than from an object: a number cast to a pointer
// (strobemeta.h's `task = (struct task_struct *)bpf_get_current_task()`), an address inside what
// another argument points to (`payload = data->payload`, moved along by `payload += len` and
// through a function returning the pointer it is given), and the address of a map through its
// pointee's member at offset 0 (map_ptr_kern.c's `&hash->map`).
TEST(Params, NumbersAddressesInsideAnArgumentAndMapsThroughAFirstMember) {
  const std::string Src = bpf(R"c(
struct payload_t { __u64 id; char buf[64]; };
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct payload_t);
} heap SEC(".maps");
struct task_like { __u64 a; void *next; };
struct map_hdr { __u32 type, key_size; };
struct map_full { struct map_hdr hdr; __u32 count; };
static __noinline __u64 read_task(struct task_like *t) {
  __u64 v = 0;
  bpf_probe_read_kernel(&v, sizeof(v), &t->a);
  return v;
}
static __noinline __u64 put_len(struct payload_t *d, void *cur) {
  d->id++;
  return bpf_probe_read_kernel_str(cur, 8, d) > 0 ? 8 : 0;
}
static __always_inline void *put(struct payload_t *d, void *cur, int n) {
  if (n > 2)
    return cur;
  cur += put_len(d, cur);
  return cur;
}
static __noinline __u64 rev(void *cur, struct payload_t *d) { return put_len(d, cur); }
static __noinline int elsewhere(void *cur) { return cur != 0; }
static __noinline int check_hdr(struct map_hdr *m) { return m->key_size == 4; }
static __noinline int fill(struct payload_t *d) {
  void *cur = d->buf;
  char other[8] = {};
  for (int i = 0; i < 4; ++i) {
    cur += rev(cur, d);
    cur = put(d, cur, i);
  }
  return elsewhere(cur) + elsewhere(other);
}
SEC("tp/syscalls/sys_enter_getpid") int entry(void *ctx) {
  __u32 zero = 0;
  struct payload_t *d = bpf_map_lookup_elem(&heap, &zero);
  struct task_like *t = (struct task_like *)bpf_get_current_task();
  struct map_full *full = (struct map_full *)&heap;
  if (!d)
    return 0;
  return fill(d) + read_task(t) + read_task((struct task_like *)bpf_get_current_task()) +
         check_hdr(&full->hdr);
}
)c");
  ProgramModel M = parse(Src);
  EXPECT_EQ(function(M, "read_task").parameters[0].callerSource, "number");
  EXPECT_EQ(function(M, "rev").parameters[0].callerSource, "member:1:buf");
  EXPECT_EQ(function(M, "put_len").parameters[1].callerSource, "member:0:buf"); // through rev
  EXPECT_EQ(function(M, "put").parameters[1].callerSource, "member:0:buf");
  EXPECT_EQ(function(M, "elsewhere").parameters[0].callerSource, ""); // d is not passed beside
  EXPECT_EQ(function(M, "check_hdr").parameters[0].callerMaps, std::vector<std::string>{"heap"});

  HarnessHook Tp{.name = "tracepoint", .section = "tp/syscalls/sys_enter_getpid",
                 .progType = "tracepoint", .passName = "0", .scalarKernelPointers = true};
  auto H = generateHarness(M, {&function(M, "put_len"), &function(M, "read_task")}, Tp);
  ASSERT_TRUE(H) << H.failure().message;
  EXPECT_NE(H->body.find("put_len(&bpfcarve_args->p0, (void *)&(&bpfcarve_args->p0)->buf)"),
            std::string::npos)
      << H->body;
  EXPECT_NE(H->body.find("read_task((struct task_like *)bpfcarve_args->p1)"), std::string::npos)
      << H->body;
  EXPECT_NE(H->body.find("__u64 p1; /* read_task(t): its callers pass a number cast to a "
                         "pointer, any value */"),
            std::string::npos)
      << H->body;
}

// A pointer the callers reach from their ctx through pointer members they read (and check for
// NULL) and addresses inside them: bpf_iter_udp4.c's `udp_sk = ctx->udp_sk; inet =
// &udp_sk->inet; sock_i_ino(&inet->sk)`; a cast of such a local is the same pointer; a local also
// given a helper's result leads nowhere.
TEST(Params, PointersTheCallersReachFromTheirCtx) {
  const std::string Src = bpf(R"c(
struct inner { __u32 v; };
struct outer { __u64 pad; struct inner in; };
struct holder { struct outer *o; };
struct my_ctx { struct holder *h; };
static __noinline int use_inner(struct inner *i) { return i->v; }
static __noinline int use_outer(struct outer *o) { return o->pad != 0; }
static __noinline int use_mixed(struct outer *o) { return o->pad != 0; }
SEC("iter/demo") int entry(struct my_ctx *ctx) {
  struct holder *h = ctx->h;
  struct outer *o, *m = (struct outer *)h;
  void *raw;
  if (!h)
    return 0;
  o = h->o;
  raw = o;
  m = (struct outer *)bpf_get_current_task();
  return use_inner(&o->in) + use_outer((struct outer *)raw) + use_mixed(m);
}
)c");
  ProgramModel M = parse(Src);
  EXPECT_EQ(function(M, "use_inner").parameters[0].callerSource,
            "ctx_path:struct my_ctx *|*h|*o|&in");
  EXPECT_EQ(function(M, "use_outer").parameters[0].callerSource, "ctx_path:struct my_ctx *|*h|*o");
  EXPECT_EQ(function(M, "use_mixed").parameters[0].callerSource, ""); // a cast of h, then a number
}

// The walk may start at an argument of the target, what BPF_PROG gives its body (setget_sockopt.c's
// `struct sock *sk = sock->sk` in `BPF_PROG(socket_post_create, struct socket *sock, ...)`); and
// what the callers of one program type pass counts for that type's harness when the callers of
// another pass something else (the file's sockops program passes a number there).
TEST(Params, CtxWalksFromATargetArgumentPerProgramType) {
  const std::string Src = bpf(R"c(
struct sock_like { __u32 family; };
struct socket_like { struct sock_like *sk; };
static __noinline int check(void *ctx, struct sock_like *sk) { return sk->family; }
static __always_inline int body(unsigned long long *ctx, struct socket_like *sock) {
  struct sock_like *sk = sock->sk;
  if (!sk)
    return 1;
  return check(sk, sk);
}
SEC("lsm_cgroup/socket_post_create") int post_create(unsigned long long *ctx) {
  return body(ctx, (void *)ctx[0]);
}
SEC("sockops") int ops(struct bpf_sock_ops *skops) {
  return check(skops, (struct sock_like *)bpf_get_current_task());
}
)c");
  ProgramModel M = parse(Src);
  const Param &Sk = function(M, "check").parameters.at(1);
  EXPECT_EQ(Sk.callerSource, "");
  const std::map<std::string, std::string> Want = {
      {"lsm", "ctx_path:ctx_arg:0:struct socket_like *|*sk"}, {"sock_ops", "number"}};
  EXPECT_EQ(Sk.callerSourceByProgramType, Want);

  HarnessHook Lsm{.name = "lsm_cgroup/socket_post_create",
                  .section = "lsm_cgroup/socket_post_create", .progType = "lsm",
                  .passValue = 1, .passName = "allow", .scalarKernelPointers = false,
                  .argsCtx = true};
  auto H = generateHarness(M, {&function(M, "check")}, Lsm);
  ASSERT_TRUE(H) << H.failure().message;
  EXPECT_NE(H->body.find("__typeof__(((struct socket_like *)((unsigned long long *)ctx)[0])->sk) "
                         "bpfcarve_c0 = ((struct socket_like *)((unsigned long long *)ctx)[0])->sk;"),
            std::string::npos)
      << H->body;
  EXPECT_NE(H->body.find("/* check(sk): its callers pass ctx[0]->sk */"), std::string::npos)
      << H->body;
}

TEST(Params, WhatTheCallersPass) {
  const std::string Src = bpf(R"c(
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, __u32);
} cache SEC(".maps");
struct pair { __u32 a, b; };
static __u32 leaf(__u32 off, __u32 changed, __u32 mixed, __u32 viaLocal, __u32 notConst) {
  return off + changed + mixed + viaLocal + notConst;
}
static __u32 mid(__u32 off, __u32 changed, __u32 n) {
  changed += 1;
  __u32 k = 7;
  __u32 u = n;
  if (n)
    k = 9;
  return leaf(off, changed, n ? 3 : 4, k, u);
}
static __u32 bytes(const void *key, __u8 *mac, struct pair *p, void *m, void *opt) {
  return *(const __u8 *)key + mac[5] + p->a + (m != 0) + (opt != 0);
}
static __u32 nocaller(__u32 x) { return x; }
SEC("xdp") int entry(struct xdp_md *ctx) {
  __u8 mac[6] = {}, big[16] = {};
  struct pair pr = {};
  __u32 words[4] = {};
  void *map = &cache;
  return mid(14, 1, ctx->ingress_ifindex) + mid(34, 2, 0) + nocaller(ctx->ingress_ifindex) +
         bytes(words, mac, &pr, map, 0) + bytes(big, big, &pr, &cache, &pr);
}
)c");
  ProgramModel M = parse(Src);
  const Function &Leaf = function(M, "leaf");
  using V = std::vector<long long>;
  EXPECT_EQ(Leaf.parameters[0].callerValues, (V{14, 34})); // through mid's unchanged off
  EXPECT_EQ(Leaf.parameters[1].callerValues, V{});         // mid changes it first
  EXPECT_EQ(Leaf.parameters[2].callerValues, V{});         // `n ? 3 : 4` is not a constant
  EXPECT_EQ(Leaf.parameters[3].callerValues, (V{7, 9}));   // a local that holds only constants
  EXPECT_EQ(Leaf.parameters[4].callerValues, V{});         // a local given a parameter
  EXPECT_EQ(function(M, "mid").parameters[0].callerValues, (V{14, 34}));
  EXPECT_EQ(function(M, "nocaller").parameters[0].callerValues, V{});
  const Function &B = function(M, "bytes");
  EXPECT_EQ(B.parameters[0].callerObjectBytes, 16u); // words (16), big (16)
  EXPECT_EQ(B.parameters[1].callerObjectBytes, 16u); // mac (6), big (16): the largest
  EXPECT_EQ(B.parameters[1].pointeeBytes, 1u);
  EXPECT_EQ(B.parameters[2].callerObjectBytes, 8u);
  EXPECT_EQ(B.parameters[3].callerMaps, std::vector<std::string>{"cache"}); // a local, and &cache
  EXPECT_EQ(B.parameters[3].callerObjectBytes, 0u);
  EXPECT_EQ(B.parameters[4].callerObjectBytes, 8u);  // NULL adds nothing; &pr is 8 bytes

  HarnessHook Xdp{.name = "xdp", .section = "xdp", .ctxStruct = "xdp_md", .progType = "xdp",
                  .directPacketAccess = true, .passValue = 2, .passName = "XDP_PASS",
                  .actionNames = {"XDP_PASS", "XDP_DROP"}, .foreignCtxStructs = {"__sk_buff"}};
  auto H = generateHarness(M, {&Leaf, &B}, Xdp);
  ASSERT_TRUE(H) << H.failure().message;
  EXPECT_NE(H->body.find("/* leaf(off): its callers pass 14, 34 */"), std::string::npos) << H->body;
  EXPECT_NE(H->body.find("leaf((bpfcarve_args->p0 == 1 ? 34ULL : 14ULL), bpfcarve_args->p1, "
                    "bpfcarve_args->p2, (bpfcarve_args->p3 == 1 ? 9ULL : 7ULL), "
                    "bpfcarve_args->p4)"),
            std::string::npos)
      << H->body;
  EXPECT_NE(H->body.find("__u8 p5[16]; /* the largest object bytes's callers pass as key */"),
            std::string::npos) << H->body;
  EXPECT_NE(H->body.find("__u8 p6[16]; /* the largest object bytes's callers pass as mac */"), std::string::npos) << H->body;
  EXPECT_NE(H->body.find("__u8 p9[8];"), std::string::npos) << H->body;
  EXPECT_NE(H->body.find("(void *)&cache"), std::string::npos) << H->body;
}

// An untyped parameter is what every caller passes for it: its ctx (however cast, or its own
// parameter passed on unchanged) or a ctx packet field (directly or through a local); callers
// that disagree, or pass something else, say nothing.
TEST(Params, CallerSourcesOfUntypedPointers) {
  const std::string Src = bpf(R"c(
static __noinline int inner(void *m, void *a, void *b) { return a < b && m; }
static __noinline int outer(void *md, void *lo, void *hi, void *mixed, void *other) {
  return inner(md, lo, hi) + (mixed != other);
}
SEC("xdp") int one(struct xdp_md *ctx) {
  void *end = (void *)(long)ctx->data_end;
  char buf[4] = {};
  return outer(ctx, (void *)(long)ctx->data, end, (void *)(long)ctx->data, buf);
}
SEC("xdp") int two(void *ctx) {
  struct xdp_md *x = ctx;
  return outer((void *)ctx, (void *)(long)x->data, (void *)(long)x->data_end,
               (void *)(long)x->data_end, 0);
}
)c");
  ProgramModel M = parse(Src);
  const Function &Outer = function(M, "outer");
  EXPECT_EQ(Outer.parameters[0].callerSource, "ctx"); // a typed ctx, and an entry's void *ctx
  EXPECT_EQ(Outer.parameters[1].callerSource, "data");
  EXPECT_EQ(Outer.parameters[2].callerSource, "data_end"); // through the local `end`
  EXPECT_EQ(Outer.parameters[3].callerSource, "");         // data here, data_end there
  EXPECT_EQ(Outer.parameters[4].callerSource, "");         // a buffer; NULL adds nothing
  const Function &Inner = function(M, "inner");
  EXPECT_EQ(Inner.parameters[0].callerSource, "ctx"); // outer's unchanged parameters
  EXPECT_EQ(Inner.parameters[1].callerSource, "data");
  EXPECT_EQ(Inner.parameters[2].callerSource, "data_end");

  HarnessHook Xdp{.name = "xdp", .section = "xdp", .ctxStruct = "xdp_md", .progType = "xdp",
                  .directPacketAccess = true, .passValue = 2, .passName = "XDP_PASS",
                  .actionNames = {"XDP_PASS", "XDP_DROP"}, .foreignCtxStructs = {"__sk_buff"}};
  auto H = generateHarness(M, {&Inner}, Xdp);
  ASSERT_TRUE(H) << H.failure().message;
  EXPECT_NE(H->body.find("inner(ctx, bpfcarve_data, bpfcarve_data_end)"), std::string::npos)
      << H->body;
  auto O = generateHarness(M, {&Outer}, Xdp);
  ASSERT_TRUE(O) << O.failure().message;
  EXPECT_NE(O->body.find("outer(ctx, bpfcarve_data, bpfcarve_data_end, "), std::string::npos)
      << O->body;
}

TEST(Params, CallerValuesPerProgramType) {
  const std::string Src = bpf(R"c(
static __always_inline int lookup(void *ctx, int xdp) { return xdp ? 1 : 2; }
static __always_inline int part(void *ctx, int xdp) { return lookup(ctx, xdp); }
SEC("xdp") int at_xdp(struct xdp_md *ctx) { return part(ctx, 1); }
SEC("tc") int at_tc(struct __sk_buff *skb) { return part(skb, 0); }
)c");
  ProgramModel M = parse(Src);
  const Param &P = function(M, "lookup").parameters.at(1);
  EXPECT_EQ(P.callerValues, (std::vector<long long>{0, 1}));
  using ByType = std::map<std::string, std::vector<long long>>;
  EXPECT_EQ(P.callerValuesByProgramType, (ByType{{"sched_cls", {0}}, {"xdp", {1}}}));

  HarnessHook Xdp{.name = "xdp", .section = "xdp", .ctxStruct = "xdp_md", .progType = "xdp",
                  .directPacketAccess = true, .passValue = 2, .passName = "XDP_PASS",
                  .actionNames = {"XDP_PASS", "XDP_DROP"}, .foreignCtxStructs = {"__sk_buff"}};
  auto H = generateHarness(M, {&function(M, "lookup")}, Xdp);
  ASSERT_TRUE(H) << H.failure().message;
  EXPECT_NE(H->body.find("/* lookup(xdp): its xdp callers pass 1 */"), std::string::npos) << H->body;
  EXPECT_NE(H->body.find("lookup(ctx, 1ULL)"), std::string::npos) << H->body;
  Xdp.progType = "socket_filter"; // a type no program of the file has: every caller counts
  auto All = generateHarness(M, {&function(M, "lookup")}, Xdp);
  ASSERT_TRUE(All) << All.failure().message;
  EXPECT_NE(All->body.find("/* lookup(xdp): its callers pass 0, 1 */"), std::string::npos) << All->body;
}

TEST(Functions, ConstantsUsedAsDataThroughLocalsParametersAndReturns) {
  const std::string Src = bpf(R"c(
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 5);
  __type(key, __u32);
  __type(value, __u64);
} stats SEC(".maps");
__u64 seen[8];
static __always_inline __u32 count(__u32 action) {
  __u64 *n = bpf_map_lookup_elem(&stats, &action);
  if (n)
    *n += 1;
  return action;
}
static __always_inline int decide(struct xdp_md *ctx) {
  return ctx->ingress_ifindex == 1 ? XDP_DROP : XDP_PASS;
}
static __always_inline int slot(int v) { return v; }
SEC("xdp") int prog(struct xdp_md *ctx) {
  int v = decide(ctx);
  if (v == XDP_DROP)
    return XDP_DROP;
  __u32 action = XDP_PASS;
  seen[slot(XDP_TX)]++;
  switch (v) {
  case XDP_ABORTED:
    return XDP_ABORTED;
  }
  return count(action);
}
)c");
  ProgramModel M = parse(Src);
  auto dataIn = [&](const std::string &Fn) {
    Names Out;
    for (const SourceSpan &S : function(M, Fn).dataValues)
      Out.insert(Src.substr(S.beginOffset, S.endOffset - S.beginOffset) + "@" +
                 std::to_string(S.beginLine));
    return Out;
  };
  // XDP_PASS keys the map through `action` and count()'s parameter; XDP_TX is a subscript
  // through slot()'s return. decide()'s codes are only compared and returned: verdicts.
  EXPECT_EQ(dataIn("prog"), (Names{"XDP_PASS@" + std::to_string(lineOf(Src, "= XDP_PASS")),
                                   "XDP_TX@" + std::to_string(lineOf(Src, "slot(XDP_TX)"))}));
  EXPECT_EQ(dataIn("decide"), Names{});
  EXPECT_EQ(dataIn("count"), Names{});
}

TEST(Functions, CallersAndCalleesAreCallsEdges) {
  const std::string Src = bpf(R"c(
static __noinline int leaf(int x) { return x * 2; }
static __noinline int mid(int x) { return leaf(x) + leaf(x + 1); }
static __noinline int other(int x) { return leaf(x); }
static __noinline int unused(int x) { return x; }
SEC("xdp") int top(struct xdp_md *ctx) {
  return mid(1) + other(2) > 0 ? XDP_PASS : XDP_DROP;
}
)c");
  ProgramModel M = parse(Src);
  EXPECT_EQ(targets(M, "function:top@", edge::Calls), (Names{"mid", "other"}));
  EXPECT_EQ(targets(M, "function:mid@", edge::Calls), (Names{"leaf"}));
  EXPECT_EQ(sources(M, "function:leaf@", edge::Calls), (Names{"mid", "other"}));
  EXPECT_EQ(sources(M, "function:unused@", edge::Calls), Names{});
  EXPECT_TRUE(targets(M, "function:leaf@", edge::Calls).empty());

  const Edge *E = findEdge(M, "function:top@", "function:mid@", edge::Calls);
  ASSERT_NE(E, nullptr);
  EXPECT_EQ(E->line, lineOf(Src, "return mid(1)"));

  ProgramSummary S = summarize(M, program(M, "top"));
  EXPECT_EQ(S.functions.front(), function(M, "top").id); // entry first
  Names Reached;
  for (const std::string &F : S.functions)
    Reached.insert(nameOf(F));
  EXPECT_EQ(Reached, (Names{"top", "mid", "other", "leaf"}));
}

//===----------------------------------------------------------------------===//
// Maps
//===----------------------------------------------------------------------===//

TEST(Maps, BtfHashWithTypesMacroMaxEntriesPinningAndFlags) {
  const std::string Src = bpf(R"c(
#define MAX_FLOWS 1024
struct flow_key { __u32 saddr, daddr; __u16 sport, dport; };
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __type(key, struct flow_key);
  __type(value, __u64);
  __uint(max_entries, MAX_FLOWS);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} flows SEC(".maps");
SEC("xdp") int count(struct xdp_md *ctx) {
  struct flow_key k = {};
  __u64 *v = bpf_map_lookup_elem(&flows, &k);
  if (v)
    (*v)++;
  return XDP_PASS;
}
)c");
  ProgramModel M = parse(Src);
  const Map &F = map(M, "flows");
  EXPECT_EQ(F.id, id("map", "flows", lineOf(Src, "} flows")));
  EXPECT_EQ(F.origin, Origin::Main);
  EXPECT_EQ(F.style, "btf");
  EXPECT_EQ(F.type, "hash");
  EXPECT_EQ(F.typeConstant, "BPF_MAP_TYPE_HASH");
  EXPECT_EQ(F.keyType, "struct flow_key");
  EXPECT_EQ(F.valueType, "__u64");
  EXPECT_EQ(F.keySize, 12u);
  EXPECT_EQ(F.valueSize, 8u);
  EXPECT_EQ(F.maxEntries, 1024u); // through MAX_FLOWS
  EXPECT_EQ(F.flags, 1u);  // BPF_F_NO_PREALLOC
  EXPECT_EQ(F.pinning, 1u); // LIBBPF_PIN_BY_NAME
  EXPECT_TRUE(F.innerMap.empty());
  EXPECT_TRUE(F.slots.empty());
  // The definition spans `struct {` to `SEC(".maps");`.
  EXPECT_EQ(F.decl.beginLine, lineOf(Src, "struct {"));
  EXPECT_EQ(F.decl.endLine, lineOf(Src, "} flows"));

  EXPECT_TRUE(hasEdge(M, "function:count@", "map:flows@", edge::UsesMap));
  // What the map definition needs is reachable from it: its key type and the macro.
  EXPECT_TRUE(reaches(M, F.id, type(M, "struct", "flow_key").id));
  EXPECT_TRUE(reaches(M, F.id, macro(M, "MAX_FLOWS").id));
  EXPECT_TRUE(reaches(M, F.id, macro(M, "__uint").id));
}

TEST(Maps, ArrayLruHashAndKeySize) {
  const std::string Src = bpf(R"c(
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __type(key, __u32);
  __type(value, __u32);
  __uint(max_entries, 2);
} arr SEC(".maps");
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(key_size, sizeof(__u32));
  __uint(value_size, 16);
  __uint(max_entries, 4096);
} lru SEC(".maps");
#define TABLE_KIND BPF_MAP_TYPE_PERCPU_HASH
struct {
  __uint(type, TABLE_KIND);
  __type(key, __u64);
  __type(value, __u64);
  __uint(max_entries, 8);
} per_cpu SEC(".maps");
)c");
  ProgramModel M = parse(Src);
  const Map &A = map(M, "arr");
  EXPECT_EQ(A.type, "array");
  EXPECT_EQ(A.typeConstant, "BPF_MAP_TYPE_ARRAY");
  EXPECT_EQ(A.keySize, 4u);
  EXPECT_EQ(A.maxEntries, 2u);
  EXPECT_FALSE(A.pinning.has_value());
  EXPECT_FALSE(A.flags.has_value());

  const Map &L = map(M, "lru");
  EXPECT_EQ(L.type, "lru_hash");
  EXPECT_EQ(L.keyType, ""); // sizes only, no BTF types
  EXPECT_EQ(L.valueType, "");
  EXPECT_EQ(L.keySize, 4u);
  EXPECT_EQ(L.valueSize, 16u);
  EXPECT_EQ(L.maxEntries, 4096u);

  // The type constant as written, here a user macro naming it.
  const Map &P = map(M, "per_cpu");
  EXPECT_EQ(P.type, "percpu_hash");
  EXPECT_EQ(P.typeConstant, "TABLE_KIND");
  EXPECT_TRUE(reaches(M, P.id, macro(M, "TABLE_KIND").id));
}

TEST(Maps, ArrayOfMapsInnerMapViaArrayAndStaticSlots) {
  const std::string Src = bpf(R"c(
struct inner_map {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 8);
  __type(key, __u32);
  __type(value, __u64);
} inner_a SEC(".maps");
struct inner_map inner_b SEC(".maps");
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
  __uint(max_entries, 4);
  __type(key, __u32);
  __array(values, struct inner_map);
} outer SEC(".maps") = {
  .values = { [0] = &inner_a, [3] = &inner_b },
};
SEC("xdp") int lookup(struct xdp_md *ctx) {
  __u32 k = 0;
  void *in = bpf_map_lookup_elem(&outer, &k);
  if (!in)
    return XDP_PASS;
  return bpf_map_lookup_elem(in, &k) ? XDP_DROP : XDP_PASS;
}
)c");
  ProgramModel M = parse(Src);
  const Map &O = map(M, "outer");
  EXPECT_EQ(O.type, "array_of_maps");
  EXPECT_EQ(O.keyType, "__u32");
  EXPECT_EQ(O.maxEntries, 4u);
  EXPECT_EQ(O.innerMap, type(M, "struct", "inner_map").id);
  EXPECT_TRUE(hasEdge(M, O.id, "struct:inner_map@", edge::InnerMap));

  ASSERT_EQ(O.slots.size(), 2u);
  EXPECT_EQ(O.slots[0].index, 0u);
  EXPECT_EQ(O.slots[0].target, map(M, "inner_a").id);
  EXPECT_EQ(O.slots[1].index, 3u);
  EXPECT_EQ(O.slots[1].target, map(M, "inner_b").id);
  EXPECT_TRUE(hasEdge(M, O.id, "map:inner_a@", edge::MapSlot));
  EXPECT_TRUE(hasEdge(M, O.id, "map:inner_b@", edge::MapSlot));

  EXPECT_EQ(map(M, "inner_a").type, "array");
  EXPECT_EQ(map(M, "inner_b").type, "array");
  EXPECT_EQ(map(M, "inner_b").maxEntries, 8u);
  EXPECT_TRUE(hasEdge(M, "map:inner_b@", "struct:inner_map@", edge::UsesType));
  EXPECT_TRUE(hasEdge(M, "function:lookup@", "map:outer@", edge::UsesMap));
}

TEST(Maps, ProgArrayStaticSlot) {
  const std::string Src = bpf(R"c(
int slot_prog(struct xdp_md *ctx);
struct {
  __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
  __uint(max_entries, 4);
  __uint(key_size, sizeof(__u32));
  __array(values, int (void *));
} jmp SEC(".maps") = {
  .values = { [2] = (void *)&slot_prog },
};
SEC("xdp") int slot_prog(struct xdp_md *ctx) { return XDP_PASS; }
)c");
  ProgramModel M = parse(Src);
  const Map &J = map(M, "jmp");
  EXPECT_EQ(J.type, "prog_array");
  EXPECT_EQ(J.keySize, 4u);
  EXPECT_EQ(J.maxEntries, 4u);
  EXPECT_TRUE(J.innerMap.empty()); // a prog array's values are programs, not an inner map
  EXPECT_FALSE(hasEdge(M, J.id, "", edge::InnerMap));

  const std::string Target = id("function", "slot_prog", lineOf(Src, "SEC(\"xdp\") int slot_prog"));
  ASSERT_EQ(J.slots.size(), 1u);
  EXPECT_EQ(J.slots[0].index, 2u);
  EXPECT_EQ(J.slots[0].target, Target); // the definition, not the forward declaration
  EXPECT_TRUE(hasEdge(M, J.id, Target, edge::MapSlot));
  EXPECT_EQ(function(M, "slot_prog").id, Target);
}

TEST(Maps, LegacyBpfMapDef) {
  // libbpf 1.1's headers no longer declare struct bpf_map_def: old programs carry their own.
  const std::string Src = bpf(R"c(
struct bpf_map_def {
  unsigned int type;
  unsigned int key_size;
  unsigned int value_size;
  unsigned int max_entries;
  unsigned int map_flags;
};
struct bpf_map_def SEC("maps") legacy_counts = {
  .type = BPF_MAP_TYPE_PERCPU_ARRAY,
  .key_size = sizeof(__u32),
  .value_size = sizeof(__u64),
  .max_entries = 16,
};
SEC("xdp") int use_legacy(struct xdp_md *ctx) {
  __u32 k = 0;
  __u64 *v = bpf_map_lookup_elem(&legacy_counts, &k);
  if (v)
    *v += 1;
  return XDP_PASS;
}
)c");
  ProgramModel M = parse(Src);
  const Map &L = map(M, "legacy_counts");
  EXPECT_EQ(L.style, "legacy");
  EXPECT_EQ(L.type, "percpu_array");
  EXPECT_EQ(L.typeConstant, "BPF_MAP_TYPE_PERCPU_ARRAY");
  EXPECT_EQ(L.keySize, 4u);
  EXPECT_EQ(L.valueSize, 8u);
  EXPECT_EQ(L.maxEntries, 16u);
  EXPECT_EQ(L.flags, 0u);
  EXPECT_EQ(L.decl.beginLine, lineOf(Src, "struct bpf_map_def SEC"));
  EXPECT_EQ(L.decl.endLine, lineOf(Src, "  .max_entries = 16,") + 1);
  EXPECT_TRUE(hasEdge(M, "function:use_legacy@", "map:legacy_counts@", edge::UsesMap));
  EXPECT_TRUE(hasEdge(M, "map:legacy_counts@", "struct:bpf_map_def@", edge::UsesType));
  EXPECT_EQ(type(M, "struct", "bpf_map_def").origin, Origin::Main);
}

//===----------------------------------------------------------------------===//
// Globals
//===----------------------------------------------------------------------===//

TEST(Globals, SectionsKnobsExternsAndLicense) {
  const std::string Src = bpf(R"c(
int counter = 1;
int zeroed;
__u64 explicit_zero = 0;
const int table[2] = {1, 2};
const volatile __u32 knob = 3;
int custom SEC(".data.custom") = 7;
extern int LINUX_KERNEL_VERSION __kconfig;
SEC("xdp") int g(struct xdp_md *ctx) {
  counter++;
  zeroed += knob;
  return table[0] + explicit_zero + custom + LINUX_KERNEL_VERSION > 0 ? XDP_PASS : XDP_DROP;
}
char LICENSE[] SEC("license") = "Dual BSD/GPL";
)c");
  ProgramModel M = parse(Src);
  EXPECT_EQ(global(M, "counter").section, ".data");
  EXPECT_EQ(global(M, "counter").type, "int");
  EXPECT_EQ(global(M, "counter").id, id("global", "counter", lineOf(Src, "int counter")));

  const Global &Z = global(M, "zeroed");
  EXPECT_EQ(Z.section, ".bss");
  EXPECT_FALSE(Z.isExtern) << "a tentative definition defines the variable";

  EXPECT_EQ(global(M, "explicit_zero").section, ".bss");
  EXPECT_EQ(global(M, "table").section, ".rodata");
  EXPECT_FALSE(global(M, "table").constVolatile);

  const Global &K = global(M, "knob");
  EXPECT_EQ(K.section, ".rodata");
  EXPECT_TRUE(K.constVolatile);
  EXPECT_EQ(K.type, "const volatile __u32");

  EXPECT_EQ(global(M, "custom").section, ".data.custom");

  const Global &Kc = global(M, "LINUX_KERNEL_VERSION");
  EXPECT_TRUE(Kc.isExtern);
  EXPECT_EQ(Kc.section, ".kconfig");

  const Global &Lic = global(M, "LICENSE");
  EXPECT_EQ(Lic.section, "license");
  EXPECT_EQ(M.license, "Dual BSD/GPL");

  EXPECT_EQ(targets(M, "function:g@", edge::UsesGlobal),
            (Names{"counter", "zeroed", "knob", "table", "explicit_zero", "custom",
                   "LINUX_KERNEL_VERSION"}));
  const Edge *E = findEdge(M, "function:g@", "global:knob@", edge::UsesGlobal);
  ASSERT_NE(E, nullptr);
  EXPECT_EQ(E->line, lineOf(Src, "zeroed += knob"));
}

//===----------------------------------------------------------------------===//
// Types
//===----------------------------------------------------------------------===//

TEST(Types, AnonymousStructOfAMap) {
  const std::string Src = bpf(R"c(
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __type(key, __u32);
  __type(value, __u64);
  __uint(max_entries, 1);
} first SEC(".maps");
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __type(key, __u32);
  __type(value, __u32);
  __uint(max_entries, 2);
} second SEC(".maps");
)c");
  ProgramModel M = parse(Src);
  const std::string FirstStruct = id("struct", "(anonymous)", lineOf(Src, "struct {"));
  const std::string SecondStruct = id("struct", "(anonymous)", lineOf(Src, "} first") + 1);
  const TypeEntity &T = typeById(M, FirstStruct);
  EXPECT_EQ(T.kind, "struct");
  EXPECT_EQ(T.name, "");
  EXPECT_TRUE(T.complete);
  EXPECT_EQ(T.origin, Origin::Main);
  EXPECT_EQ(T.members, (std::vector<std::string>{"type", "key", "value", "max_entries"}));
  EXPECT_TRUE(hasEdge(M, "map:first@", FirstStruct, edge::UsesType));
  EXPECT_TRUE(hasEdge(M, "map:second@", SecondStruct, edge::UsesType));
  EXPECT_FALSE(hasEdge(M, "map:first@", SecondStruct, edge::UsesType));
  // The anonymous struct's fields reference the key and value types.
  EXPECT_TRUE(hasEdge(M, FirstStruct, "typedef:__u64@", edge::UsesType));
}

TEST(Types, TypedefChainToStructAndUnion) {
  const std::string Src = bpf(R"c(
struct pkt_meta { __u32 len; __u16 proto; };
typedef struct pkt_meta meta_t;
typedef meta_t meta_alias_t;
typedef struct { int a; } anon_t;
union addr { __u32 v4; __u8 v6[16]; };
static __u32 meta_len(meta_alias_t *m, anon_t *a) { return m->len + a->a; }
SEC("tc") int ty(struct __sk_buff *skb) {
  union addr ad = {};
  ad.v4 = skb->len;
  return ad.v4;
}
)c");
  ProgramModel M = parse(Src);
  const TypeEntity &Alias = type(M, "typedef", "meta_alias_t");
  const TypeEntity &Meta = type(M, "typedef", "meta_t");
  const TypeEntity &S = type(M, "struct", "pkt_meta");
  EXPECT_EQ(Alias.underlying, "meta_t");
  EXPECT_EQ(Meta.underlying, "struct pkt_meta");
  EXPECT_EQ(S.members, (std::vector<std::string>{"len", "proto"}));

  // meta_len -> meta_alias_t -> meta_t -> struct pkt_meta; a typedef only names the struct, and
  // meta_len's `m->len` needs it complete.
  EXPECT_TRUE(hasEdge(M, "function:meta_len@", Alias.id, edge::UsesType));
  EXPECT_TRUE(hasEdge(M, Alias.id, Meta.id, edge::UsesType));
  EXPECT_TRUE(hasEdge(M, Meta.id, S.id, edge::PointsToType));
  EXPECT_FALSE(hasEdge(M, Meta.id, S.id, edge::UsesType));
  EXPECT_TRUE(hasEdge(M, "function:meta_len@", S.id, edge::UsesType));
  EXPECT_TRUE(reaches(M, function(M, "meta_len").id, S.id));

  // A typedef of an anonymous struct points at that struct.
  const TypeEntity &Anon = type(M, "typedef", "anon_t");
  EXPECT_TRUE(hasEdge(M, Anon.id, id("struct", "(anonymous)", lineOf(Src, "typedef struct {")),
                      edge::UsesType));

  const TypeEntity &U = type(M, "union", "addr");
  EXPECT_EQ(U.kind, "union");
  EXPECT_EQ(U.members, (std::vector<std::string>{"v4", "v6"}));
  EXPECT_TRUE(hasEdge(M, "function:ty@", "union:addr@", edge::UsesType));
  EXPECT_TRUE(hasEdge(M, "union:addr@", "typedef:__u8@", edge::UsesType));
}

TEST(Types, CompleteOnlyWhereAValueOrItsSizeCounts) {
  const std::string Src = bpf(R"c(
struct ptr_only { int a; };
struct member { int a; };
struct arith { int a; };
struct sized { int a; };
struct deref { int a; };
struct by_value { int a; };
struct in_array { int a; };
struct gparam { int a; };
struct field_ptr { int a; };
struct tval { int a; };
typedef struct tval tval_t;
struct holder { struct field_ptr *p; struct by_value v; };
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct ptr_only);
} m SEC(".maps");
static __noinline int f(struct ptr_only *p, struct member *q, struct arith *r, struct sized *s,
                        struct deref *d, struct in_array (*arr)[2], tval_t *tp) {
  struct deref copy = *d;
  tval_t tv = {};
  return (p != 0) + q->a + (int)(long)(r + 1) + sizeof(*s) + copy.a + (arr != 0) + tv.a + (tp != 0);
}
__noinline int g(struct gparam *gp) { return gp != 0; }
)c");
  ProgramModel M = parse(Src);
  auto rec = [&](const char *Name) { return type(M, "struct", Name).id; };
  const std::string F = function(M, "f").id;
  // Only pointed to: a forward declaration suffices.
  EXPECT_TRUE(hasEdge(M, F, rec("ptr_only"), edge::PointsToType));
  EXPECT_FALSE(hasEdge(M, F, rec("ptr_only"), edge::UsesType));
  EXPECT_TRUE(hasEdge(M, rec("holder"), rec("field_ptr"), edge::PointsToType));
  EXPECT_FALSE(hasEdge(M, rec("holder"), rec("field_ptr"), edge::UsesType));
  EXPECT_TRUE(hasEdge(M, type(M, "typedef", "tval_t").id, rec("tval"), edge::PointsToType));
  // Complete: member access, pointer arithmetic, sizeof(*p), a copy, a value through a typedef,
  // an array of it, a member by value, a map's __type(), a global function's argument.
  EXPECT_TRUE(hasEdge(M, F, rec("member"), edge::UsesType));
  EXPECT_TRUE(hasEdge(M, F, rec("arith"), edge::UsesType));
  EXPECT_TRUE(hasEdge(M, F, rec("sized"), edge::UsesType));
  EXPECT_TRUE(hasEdge(M, F, rec("deref"), edge::UsesType));
  EXPECT_TRUE(hasEdge(M, F, rec("tval"), edge::UsesType));
  EXPECT_TRUE(hasEdge(M, F, rec("in_array"), edge::UsesType));
  EXPECT_TRUE(hasEdge(M, rec("holder"), rec("by_value"), edge::UsesType));
  // `__type(value, struct ptr_only)` is `typeof(struct ptr_only) *value;` in the map's struct.
  EXPECT_EQ(sources(M, rec("ptr_only"), edge::UsesType), (Names{"(anonymous)"}));
  EXPECT_TRUE(hasEdge(M, function(M, "g").id, rec("gparam"), edge::UsesType));
}

TEST(Types, EnumConstantPointsToItsEnum) {
  const std::string Src = bpf(R"c(
enum verdict { VERDICT_PASS = 2, VERDICT_DROP = 1 };
enum { MODE_FAST, MODE_SLOW };
SEC("xdp") int decide(struct xdp_md *ctx) {
  if (ctx->ingress_ifindex == MODE_SLOW)
    return XDP_ABORTED;
  return VERDICT_DROP;
}
)c");
  ProgramModel M = parse(Src);
  const TypeEntity &V = type(M, "enum", "verdict");
  EXPECT_TRUE(V.complete);
  EXPECT_EQ(V.members, (std::vector<std::string>{"VERDICT_PASS", "VERDICT_DROP"}));
  EXPECT_TRUE(hasEdge(M, "function:decide@", V.id, edge::UsesEnumConstant));
  const Edge *E = findEdge(M, "function:decide@", V.id, edge::UsesEnumConstant);
  ASSERT_NE(E, nullptr);
  EXPECT_EQ(E->line, lineOf(Src, "return VERDICT_DROP"));

  // An anonymous enum is an entity of its own.
  EXPECT_TRUE(hasEdge(M, "function:decide@", id("enum", "(anonymous)", lineOf(Src, "enum {")),
                      edge::UsesEnumConstant));
  // A constant from the UAPI header pulls in its (system) enum.
  EXPECT_TRUE(hasEdge(M, "function:decide@", "enum:xdp_action@/usr/include/linux/bpf.h:",
                      edge::UsesEnumConstant));
  EXPECT_EQ(type(M, "enum", "xdp_action").origin, Origin::System);
}

//===----------------------------------------------------------------------===//
// Macros
//===----------------------------------------------------------------------===//

TEST(Macros, MacroInsideMacro) {
  const std::string Src = bpf(R"c(
#define SHIFT 2
#define LIMIT 9
#define SCALE(x) ((x) << SHIFT)
#define DOUBLE_SCALE(x) SCALE(SCALE(x))
SEC("xdp") int m(struct xdp_md *ctx) {
  return DOUBLE_SCALE(1) + SCALE(LIMIT) > 0 ? XDP_PASS : XDP_DROP;
}
)c");
  ProgramModel M = parse(Src);
  // Between macro entities, for names spelled inside a #define body.
  EXPECT_TRUE(hasEdge(M, "macro:DOUBLE_SCALE@", "macro:SCALE@", edge::ExpandsMacro));
  EXPECT_TRUE(hasEdge(M, "macro:SCALE@", "macro:SHIFT@", edge::ExpandsMacro));
  EXPECT_EQ(targets(M, "function:m@", edge::ExpandsMacro),
            (Names{"DOUBLE_SCALE", "SCALE", "LIMIT", "SEC"}))
      << "SHIFT is expanded by SCALE's body, not by the function";
  // LIMIT is spelled in an argument at the use site: the function's, not SCALE's.
  EXPECT_FALSE(hasEdge(M, "macro:SCALE@", "macro:LIMIT@", edge::ExpandsMacro));

  const Macro &D = macro(M, "DOUBLE_SCALE");
  EXPECT_TRUE(D.functionLike);
  EXPECT_EQ(D.definition, "DOUBLE_SCALE(x) SCALE(SCALE(x))");
  EXPECT_EQ(D.id, id("macro", "DOUBLE_SCALE", lineOf(Src, "#define DOUBLE_SCALE")));
  EXPECT_EQ(D.decl.beginLine, lineOf(Src, "#define DOUBLE_SCALE"));
  ASSERT_EQ(D.uses.size(), 1u);
  EXPECT_EQ(D.uses[0].kind, "expansion");
  EXPECT_EQ(D.uses[0].site.beginLine, lineOf(Src, "return DOUBLE_SCALE"));
  EXPECT_FALSE(macro(M, "SHIFT").functionLike);
  EXPECT_EQ(macro(M, "SHIFT").definition, "SHIFT 2");
}

TEST(Macros, OnlyTestedByIfInsideAFunction) {
  const std::string Src = bpf(R"c(
#define TRACE_DROPS
#define VERBOSE 2
SEC("xdp") int t(struct xdp_md *ctx) {
#ifdef TRACE_DROPS
  bpf_printk("drop");
#endif
#if VERBOSE > 1
  bpf_printk("verbose");
#endif
  return XDP_DROP;
}
)c");
  ProgramModel M = parse(Src);
  EXPECT_TRUE(hasEdge(M, "function:t@", "macro:TRACE_DROPS@", edge::TestsMacro));
  EXPECT_TRUE(hasEdge(M, "function:t@", "macro:VERBOSE@", edge::TestsMacro));
  EXPECT_FALSE(hasEdge(M, "function:t@", "macro:TRACE_DROPS@", edge::ExpandsMacro));
  EXPECT_FALSE(hasEdge(M, "function:t@", "macro:VERBOSE@", edge::ExpandsMacro));
  const Edge *E = findEdge(M, "function:t@", "macro:TRACE_DROPS@", edge::TestsMacro);
  ASSERT_NE(E, nullptr);
  EXPECT_EQ(E->line, lineOf(Src, "#ifdef TRACE_DROPS"));

  const Macro &T = macro(M, "TRACE_DROPS");
  ASSERT_EQ(T.uses.size(), 1u);
  EXPECT_EQ(T.uses[0].kind, "ifdef");
  EXPECT_EQ(T.definition, "TRACE_DROPS");
  const Macro &V = macro(M, "VERBOSE");
  ASSERT_EQ(V.uses.size(), 1u);
  EXPECT_EQ(V.uses[0].kind, "if");
}

TEST(Macros, TopLevelConditionGuardsDeclarations) {
  const std::string Src = bpf(R"c(
#define HAVE_IPV6 1
#define STATS_LEVEL 2
#if defined(HAVE_IPV6)
static int handle_v6(void) { return 6; }
#endif
#ifdef HAVE_IPV6
int v6_packets;
#endif
#if STATS_LEVEL > 1
int detailed_stats;
#endif
SEC("xdp") int gb(struct xdp_md *ctx) {
  return handle_v6() + v6_packets + detailed_stats > 0 ? XDP_PASS : XDP_DROP;
}
)c");
  ProgramModel M = parse(Src);
  EXPECT_TRUE(hasEdge(M, "function:handle_v6@", "macro:HAVE_IPV6@", edge::GuardedBy));
  EXPECT_TRUE(hasEdge(M, "global:v6_packets@", "macro:HAVE_IPV6@", edge::GuardedBy));
  EXPECT_TRUE(hasEdge(M, "global:detailed_stats@", "macro:STATS_LEVEL@", edge::GuardedBy));
  EXPECT_FALSE(hasEdge(M, "function:gb@", "macro:", edge::GuardedBy));
  const Edge *E = findEdge(M, "function:handle_v6@", "macro:HAVE_IPV6@", edge::GuardedBy);
  ASSERT_NE(E, nullptr);
  EXPECT_EQ(E->line, lineOf(Src, "#if defined(HAVE_IPV6)"));

  std::vector<std::string> Kinds;
  for (const MacroUse &U : macro(M, "HAVE_IPV6").uses)
    Kinds.push_back(U.kind);
  EXPECT_EQ(Kinds, (std::vector<std::string>{"defined", "ifdef"}));
  ASSERT_EQ(macro(M, "STATS_LEVEL").uses.size(), 1u);
  EXPECT_EQ(macro(M, "STATS_LEVEL").uses[0].kind, "if");
}

TEST(Macros, IfndefDefaultIsOneMacro) {
  const std::string Src = bpf(R"c(
#ifndef MAX_E
#define MAX_E 16
#endif
SEC("xdp") int d(struct xdp_md *ctx) { return MAX_E > 8 ? XDP_PASS : XDP_DROP; }
)c");
  ProgramModel M = parse(Src);
  EXPECT_EQ(std::count_if(M.macros.begin(), M.macros.end(),
                          [](const Macro &Mc) { return Mc.name == "MAX_E"; }),
            1);
  const Macro &Mx = macro(M, "MAX_E");
  EXPECT_EQ(Mx.definition, "MAX_E 16");
  EXPECT_EQ(Mx.id, id("macro", "MAX_E", lineOf(Src, "#define MAX_E")));
  // The #ifndef before the #define is a test of the same macro.
  ASSERT_EQ(Mx.uses.size(), 2u);
  EXPECT_EQ(Mx.uses[0].kind, "ifndef");
  EXPECT_EQ(Mx.uses[0].site.beginLine, lineOf(Src, "#ifndef MAX_E"));
  EXPECT_EQ(Mx.uses[1].kind, "expansion");
  EXPECT_TRUE(hasEdge(M, "function:d@", Mx.id, edge::ExpandsMacro));
  EXPECT_FALSE(hasEdge(M, Mx.id, Mx.id, edge::GuardedBy)); // no self edge
}

//===----------------------------------------------------------------------===//
// Includes and system entities
//===----------------------------------------------------------------------===//

TEST(Includes, ClassesLocalHeadersAndNesting) {
  const Headers H = {{"/virtual/local.h", "#pragma once\n"                       // 1
                                          "#include \"nested.h\"\n"              // 2
                                          "#define LOCAL_LIMIT 8\n"              // 3
                                          "struct local_cfg { __u32 limit; };\n" // 4
                                          "static __always_inline __u32 local_limit(const struct "
                                          "local_cfg *c) { return c->limit < LOCAL_LIMIT ? "
                                          "c->limit : LOCAL_LIMIT; }\n"},        // 5
                     {"/virtual/nested.h", "#define NESTED_FLAG 1\n"}};
  const std::string Src = bpf(R"c(#include "local.h"
SEC("xdp") int inc(struct xdp_md *ctx) {
  struct local_cfg c = { .limit = NESTED_FLAG };
  return local_limit(&c) ? XDP_PASS : XDP_DROP;
}
)c");
  ProgramModel M = parse(Src, H);
  ASSERT_EQ(M.includes.size(), 4u);
  EXPECT_EQ(include(M, "<linux/bpf.h>").headerClass, "system");
  EXPECT_EQ(include(M, "<linux/bpf.h>").resolved, "/usr/include/linux/bpf.h");
  EXPECT_EQ(include(M, "<bpf/bpf_helpers.h>").headerClass, "libbpf");

  const Include &L = include(M, "\"local.h\"");
  EXPECT_EQ(L.headerClass, "local");
  EXPECT_EQ(L.resolved, "/virtual/local.h");
  EXPECT_EQ(L.from, "prog.bpf.c");
  EXPECT_EQ(L.line, 3u);
  EXPECT_EQ(L.id, "include:\"local.h\"@prog.bpf.c:3");

  const Include &N = include(M, "\"nested.h\"");
  EXPECT_EQ(N.headerClass, "local");
  EXPECT_EQ(N.from, "local.h");
  EXPECT_EQ(N.line, 2u);
  EXPECT_TRUE(hasEdge(M, L.id, N.id, edge::Includes));

  // Entities of local headers are the project's own, with origin "local".
  EXPECT_EQ(function(M, "local_limit").id, "function:local_limit@local.h:5");
  EXPECT_EQ(function(M, "local_limit").origin, Origin::Local);
  EXPECT_EQ(type(M, "struct", "local_cfg").id, "struct:local_cfg@local.h:4");
  EXPECT_EQ(type(M, "struct", "local_cfg").origin, Origin::Local);
  EXPECT_EQ(macro(M, "LOCAL_LIMIT").id, "macro:LOCAL_LIMIT@local.h:3");
  EXPECT_EQ(macro(M, "LOCAL_LIMIT").origin, Origin::Local);
  EXPECT_EQ(macro(M, "NESTED_FLAG").id, "macro:NESTED_FLAG@nested.h:1");
  EXPECT_TRUE(hasEdge(M, "function:inc@", "function:local_limit@local.h:5", edge::Calls));
  EXPECT_TRUE(hasEdge(M, "function:local_limit@", "macro:LOCAL_LIMIT@", edge::ExpandsMacro));
  EXPECT_TRUE(hasEdge(M, "function:inc@", "macro:NESTED_FLAG@", edge::ExpandsMacro));
  // Local entities are not "declared in" an include: only system ones are.
  EXPECT_FALSE(hasEdge(M, "function:local_limit@", "", edge::DeclaredIn));

  bool SawLocal = false;
  for (const SourceFile &F : M.files)
    if (F.path == "local.h") {
      SawLocal = true;
      EXPECT_EQ(F.origin, Origin::Local);
      EXPECT_EQ(F.headerClass, "local");
      EXPECT_EQ(F.lines, 5u);
    }
  EXPECT_TRUE(SawLocal);
}

TEST(Includes, SystemEntitiesOnlyWhenReferencedAndDeclaredIn) {
  const std::string Src = bpf(R"c(
SEC("xdp") int sys(struct xdp_md *ctx) {
  return ctx->data_end > ctx->data ? XDP_PASS : XDP_DROP;
}
)c");
  ProgramModel M = parse(Src);
  const std::string Bpf = include(M, "<linux/bpf.h>").id;
  const std::string Helpers = include(M, "<bpf/bpf_helpers.h>").id;

  const TypeEntity &X = type(M, "struct", "xdp_md");
  EXPECT_EQ(X.origin, Origin::System);
  EXPECT_TRUE(hasEdge(M, X.id, Bpf, edge::DeclaredIn));
  EXPECT_TRUE(hasEdge(M, "function:sys@", X.id, edge::UsesType));
  EXPECT_TRUE(hasEdge(M, "enum:xdp_action@", Bpf, edge::DeclaredIn));
  // Macros from system headers too: SEC comes from <bpf/bpf_helpers.h>.
  EXPECT_TRUE(hasEdge(M, macro(M, "SEC").id, Helpers, edge::DeclaredIn));

  // Nothing the file does not reference.
  EXPECT_FALSE(hasType(M, "struct", "__sk_buff"));
  EXPECT_FALSE(hasType(M, "enum", "bpf_map_type"));
  EXPECT_FALSE(hasHelper(M, "bpf_map_lookup_elem"));
  EXPECT_TRUE(M.helpers.empty());
  EXPECT_TRUE(M.maps.empty());
  EXPECT_TRUE(M.globals.empty());
  EXPECT_EQ(M.functions.size(), 1u);
  for (const Macro &Mc : M.macros)
    EXPECT_TRUE(Mc.name == "SEC") << "unexpected macro " << Mc.id;

  // Each system entity is referenced by the file's code and points at its include.
  for (const TypeEntity &T : M.types) {
    EXPECT_EQ(T.origin, Origin::System) << T.id;
    EXPECT_FALSE(sources(M, T.id, edge::UsesType).empty() &&
                 sources(M, T.id, edge::UsesEnumConstant).empty())
        << T.id << " is in the model without a reference";
    EXPECT_FALSE(targets(M, T.id, edge::DeclaredIn).empty()) << T.id;
  }
}

TEST(Includes, VmlinuxHeaderIsSystem) {
  const Headers H = {{"/virtual/vmlinux.h", "#ifndef __VMLINUX_H__\n"
                                            "#define __VMLINUX_H__\n"
                                            "typedef unsigned int u32;\n"
                                            "struct task_struct { int pid; int tgid; };\n"
                                            "struct unused_thing { int x; };\n"
                                            "enum unused_enum { UNUSED_A };\n"
                                            "#endif\n"}};
  const std::string Src = "#include \"vmlinux.h\"\n"
                          "#define SEC(n) __attribute__((section(n), used))\n"
                          "SEC(\"raw_tp/sched_switch\") int on_switch(struct task_struct *t) "
                          "{ return t->pid; }\n";
  ProgramModel M = parse(Src, H);
  const Include &V = include(M, "\"vmlinux.h\"");
  EXPECT_EQ(V.headerClass, "vmlinux");
  const TypeEntity &T = type(M, "struct", "task_struct");
  EXPECT_EQ(T.origin, Origin::System);
  EXPECT_EQ(T.id, "struct:task_struct@vmlinux.h:4");
  EXPECT_TRUE(hasEdge(M, T.id, V.id, edge::DeclaredIn));
  EXPECT_FALSE(hasType(M, "struct", "unused_thing"));
  EXPECT_FALSE(hasType(M, "enum", "unused_enum"));
  EXPECT_FALSE(hasType(M, "typedef", "u32"));
  EXPECT_EQ(M.types.size(), 1u);
  EXPECT_EQ(program(M, "on_switch").type, "raw_tracepoint");
  EXPECT_EQ(program(M, "on_switch").attachTarget, "sched_switch");
  // The file's own SEC macro is a main-file macro.
  EXPECT_EQ(macro(M, "SEC").origin, Origin::Main);
}

//===----------------------------------------------------------------------===//
// Helpers, kfuncs, callbacks, function pointers, tail calls
//===----------------------------------------------------------------------===//

TEST(Helpers, CallsHelperEdgesAndHelperCalls) {
  const std::string Src = bpf(R"c(
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} stats SEC(".maps");
SEC("xdp") int h(struct xdp_md *ctx) {
  __u32 k = 0;
  __u64 *v = bpf_map_lookup_elem(&stats, &k);
  __u64 now = bpf_ktime_get_ns();
  if (v)
    bpf_map_update_elem(&stats, &k, &now, BPF_ANY);
  return XDP_PASS;
}
)c");
  ProgramModel M = parse(Src);
  const HelperEntity &L = helper(M, "bpf_map_lookup_elem");
  EXPECT_EQ(L.helperId, 1);
  EXPECT_FALSE(L.kfunc);
  EXPECT_TRUE(startsWith(L.id, "helper:bpf_map_lookup_elem@/usr/include/bpf/bpf_helper_defs.h:"));
  EXPECT_EQ(helper(M, "bpf_map_update_elem").helperId, 2);
  EXPECT_EQ(helper(M, "bpf_ktime_get_ns").helperId, 5);
  EXPECT_EQ(M.helpers.size(), 3u);

  EXPECT_EQ(targets(M, "function:h@", edge::CallsHelper),
            (Names{"bpf_map_lookup_elem", "bpf_ktime_get_ns", "bpf_map_update_elem"}));
  const Edge *E = findEdge(M, "function:h@", L.id, edge::CallsHelper);
  ASSERT_NE(E, nullptr);
  EXPECT_EQ(E->line, lineOf(Src, "bpf_map_lookup_elem(&stats"));
  // A helper is declared in bpf_helper_defs.h, provided by the file's <bpf/bpf_helpers.h>.
  EXPECT_TRUE(hasEdge(M, L.id, include(M, "<bpf/bpf_helpers.h>").id, edge::DeclaredIn));

  const Function &F = function(M, "h");
  ASSERT_EQ(F.helperCalls.size(), 3u);
  EXPECT_EQ(F.helperCalls[0].name, "bpf_map_lookup_elem");
  EXPECT_EQ(F.helperCalls[0].helperId, 1);
  EXPECT_FALSE(F.helperCalls[0].kfunc);
  EXPECT_EQ(F.helperCalls[0].site.beginLine, lineOf(Src, "bpf_map_lookup_elem(&stats"));
  EXPECT_EQ(F.helperCalls[1].name, "bpf_ktime_get_ns");
  EXPECT_EQ(F.helperCalls[1].helperId, 5);
  EXPECT_EQ(F.helperCalls[2].name, "bpf_map_update_elem");
  EXPECT_EQ(F.helperCalls[2].helperId, 2);

  // Passing &stats to a helper is a use of the map, not of a global.
  EXPECT_TRUE(hasEdge(M, "function:h@", "map:stats@", edge::UsesMap));
  EXPECT_FALSE(hasEdge(M, "function:h@", "map:stats@", edge::UsesGlobal));
}

TEST(Kfuncs, ExternKsymCallIsCallsKfunc) {
  const std::string Src = bpf(R"c(
extern int bpf_dummy_kfunc(int x) __ksym;
extern void bpf_unused_kfunc(void) __ksym;
SEC("tc") int k(struct __sk_buff *skb) { return bpf_dummy_kfunc(1); }
)c");
  ProgramModel M = parse(Src);
  const Function &KF = function(M, "bpf_dummy_kfunc");
  EXPECT_TRUE(KF.isKfunc);
  EXPECT_FALSE(KF.definition);
  EXPECT_EQ(KF.origin, Origin::Main);
  EXPECT_EQ(KF.section, ".ksyms");
  EXPECT_TRUE(hasEdge(M, "function:k@", KF.id, edge::CallsKfunc));
  EXPECT_FALSE(hasEdge(M, "function:k@", KF.id, edge::Calls));
  EXPECT_TRUE(function(M, "bpf_unused_kfunc").isKfunc);
  EXPECT_TRUE(sources(M, "function:bpf_unused_kfunc@", edge::CallsKfunc).empty());
  // A kfunc declaration in a section is not a program.
  EXPECT_EQ(M.programs.size(), 1u);

  const Function &F = function(M, "k");
  ASSERT_EQ(F.helperCalls.size(), 1u);
  EXPECT_EQ(F.helperCalls[0].name, "bpf_dummy_kfunc");
  EXPECT_EQ(F.helperCalls[0].helperId, -1);
  EXPECT_TRUE(F.helperCalls[0].kfunc);
}

TEST(Callbacks, LoopForEachAndTimerCallbacks) {
  const std::string Src = bpf(R"c(
struct elem { struct bpf_timer t; __u64 n; };
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct elem);
} timers SEC(".maps");
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 16);
  __type(key, __u32);
  __type(value, __u64);
} table SEC(".maps");
static int loop_cb(__u32 idx, void *data) { return 0; }
static long each_cb(void *map, __u32 *key, __u64 *val, void *data) { return 0; }
static int timer_cb(void *map, __u32 *key, struct elem *e) { return 0; }
SEC("tc") int cbs(struct __sk_buff *skb) {
  __u32 k = 0;
  bpf_loop(8, loop_cb, 0, 0);
  bpf_for_each_map_elem(&table, &each_cb, 0, 0);
  struct elem *e = bpf_map_lookup_elem(&timers, &k);
  if (e)
    bpf_timer_set_callback(&e->t, timer_cb);
  return 0;
}
)c");
  ProgramModel M = parse(Src);
  EXPECT_EQ(targets(M, "function:cbs@", edge::Callback), (Names{"loop_cb", "each_cb", "timer_cb"}));
  EXPECT_TRUE(targets(M, "function:cbs@", edge::Calls).empty()) << "callbacks are not calls";
  EXPECT_TRUE(targets(M, "function:cbs@", edge::FunctionPointer).empty());
  const Edge *E = findEdge(M, "function:cbs@", "function:loop_cb@", edge::Callback);
  ASSERT_NE(E, nullptr);
  EXPECT_EQ(E->line, lineOf(Src, "bpf_loop(8"));
  EXPECT_EQ(helper(M, "bpf_loop").helperId, 181);
  EXPECT_EQ(helper(M, "bpf_for_each_map_elem").helperId, 164);
  EXPECT_EQ(helper(M, "bpf_timer_set_callback").helperId, 170);
  EXPECT_TRUE(hasEdge(M, "function:cbs@", "map:table@", edge::UsesMap));

  // A program's summary reaches its callbacks.
  Names Reached;
  for (const std::string &F : summarize(M, program(M, "cbs")).functions)
    Reached.insert(nameOf(F));
  EXPECT_EQ(Reached, (Names{"cbs", "loop_cb", "each_cb", "timer_cb"}));
}

TEST(FunctionPointers, AddressTakenOutsideACall) {
  const std::string Src = bpf(R"c(
static int add_one(int x) { return x + 1; }
static int add_two(int x) { return x + 2; }
static int (*default_op)(int) = add_one;
SEC("tc") int fp(struct __sk_buff *skb) {
  int (*op)(int) = &add_two;
  return op(1) + default_op(2);
}
)c");
  ProgramModel M = parse(Src);
  EXPECT_TRUE(hasEdge(M, "function:fp@", "function:add_two@", edge::FunctionPointer));
  EXPECT_TRUE(hasEdge(M, "global:default_op@", "function:add_one@", edge::FunctionPointer));
  EXPECT_TRUE(hasEdge(M, "function:fp@", "global:default_op@", edge::UsesGlobal));
  EXPECT_FALSE(hasEdge(M, "function:fp@", "function:add_two@", edge::Calls));
  EXPECT_TRUE(M.helpers.empty()) << "a function pointer variable is not a helper";
  // Reachable from the program through the pointer.
  EXPECT_TRUE(reaches(M, program(M, "fp").id, function(M, "add_one").id));
}

TEST(TailCalls, TailCallEdgeToProgArray) {
  const std::string Src = bpf(R"c(
struct {
  __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
  __uint(max_entries, 8);
  __type(key, __u32);
  __type(value, __u32);
} jmp_table SEC(".maps");
SEC("xdp") int tc_entry(struct xdp_md *ctx) {
  bpf_tail_call(ctx, &jmp_table, 0);
  return XDP_PASS;
}
)c");
  ProgramModel M = parse(Src);
  EXPECT_TRUE(hasEdge(M, "function:tc_entry@", "map:jmp_table@", edge::TailCall));
  EXPECT_FALSE(hasEdge(M, "function:tc_entry@", "map:jmp_table@", edge::UsesMap));
  const Edge *E = findEdge(M, "function:tc_entry@", "map:jmp_table@", edge::TailCall);
  ASSERT_NE(E, nullptr);
  EXPECT_EQ(E->line, lineOf(Src, "bpf_tail_call("));
  EXPECT_EQ(helper(M, "bpf_tail_call").helperId, 12);
  EXPECT_TRUE(hasEdge(M, "function:tc_entry@", "helper:bpf_tail_call@", edge::CallsHelper));
  EXPECT_EQ(map(M, "jmp_table").type, "prog_array");
  EXPECT_EQ(summarize(M, program(M, "tc_entry")).maps,
            (std::vector<std::string>{map(M, "jmp_table").id}));
}

//===----------------------------------------------------------------------===//
// Context accesses and return sites
//===----------------------------------------------------------------------===//

TEST(CtxAccesses, ReadsWritesAliasesAndMacros) {
  const std::string Src = bpf(R"c(
#define SKB_MARK(s) ((s)->mark)
SEC("xdp") int xdp_ctx(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data;
  void *data_end = (void *)(long)ctx->data_end;
  return data + 14 > data_end ? XDP_DROP : XDP_PASS;
}
SEC("tc") int tc_ctx(struct __sk_buff *skb) {
  skb->mark = 7;
  skb->cb[0] += 1;
  struct __sk_buff *copy = skb;
  copy->priority = 3;
  __u32 m = SKB_MARK(skb);
  skb->tc_index++;
  return m == 7 ? 0 : 2;
}
)c");
  ProgramModel M = parse(Src);
  using AK = AccessKind;
  EXPECT_EQ(accesses(function(M, "xdp_ctx")),
            (std::vector<Access>{{"xdp_md", "data", AK::Read, lineOf(Src, "ctx->data;")},
                                 {"xdp_md", "data_end", AK::Read, lineOf(Src, "ctx->data_end;")}}));
  EXPECT_EQ(accesses(function(M, "tc_ctx")),
            (std::vector<Access>{
                {"__sk_buff", "mark", AK::Write, lineOf(Src, "skb->mark = 7")},
                {"__sk_buff", "cb", AK::ReadWrite, lineOf(Src, "skb->cb[0] += 1")},
                {"__sk_buff", "priority", AK::Write, lineOf(Src, "copy->priority")},
                {"__sk_buff", "mark", AK::Read, lineOf(Src, "SKB_MARK(skb);")},
                {"__sk_buff", "tc_index", AK::ReadWrite, lineOf(Src, "skb->tc_index++")}}));
  // The member expression's span, at the use site for the macro access.
  const CtxAccess &ViaMacro = function(M, "tc_ctx").ctxAccesses[3];
  EXPECT_EQ(ViaMacro.site.file, "prog.bpf.c");
  EXPECT_EQ(ViaMacro.site.beginColumn, 13u); // `  __u32 m = SKB_MARK(skb);`
  EXPECT_TRUE(hasEdge(M, "function:tc_ctx@", "struct:__sk_buff@/usr/include/linux/bpf.h:",
                      edge::UsesType));

  ProgramSummary S = summarize(M, program(M, "tc_ctx"));
  EXPECT_EQ(S.ctxFields, (std::vector<std::string>{"__sk_buff.cb (rw)", "__sk_buff.mark (r)",
                                                   "__sk_buff.mark (w)", "__sk_buff.priority (w)",
                                                   "__sk_buff.tc_index (rw)"}));
}

TEST(ReturnSites, ValuesAndText) {
  const std::string Src = bpf(R"c(
SEC("tc") int rets(struct __sk_buff *skb) {
  int action = 2;
  if (skb->len < 14)
    return 2;
  if (skb->len > 1500)
    return 1 + 1;
  if (skb->mark)
    return XDP_DROP;
  return action;
}
static void nothing(void) { return; }
)c");
  ProgramModel M = parse(Src);
  const Function &F = function(M, "rets");
  ASSERT_EQ(F.returns.size(), 4u);
  EXPECT_EQ(F.returns[0].text, "2");
  EXPECT_EQ(F.returns[0].value, 2);
  EXPECT_EQ(F.returns[0].site.beginLine, lineOf(Src, "return 2;"));
  EXPECT_EQ(F.returns[1].text, "1 + 1");
  EXPECT_EQ(F.returns[1].value, 2);
  EXPECT_EQ(F.returns[2].text, "XDP_DROP");
  EXPECT_EQ(F.returns[2].value, 1);
  EXPECT_EQ(F.returns[3].text, "action");
  EXPECT_FALSE(F.returns[3].value.has_value());
  EXPECT_EQ(F.returns[3].site.beginLine, lineOf(Src, "return action;"));
  EXPECT_EQ(F.returns[3].site.beginColumn, 10u);
  EXPECT_EQ(F.returns[3].site.endColumn, 16u);

  const Function &N = function(M, "nothing");
  ASSERT_EQ(N.returns.size(), 1u);
  EXPECT_EQ(N.returns[0].text, "");
  EXPECT_FALSE(N.returns[0].value.has_value());
  EXPECT_TRUE(N.returns[0].site.valid());
}

TEST(ReturnSites, NamesOfTheEnumeratorsAndMacrosReturned) {
  const std::string Src = bpf(R"c(
#define DROP_IT XDP_DROP
#define MY_SHOT TC_ACT_SHOT_V
#define TC_ACT_SHOT_V 2
SEC("xdp") int names(struct xdp_md *ctx) {
  if (ctx->data == ctx->data_end)
    return DROP_IT;
  if (ctx->ingress_ifindex)
    return MY_SHOT;
  if (ctx->rx_queue_index)
    return ctx->rx_queue_index > 3 ? XDP_PASS : XDP_TX;
  return XDP_DROP_LIKE_NOTHING;
}
)c");
  // XDP_DROP_LIKE_NOTHING: a name that only contains a code's name as text.
  ProgramModel M = parse("#define XDP_DROP_LIKE_NOTHING 7\n" + Src);
  const Function &F = function(M, "names");
  ASSERT_EQ(F.returns.size(), 4u);
  EXPECT_EQ(F.returns[0].names, (std::vector<std::string>{"DROP_IT", "XDP_DROP"}));
  EXPECT_EQ(F.returns[1].names, (std::vector<std::string>{"MY_SHOT", "TC_ACT_SHOT_V"}));
  EXPECT_EQ(F.returns[2].names, (std::vector<std::string>{"XDP_PASS", "XDP_TX"}));
  EXPECT_EQ(F.returns[3].names, (std::vector<std::string>{"XDP_DROP_LIKE_NOTHING"}));
}

TEST(Helpers, DeclaredByEnumValueOrThroughAMacroAreHelpers) {
  // No libbpf helper header: helpers declared the way hand-written and iproute2-style headers
  // do, by the BPF_FUNC_* enumerator of <linux/bpf.h>; a NULL function pointer is no helper.
  const std::string Src = R"c(#include <linux/bpf.h>
#define SEC(n) __attribute__((section(n), used))
#define HELPER(NAME, ...) (*NAME)(__VA_ARGS__) = (void *)BPF_FUNC_##NAME
static void *(*map_lookup)(void *map, const void *key) = (void *) BPF_FUNC_map_lookup_elem;
static long HELPER(xdp_adjust_head, struct xdp_md *ctx, int delta);
static unsigned long long (*ktime_get_ns)(void) = (void *)(long)(BPF_FUNC_ktime_get_ns + 0);
static int (*not_a_helper)(int) = (void *)0;
SEC("xdp") int h(struct xdp_md *ctx) {
  if (xdp_adjust_head(ctx, 4))
    return XDP_ABORTED;
  if (not_a_helper)
    return not_a_helper(1);
  return map_lookup(0, 0) || ktime_get_ns() ? XDP_PASS : XDP_DROP;
}
char LICENSE[] SEC("license") = "GPL";
)c";
  ProgramModel M = parse(Src);
  EXPECT_EQ(helper(M, "map_lookup").helperId, BPF_FUNC_map_lookup_elem);
  EXPECT_EQ(helper(M, "xdp_adjust_head").helperId, BPF_FUNC_xdp_adjust_head);
  EXPECT_EQ(helper(M, "ktime_get_ns").helperId, BPF_FUNC_ktime_get_ns);
  EXPECT_EQ(M.helpers.size(), 3u) << "a NULL function pointer is a global, not a helper";
  const Function &F = function(M, "h");
  ASSERT_EQ(F.helperCalls.size(), 3u);
  EXPECT_EQ(F.helperCalls[0].name, "xdp_adjust_head");
  EXPECT_EQ(F.helperCalls[0].helperId, BPF_FUNC_xdp_adjust_head);
  EXPECT_TRUE(hasEdge(M, "function:h@", "global:not_a_helper@", edge::UsesGlobal));
}

TEST(Helpers, TheMapAnArgumentNames) {
  const std::string Src = bpf(R"c(
struct {
  __uint(type, BPF_MAP_TYPE_DEVMAP);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, __u32);
} ports SEC(".maps");
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, __u32);
} counts SEC(".maps");
SEC("xdp") int redir(struct xdp_md *ctx) {
  __u32 k = 0;
  __u32 *v = bpf_map_lookup_elem((void *)(&counts), &k);
  if (v)
    return bpf_redirect_map(&ports, *v, 0);
  return bpf_redirect_map((void *)ports_alias(), 0, 0);
}
)c");
  ProgramModel M = parse("static void *ports_alias(void);\n" + Src);
  const Function &F = function(M, "redir");
  ASSERT_EQ(F.helperCalls.size(), 3u);
  EXPECT_EQ(F.helperCalls[0].map, M.findMap("counts")->id) << "through a cast and parentheses";
  EXPECT_EQ(F.helperCalls[1].map, M.findMap("ports")->id);
  EXPECT_EQ(F.helperCalls[2].map, "") << "a call's result is no map the model can name";
}

TEST(FunctionPointers, ReferencesAndDeclarationsWhereTheyAreSpelled) {
  const std::string Src = bpf(R"c(
static int target(int x) { return x; }
int proto(int a, struct __sk_buff *skb);
SEC("tc") int fp(struct __sk_buff *skb) {
  long p = (long)target;
  return proto((int)p, skb) + (int)(long)&target;
}
int proto(int a, struct __sk_buff *skb) { return a + skb->len; }
)c");
  ProgramModel M = parse(Src);
  const Function &F = function(M, "fp");
  ASSERT_EQ(F.functionRefs.size(), 2u);
  unsigned Line = lineOf(Src, "long p = (long)target;");
  EXPECT_EQ(F.functionRefs[0].name, "target");
  EXPECT_EQ(F.functionRefs[0].spelled.beginLine, Line);
  EXPECT_EQ(F.functionRefs[0].spelled.beginColumn, 18u);
  EXPECT_EQ(F.functionRefs[1].spelled.beginLine, Line + 1);
  // The edge keeps the column of the first reference on its line.
  for (const Edge *E : M.edgesFrom(F.id))
    if (E->kind == edge::FunctionPointer && E->line == Line)
      EXPECT_EQ(E->column, 18u);
  // A prototype's ctx type and name are recorded with the definition's.
  const Function &P = function(M, "proto");
  ASSERT_EQ(P.nameSpans.size(), 2u);
  EXPECT_EQ(P.nameSpans[0].beginLine, lineOf(Src, "int proto(int a, struct __sk_buff *skb);"));
  unsigned SkBuffs = 0;
  for (const TokenRef &T : P.typeRefs)
    SkBuffs += T.name == "__sk_buff";
  EXPECT_EQ(SkBuffs, 2u) << "one in the prototype, one in the definition";
}

//===----------------------------------------------------------------------===//
// Failures: no partial model
//===----------------------------------------------------------------------===//

TEST(Failures, SyntaxErrorIsBadInputWithLocation) {
  const std::string Src = "#include <linux/bpf.h>\n"
                          "int broken(void) {\n"
                          "  return 1 +;\n"
                          "}\n";
  Result<ProgramModel> R = tryParse(Src);
  ASSERT_FALSE(R) << "a model was returned for a source with a syntax error";
  const Failure &F = R.failure();
  EXPECT_EQ(F.kind, FailureKind::BadInput);
  EXPECT_EQ(F.exitCode(), 2);
  EXPECT_EQ(F.file, kMainPath);
  EXPECT_EQ(F.line, 3u);
  EXPECT_EQ(F.column, 13u);
  EXPECT_EQ(F.message, "expected expression");
  EXPECT_EQ(F.firstLine(), "/virtual/prog.bpf.c:3:13: error: expected expression");
  EXPECT_NE(F.details.find("expected expression"), std::string::npos) << F.details;
}

TEST(Failures, MissingHeaderIsBadInputNamingTheHeader) {
  const std::string Src = "#include <linux/bpf.h>\n"
                          "#include \"does_not_exist.h\"\n"
                          "int fine(void) { return 0; }\n";
  Result<ProgramModel> R = tryParse(Src);
  ASSERT_FALSE(R);
  const Failure &F = R.failure();
  EXPECT_EQ(F.kind, FailureKind::BadInput);
  EXPECT_NE(F.message.find("does_not_exist.h"), std::string::npos) << F.message;
  EXPECT_EQ(F.file, kMainPath);
  EXPECT_EQ(F.line, 2u);
}

TEST(Failures, SemanticErrorGivesNoPartialModel) {
  const std::string Src = bpf(R"c(
SEC("xdp") int ok(struct xdp_md *ctx) { return XDP_PASS; }
SEC("xdp") int bad(struct xdp_md *ctx) { return undeclared_thing; }
)c");
  Result<ProgramModel> R = tryParse(Src);
  ASSERT_FALSE(R) << "the valid program must not be returned as a partial model";
  EXPECT_EQ(R.failure().kind, FailureKind::BadInput);
  EXPECT_EQ(R.failure().line, lineOf(Src, "int bad"));
  EXPECT_NE(R.failure().message.find("undeclared_thing"), std::string::npos);
}

TEST(Failures, ErrorInAVirtualHeaderPointsIntoTheHeader) {
  const Headers H = {{"/virtual/bad.h", "\nint broken_in_header = ;\n"}};
  Result<ProgramModel> R = tryParse(bpf("#include \"bad.h\"\n"), H);
  ASSERT_FALSE(R);
  EXPECT_EQ(R.failure().kind, FailureKind::BadInput);
  EXPECT_EQ(R.failure().file, "/virtual/bad.h");
  EXPECT_EQ(R.failure().line, 2u);
  EXPECT_EQ(R.failure().column, 24u);
}

//===----------------------------------------------------------------------===//
// Output formats
//===----------------------------------------------------------------------===//

namespace {
const char *const kSmallProgram = R"c(#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#define LIMIT 3
enum { SLOT = 1 };
typedef __u32 counter_t;
union u { __u32 a; };
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, LIMIT);
  __type(key, __u32);
  __type(value, counter_t);
} counts SEC(".maps");
int seen;
static int bump(union u *x) { return ++seen + x->a; }
SEC("xdp") int first(struct xdp_md *ctx) {
  __u32 k = SLOT;
  counter_t *c = bpf_map_lookup_elem(&counts, &k);
  union u x = {};
  return c && bump(&x) ? XDP_PASS : XDP_DROP;
}
SEC("tc") int second(struct __sk_buff *skb) { return 0; }
char LICENSE[] SEC("license") = "GPL";
)c";
} // namespace

TEST(Output, JsonHasTopLevelKeysAndProgramIds) {
  ProgramModel M = parse(kSmallProgram);
  nlohmann::json J = nlohmann::json::parse(toJson(M));
  for (const char *Key :
       {"programs", "functions", "maps", "globals", "types", "macros", "includes", "edges"}) {
    ASSERT_TRUE(J.contains(Key)) << Key;
    EXPECT_TRUE(J[Key].is_array()) << Key;
  }
  ASSERT_EQ(J["programs"].size(), 2u);
  std::set<std::string> Ids;
  for (const auto &P : J["programs"])
    Ids.insert(P["id"].get<std::string>());
  EXPECT_EQ(Ids, (std::set<std::string>{program(M, "first").id, program(M, "second").id}));
  EXPECT_TRUE(Ids.count(id("program", "first", lineOf(kSmallProgram, "int first"))));

  const auto &First = J["programs"][0]["name"] == "first" ? J["programs"][0] : J["programs"][1];
  EXPECT_EQ(First["section"], "xdp");
  EXPECT_EQ(First["type"], "xdp");
  EXPECT_EQ(First["autoload"], true);
  EXPECT_EQ(J["license"], "GPL");
  EXPECT_EQ(J["maps"].size(), 1u);
  EXPECT_EQ(J["maps"][0]["type"], "array");
  EXPECT_EQ(J["maps"][0]["max_entries"], 3);

  // Each program id is the source of its entry edge; every edge has from/to/kind.
  std::set<std::string> EntryFrom;
  for (const auto &E : J["edges"]) {
    ASSERT_TRUE(E.contains("from") && E.contains("to") && E.contains("kind")) << E.dump();
    if (E["kind"] == edge::Entry)
      EntryFrom.insert(E["from"].get<std::string>());
  }
  EXPECT_EQ(EntryFrom, Ids);
  EXPECT_EQ(J["edges"].size(), M.edges.size());
}

TEST(Output, DotHasOneShapePerKind) {
  ProgramModel M = parse(kSmallProgram);
  std::string Dot = toDot(M);
  EXPECT_EQ(Dot.rfind("digraph ", 0), 0u) << Dot.substr(0, 80);
  EXPECT_NE(Dot.find(" -> "), std::string::npos);

  // Node lines: "  "ID" [label=..., shape=SHAPE, fillcolor=...];"
  std::map<std::string, std::set<std::string>> ShapesByKind;
  const std::regex Node(R"re(^  "([a-z]+):[^"]*" \[label="[^"]*", shape=([a-z]+),)re");
  std::istringstream In(Dot);
  for (std::string Line; std::getline(In, Line);) {
    std::smatch Mt;
    if (std::regex_search(Line, Mt, Node))
      ShapesByKind[Mt[1]].insert(Mt[2]);
  }
  const std::map<std::string, std::string> Expected = {
      {"program", "doubleoctagon"}, {"function", "box"},   {"map", "cylinder"},
      {"global", "note"},           {"union", "component"}, {"enum", "tab"},
      {"typedef", "folder"},        {"macro", "hexagon"},  {"include", "invhouse"},
      {"helper", "ellipse"},        {"struct", "component"}};
  for (const auto &[Kind, Shape] : Expected) {
    ASSERT_TRUE(ShapesByKind.count(Kind)) << "no " << Kind << " node in\n" << Dot;
    EXPECT_EQ(ShapesByKind[Kind], (std::set<std::string>{Shape})) << Kind;
  }
  EXPECT_EQ(ShapesByKind.size(), Expected.size());
}

//===----------------------------------------------------------------------===//
// Every edge kind
//===----------------------------------------------------------------------===//

TEST(AllEdgeKinds, HeaderListsExactlyThese) {
  // Adding a kind to ProgramModel.h's namespace edge without adding it (and a test) here fails.
  std::ifstream In(BPFCARVE_SOURCE_DIR "/extractor/include/bpfcarve/extractor/ProgramModel.h");
  ASSERT_TRUE(In) << "cannot read ProgramModel.h";
  std::string Text((std::istreambuf_iterator<char>(In)), std::istreambuf_iterator<char>());
  size_t Begin = Text.find("namespace edge {");
  size_t End = Text.find("} // namespace edge", Begin);
  ASSERT_NE(Begin, std::string::npos);
  ASSERT_NE(End, std::string::npos);
  std::string Body = Text.substr(Begin, End - Begin);
  const std::regex Kind(R"re(constexpr const char \*\w+ = "([a-z_]+)";)re");
  std::set<std::string> Declared;
  for (auto It = std::sregex_iterator(Body.begin(), Body.end(), Kind); It != std::sregex_iterator();
       ++It)
    Declared.insert((*It)[1]);
  EXPECT_EQ(Declared, kAllEdgeKinds);
}

TEST(AllEdgeKinds, OneSourceProducesEveryKind) {
  const Headers H = {{"/virtual/common.h", "#pragma once\n"
                                           "#include \"slots.h\"\n"
                                           "struct pkt_info { __u32 len; };\n"},
                     {"/virtual/slots.h", "#define MAX_SLOTS 4\n"}};
  const std::string Src = bpf(R"c(#include "common.h"
#define DEBUG_TRACE
#define SLOTS MAX_SLOTS
enum mode { MODE_OFF, MODE_ON };
extern int bpf_dummy_kfunc(int x) __ksym;
int packets;
struct inner { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1);
               __type(key, __u32); __type(value, __u32); } inner_a SEC(".maps");
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
  __uint(max_entries, SLOTS);
  __type(key, __u32);
  __array(values, struct inner);
} outer SEC(".maps") = { .values = { [0] = &inner_a } };
int target(struct xdp_md *ctx);
struct {
  __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
  __uint(max_entries, 2);
  __uint(key_size, sizeof(__u32));
  __array(values, int (void *));
} jmp SEC(".maps") = { .values = { [1] = (void *)&target } };
static int loop_cb(__u32 i, void *data) { return 0; }
static int helper_fn(struct pkt_info *p) { return p->len; }
#ifdef DEBUG_TRACE
static int traced(void) { return MODE_ON; }
#endif
SEC("xdp") int target(struct xdp_md *ctx) { return XDP_PASS; }
SEC("xdp") int main_prog(struct xdp_md *ctx) {
  struct pkt_info p = { .len = ctx->data_end - ctx->data };
  int (*fp)(void) = traced;
  __u32 k = 0;
  bpf_loop(4, loop_cb, 0, 0);
  packets++;
#ifdef DEBUG_TRACE
  bpf_dummy_kfunc(fp());
#endif
  if (bpf_map_lookup_elem(&outer, &k))
    bpf_tail_call(ctx, &jmp, 1);
  return helper_fn(&p) ? XDP_PASS : XDP_DROP;
}
char LICENSE[] SEC("license") = "GPL";
)c");
  ProgramModel M = parse(Src, H);
  std::set<std::string> Present = edgeKinds(M);
  for (const std::string &K : kAllEdgeKinds)
    EXPECT_TRUE(Present.count(K)) << "no " << K << " edge in the rich source";
  EXPECT_EQ(Present, kAllEdgeKinds);

  // One concrete edge per kind, so that each is where it should be.
  EXPECT_TRUE(hasEdge(M, "program:main_prog@", "function:main_prog@", edge::Entry));
  EXPECT_TRUE(hasEdge(M, "function:main_prog@", "function:helper_fn@", edge::Calls));
  EXPECT_TRUE(hasEdge(M, "function:main_prog@", "function:loop_cb@", edge::Callback));
  EXPECT_TRUE(hasEdge(M, "function:main_prog@", "function:traced@", edge::FunctionPointer));
  EXPECT_TRUE(hasEdge(M, "function:main_prog@", "map:outer@", edge::UsesMap));
  EXPECT_TRUE(hasEdge(M, "function:main_prog@", "map:jmp@", edge::TailCall));
  EXPECT_TRUE(hasEdge(M, "map:jmp@", "function:target@", edge::MapSlot));
  EXPECT_TRUE(hasEdge(M, "map:outer@", "map:inner_a@", edge::MapSlot));
  EXPECT_TRUE(hasEdge(M, "map:outer@", "struct:inner@", edge::InnerMap));
  EXPECT_TRUE(hasEdge(M, "function:main_prog@", "global:packets@", edge::UsesGlobal));
  EXPECT_TRUE(hasEdge(M, "function:helper_fn@", "struct:pkt_info@common.h:3", edge::UsesType));
  EXPECT_TRUE(hasEdge(M, "function:helper_fn@", "struct:pkt_info@common.h:3",
                      edge::PointsToType)); // the parameter's `struct pkt_info *`
  EXPECT_TRUE(hasEdge(M, "function:traced@", "enum:mode@", edge::UsesEnumConstant));
  EXPECT_TRUE(hasEdge(M, "macro:SLOTS@", "macro:MAX_SLOTS@slots.h:1", edge::ExpandsMacro));
  EXPECT_TRUE(hasEdge(M, "function:main_prog@", "macro:DEBUG_TRACE@", edge::TestsMacro));
  EXPECT_TRUE(hasEdge(M, "function:traced@", "macro:DEBUG_TRACE@", edge::GuardedBy));
  EXPECT_TRUE(hasEdge(M, "function:main_prog@", "helper:bpf_loop@", edge::CallsHelper));
  EXPECT_TRUE(hasEdge(M, "function:main_prog@", "function:bpf_dummy_kfunc@", edge::CallsKfunc));
  EXPECT_TRUE(hasEdge(M, "include:\"common.h\"@prog.bpf.c:3", "include:\"slots.h\"@common.h:2",
                      edge::Includes));
  EXPECT_TRUE(hasEdge(M, "struct:xdp_md@", "include:<linux/bpf.h>@prog.bpf.c:1", edge::DeclaredIn));
}

//===--- names generated code writes (Declarations.h) ----------------------===//

TEST(GeneratedNames, NeedsOfTextSkipCommentsStringsAndMembers) {
  auto Names = [](const std::string &Text) {
    std::vector<std::string> Out;
    for (const Need &N : needsOfText(Text))
      Out.push_back(N.kind + ":" + N.name);
    return Out;
  };
  EXPECT_EQ(Names("struct xdp_md *x = 0; /* TC_ACT_OK */ // XDP_PASS\n"),
            (std::vector<std::string>{"struct:xdp_md"}));
  EXPECT_EQ(Names("bpf_redirect(skb->ifindex, 0) == TC_ACT_SHOT ? \"SEC\" : s.__u32"),
            (std::vector<std::string>{"helper:bpf_redirect", "constant:TC_ACT_SHOT"}));
  EXPECT_EQ(Names("p->bpf_redirect + q.XDP_DROP + __u64x + x__u32"), std::vector<std::string>{});
  EXPECT_EQ(Names("(__u32)bpf_map_lookup_elem(&m, &k) + (__u32)1"),
            (std::vector<std::string>{"typedef:__u32", "helper:bpf_map_lookup_elem"}));
}

TEST(GeneratedNames, TheInputsOwnDeclarationsComeFirst) {
  // The file declares xdp_md, the lookup helper (under libbpf's name, by enum value) and a
  // function named like a helper; it declares no TC_ACT_* and no pull-data helper.
  std::string Src = "typedef unsigned int __u32;\n"
                    "struct xdp_md { __u32 data, data_end; };\n"
                    "enum { ID_LOOKUP = 1 };\n"
                    "static void *(*bpf_map_lookup_elem)(void *, const void *) = (void *)ID_LOOKUP;\n"
                    "static int bpf_redirect(int ifindex, int flags) { return ifindex + flags; }\n"
                    "__attribute__((section(\"xdp\"), used)) int p(struct xdp_md *c)\n"
                    "{ return bpf_redirect(c->data, 0) + !!bpf_map_lookup_elem(0, 0); }\n";
  ProgramModel M = parse(Src);
  ASSERT_TRUE(M.provided.count("struct:xdp_md"));
  EXPECT_EQ(M.provided.at("struct:xdp_md").entity, id("struct", "xdp_md", 2));
  ASSERT_TRUE(M.provided.count("typedef:__u32"));
  EXPECT_EQ(M.provided.at("typedef:__u32").entity, id("typedef", "__u32", 1));
  ASSERT_TRUE(M.provided.count("helper:bpf_map_lookup_elem"));
  EXPECT_EQ(M.provided.at("helper:bpf_map_lookup_elem").entity,
            id("helper", "bpf_map_lookup_elem", 4));
  ASSERT_TRUE(M.provided.count("helper:bpf_redirect"));
  EXPECT_NE(M.provided.at("helper:bpf_redirect").conflict, "");

  auto P = provide(M, {{"struct", "xdp_md"},
                       {"helper", "bpf_map_lookup_elem"},
                       {"constant", "TC_ACT_OK"},
                       {"helper", "bpf_skb_pull_data"},
                       {"constant", "TC_ACT_OK"},
                       {"helper", "bpf_redirect"}});
  ASSERT_TRUE(P) << P.failure().message;
  EXPECT_EQ(P->keep, (std::vector<std::string>{id("struct", "xdp_md", 2),
                                               id("helper", "bpf_map_lookup_elem", 4)}));
  EXPECT_EQ(P->declared, (std::vector<std::string>{"TC_ACT_OK", "bpf_skb_pull_data"}));
  EXPECT_NE(P->declarations.find("#ifndef BPFCARVE_DECL_TC_ACT_OK\n#define BPFCARVE_DECL_TC_ACT_OK\n"
                                 "#define TC_ACT_OK 0\n#endif\n"),
            std::string::npos)
      << P->declarations;
  EXPECT_NE(P->declarations.find("static long (*bpf_skb_pull_data)(void *skb, unsigned int len) = "
                                 "(void *) " +
                                 std::to_string(BPF_FUNC_skb_pull_data) + ";"),
            std::string::npos)
      << P->declarations;
  ASSERT_EQ(P->conflicts.size(), 1U);
  EXPECT_EQ(P->conflicts[0].name, "bpf_redirect");
  EXPECT_EQ(P->conflicts[0].entity, id("function", "bpf_redirect", 5));
  // A name outside the catalogue is bpfcarve's mistake, not the input's.
  auto Unknown = provide(M, {{"helper", "bpf_not_a_helper"}});
  ASSERT_FALSE(Unknown);
  EXPECT_EQ(Unknown.failure().kind, FailureKind::Internal);
}

TEST(GeneratedNames, AHelperDeclaredUnderAnotherNameIsTheInputs) {
  // iproute2's bpf_api.h: `static int BPF_FUNC(skb_pull_data, struct __sk_buff *skb, ...)`,
  // with `#define BPF_FUNC(NAME, ...) (*NAME)(__VA_ARGS__) = (void *) BPF_FUNC_##NAME`.
  std::string Src =
      "#define BPF_FUNC(NAME, ...) (*NAME)(__VA_ARGS__) = (void *) BPF_FUNC_##NAME\n"
      "enum { BPF_FUNC_skb_pull_data = " +
      std::to_string(BPF_FUNC_skb_pull_data) +
      " };\n"
      "static int BPF_FUNC(skb_pull_data, void *skb, unsigned int len);\n"
      "__attribute__((section(\"tc\"), used)) int p(void *c) { return 0; }\n";
  ProgramModel M = parse(Src);
  ASSERT_TRUE(M.provided.count("helper:bpf_skb_pull_data"));
  EXPECT_EQ(M.provided.at("helper:bpf_skb_pull_data").alias, "skb_pull_data");
  auto P = provide(M, {{"helper", "bpf_skb_pull_data"}});
  ASSERT_TRUE(P) << P.failure().message;
  EXPECT_EQ(P->keep, (std::vector<std::string>{id("helper", "skb_pull_data", 3)}));
  EXPECT_EQ(P->declarations, "#ifndef BPFCARVE_DECL_bpf_skb_pull_data\n"
                             "#define BPFCARVE_DECL_bpf_skb_pull_data\n"
                             "#define bpf_skb_pull_data skb_pull_data\n#endif\n");
}

TEST(GeneratedNames, DeclarationsCompileBesideEachOtherAndMatchTheUapiLayout) {
  // Every declaration of the catalogue in one file, twice (the guards), with no header; then
  // the ctx structs against <linux/bpf.h>, field by field (the verifier checks ctx offsets).
  std::string All;
  for (const GeneratedDeclaration &G : generatedDeclarations()) {
    auto P = provide(ProgramModel{}, {{std::string(G.kind), std::string(G.name)}});
    ASSERT_TRUE(P) << P.failure().message;
    All += P->declarations;
  }
  std::string Src = All + All + "int use(void) { return sizeof(struct __sk_buff) + XDP_PASS; }\n";
  ParseOptions O;
  O.file = kMainPath;
  O.contents = Src;
  auto Alone = parseOnly(O);
  EXPECT_TRUE(Alone) << (Alone ? "" : Alone.failure().message + "\n" + Alone.failure().details);

  std::string Layout = "#include <linux/bpf.h>\n#include <stddef.h>\n"
                       "#define xdp_md bpfcarve_xdp_md\n#define __sk_buff bpfcarve_sk_buff\n" +
                       std::string(findGeneratedDeclaration("struct", "xdp_md")->text) + "\n" +
                       std::string(findGeneratedDeclaration("struct", "__sk_buff")->text) +
                       "\n#undef xdp_md\n#undef __sk_buff\n";
  auto same = [&](const char *Uapi, const char *Ours, const char *F) {
    Layout += std::string("_Static_assert(offsetof(struct ") + Uapi + ", " + F +
              ") == offsetof(struct " + Ours + ", " + F + "), \"" + Uapi + "." + F + "\");\n";
  };
  for (const char *F : {"data", "data_end", "data_meta", "ingress_ifindex", "rx_queue_index",
                        "egress_ifindex"})
    same("xdp_md", "bpfcarve_xdp_md", F);
  for (const char *F :
       {"len", "mark", "protocol", "vlan_tci", "ifindex", "cb", "tc_classid", "data", "data_end",
        "napi_id", "family", "remote_ip6", "local_port", "data_meta", "flow_keys", "tstamp",
        "wire_len", "sk", "gso_size", "tstamp_type", "hwtstamp"})
    same("__sk_buff", "bpfcarve_sk_buff", F);
  Layout += "_Static_assert(sizeof(struct __sk_buff) == sizeof(struct bpfcarve_sk_buff), \"\");\n"
            "_Static_assert(sizeof(struct xdp_md) == sizeof(struct bpfcarve_xdp_md), \"\");\n";
  O.contents = Layout;
  auto Same = parseOnly(O);
  EXPECT_TRUE(Same) << (Same ? "" : Same.failure().message + "\n" + Same.failure().details);
}
