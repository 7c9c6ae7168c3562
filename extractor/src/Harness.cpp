//===- Harness.cpp --------------------------------------------------------===//
#include "bpfcarve/extractor/Harness.h"
#include "bpfcarve/extractor/Declarations.h"
#include "bpfcarve/toolchain/Names.h"

#include <algorithm>
#include <set>
#include <sstream>

namespace bpfcarve::extractor {

namespace {

bool nameLooksLikeDataEnd(const std::string &N) { return N.find("end") != std::string::npos; }
bool nameLooksLikeData(const std::string &N) {
  return N.find("data") != std::string::npos || N == "pkt" || N == "packet" || N == "p";
}

bool nameLooksLikeCtx(const std::string &N) {
  return N == "ctx" || (N.size() > 4 && N.compare(N.size() - 4, 4, "_ctx") == 0);
}

/// A C literal for V of any integer parameter type.
std::string literal(long long V) {
  return V < 0 ? "(" + std::to_string(V) + "LL)" : std::to_string(V) + "ULL";
}

std::string replaceAt(std::string Storage, const std::string &Name) {
  size_t At = Storage.find('@');
  return At == std::string::npos ? Storage + " " + Name : Storage.replace(At, 1, Name);
}

/// Whether F returns the hook's action: it names the hook's return codes (XDP_DROP, TC_ACT_SHOT)
/// in its returns, or uses them (enum constants or macros) and returns an integer.
bool returnsAction(const ProgramModel &M, const Function &F, const HarnessHook &H) {
  std::set<std::string> Codes(H.actionNames.begin(), H.actionNames.end());
  for (const ReturnSite &R : F.returns)
    for (const std::string &N : R.names)
      if (Codes.count(N))
        return true;
  if (F.returnType == "void")
    return false;
  for (const Edge *E : M.edgesFrom(F.id)) {
    std::string To = E->to.substr(E->to.find(':') + 1);
    To = To.substr(0, To.find('@'));
    if (E->kind == edge::ExpandsMacro && Codes.count(To))
      return true;
    if (E->kind == edge::UsesEnumConstant)
      for (const TypeEntity &T : M.types)
        if (T.id == E->to)
          for (const std::string &Member : T.members)
            if (Codes.count(Member))
              return true;
  }
  return false;
}

/// A record only vmlinux.h defines: a kernel object, not something a map value can stand for.
bool isKernelObject(const ProgramModel &M, const std::string &Record) {
  for (const TypeEntity &T : M.types)
    if (T.name == Record && T.kind != "typedef")
      if (const SourceFile *F = M.findFile(T.decl.file))
        return F->headerClass == "vmlinux";
  return false;
}

/// Why a pointer to Record (whose first pointer member is PointerMember) cannot be made up for
/// hook H, "" when it can: the ctx of another hook, or a kernel object. vmlinux.h defines network
/// headers too (struct tcphdr, struct in6_addr): plain data a map value can hold; a record there
/// that holds pointers is a kernel object.
std::string pointeeRefusal(const ProgramModel &M, const HarnessHook &H, const std::string &Record,
                           const std::string &PointerMember) {
  if (Record.empty())
    return {};
  if (std::find(H.foreignCtxStructs.begin(), H.foreignCtxStructs.end(), Record) !=
      H.foreignCtxStructs.end())
    return "points to " + Record + ", the context of another hook; " +
           toolchain::withArticle(H.name) + " program has struct " + H.ctxStruct;
  if (!PointerMember.empty() && isKernelObject(M, Record))
    return "points to a kernel object (struct " + Record + " from vmlinux.h, with pointer member " +
           PointerMember + ") that a harness cannot make up";
  return {};
}

/// A record a system header defines (struct tcphdr from linux/tcp.h or vmlinux.h): a packet
/// header when a packet-parsing function points at one.
bool isSystemRecord(const ProgramModel &M, const std::string &Record) {
  for (const TypeEntity &T : M.types)
    if (T.name == Record && T.kind != "typedef" && T.kind != "enum")
      return T.origin == Origin::System;
  return false;
}

/// Whether untyped parameter P is the end of the packet: every caller passes ctx->data_end, or,
/// where the callers say nothing, it is named like it (`void *data_end`).
bool isPacketEnd(const Param &P) {
  return P.callerSource == "data_end" || (P.callerSource.empty() && nameLooksLikeDataEnd(P.name));
}

/// Whether F takes the end of the packet (`void *data_end`): its other untyped pointers and
/// pointers to system header structs then point into the packet, as its callers pass them.
bool takesPacketEnd(const Function &F) {
  for (const Param &P : F.parameters)
    if ((P.shape == Param::Shape::VoidPointer || P.shape == Param::Shape::VoidPointerPointer) &&
        isPacketEnd(P))
      return true;
  return false;
}

/// One of Options, each verified: Options[0] alone, or all of them chosen by an unknown
/// `__u32 Selector` of the map value, written into Fields (`(bpfcarve_args->p0 == 1 ? B : A)`).
std::string chosenByUnknown(const std::vector<std::string> &Options, const std::string &Selector,
                            std::ostream &Fields) {
  std::string Expr = Options.front();
  if (Options.size() == 1)
    return Expr;
  Fields << "\t__u32 " << Selector << ";\n";
  for (size_t I = Options.size() - 1; I > 0; --I)
    Expr = "bpfcarve_args->" + Selector + " == " + std::to_string(I) + " ? " + Options[I] + " : " +
           Expr;
  return "(" + Expr + ")";
}

struct BuiltRecord {
  std::string fields; ///< members of the harness's map value
  std::string locals; ///< the stack record and the stores into it
  bool needsPacket = false;
};

/// The stack copy of a pointer-holding record for parameter P: `bpfcarve_<Field>`, its plain data
/// copied from the map value's `<Field>`, then each pointer member set as a parameter of its
/// type and name would be: the ctx; the packet start or end for a member the file sets from
/// ctx->data or ctx->data_end (or one named like them); else storage in the map value for what
/// it points to, one storage for all pointer members of a union, sized for the largest.
Result<BuiltRecord> buildRecordWithPointers(const ProgramModel &M, const HarnessHook &H,
                                            const Param &P, const std::string &Field,
                                            const std::string &Label) {
  BuiltRecord B;
  std::string Local = "bpfcarve_" + Field;
  const std::string &Record = P.storage;
  std::ostringstream Fields, Stores;
  Fields << "\t" << replaceAt(Record, Field) << ";\n";
  std::vector<std::string> Refused;
  std::set<std::string> UnionsDone;
  unsigned Storage = 0, Selectors = 0;
  for (const PointerMember &PM : P.pointerMembers) {
    if (!PM.unionPath.empty() && !UnionsDone.insert(PM.unionPath).second)
      continue; // the first pointer of a union is set; its storage covers the others
    std::string What = "member " + PM.path + " (" + PM.type + ")";
    std::string Value;
    bool Void = PM.storage.empty() && PM.pointeeRecord.empty();
    if (PM.inArray) {
      Refused.push_back(What + " is an array of pointers");
      continue;
    }
    if (!PM.pointeeRecord.empty() && PM.pointeeRecord == H.ctxStruct) {
      Value = "ctx";
    } else if (Void && PM.filledFrom == "ctx") { // `struct loop_ctx lc = { .ctx = ctx }`
      Value = "ctx";
    } else if (PM.filledFrom.starts_with("map:")) {
      // The map, or each of the maps the file sets it to (the slice keeps them).
      std::vector<std::string> Maps;
      for (const std::string &Name : filledFromMaps(PM.filledFrom))
        Maps.push_back("(" + PM.type + ")&" + Name);
      Value = chosenByUnknown(Maps, Field + "_map" + std::to_string(Selectors++), Fields);
    } else if (H.scalarKernelPointers && !PM.pointeePointerMember.empty() &&
               isKernelObject(M, PM.pointeeRecord)) {
      continue; // an unknown number, as copied from the map value: kernel pointers are scalars
    } else if (std::string Why = pointeeRefusal(M, H, PM.pointeeRecord, PM.pointeePointerMember);
               !Why.empty()) {
      Refused.push_back(What + " " + Why);
      continue;
    } else if (PM.filledFrom == "data_end" || PM.filledFrom == "data" ||
               (Void && (nameLooksLikeData(PM.name) || nameLooksLikeDataEnd(PM.name)))) {
      if (!H.directPacketAccess) {
        Refused.push_back(What + " is a packet pointer; " + H.name +
                          " programs have no direct packet access");
        continue;
      }
      bool End =
          PM.filledFrom == "data_end" || (PM.filledFrom.empty() && nameLooksLikeDataEnd(PM.name));
      B.needsPacket = true;
      Value = "(" + PM.type + ")" + (End ? "bpfcarve_data_end" : "bpfcarve_data");
    } else if (PM.filledFrom == "data_meta") {
      Refused.push_back(What + " is set from data_meta, which the harness does not provide");
      continue;
    } else if (!PM.storage.empty()) {
      std::string Name = Field + "_" + std::to_string(Storage++);
      if (PM.unionPath.empty()) {
        Fields << "\t" << replaceAt(PM.storage, Name) << ";\n";
      } else {
        Fields << "\tunion {\n";
        unsigned Alt = 0;
        for (const PointerMember &Other : P.pointerMembers)
          if (Other.unionPath == PM.unionPath && !Other.storage.empty())
            Fields << "\t\t" << replaceAt(Other.storage, "m" + std::to_string(Alt++)) << ";\n";
        Fields << "\t} " << Name << ";\n";
      }
      Value = "(" + PM.type + ")&bpfcarve_args->" + Name;
    } else if (H.scalarKernelPointers && Void) {
      // An untyped address at a hook where kernel and user pointers are numbers the program
      // reads through helpers (pyperf's `FrameData.f_back`, read by bpf_probe_read_user):
      // any value, as copied from the map value, as the original got one from memory.
      continue;
    } else {
      Refused.push_back(What + " is an untyped pointer the file does not set from ctx data or "
                               "data_end, nor named like them");
      continue;
    }
    // A const member (`uint8_t *const tail`) is set through its address, as an initialiser
    // would set it: the record as a whole came from the map value and is not const.
    if (PM.isConst)
      Stores << "\t*(" << PM.type << " *)&" << Local << "." << PM.path << " = " << Value << ";\n";
    else
      Stores << "\t" << Local << "." << PM.path << " = " << Value << ";\n";
  }
  if (!Refused.empty()) {
    std::string Msg = Label + ": a record with pointers built on the stack, but its ";
    for (size_t I = 0; I < Refused.size(); ++I)
      Msg += (I ? "; " : "") + Refused[I];
    return Failure::badInput(Msg);
  }
  B.fields = Fields.str();
  B.locals = "\t" + replaceAt(Record, Local) + ";\n\n\t__builtin_memcpy(&" + Local +
             ", &bpfcarve_args->" + Field + ", sizeof(" + Local + "));\n" + Stores.str();
  return B;
}

/// The harness of one hook, written one selected function at a time: a map-value member, a
/// local or an expression per parameter (one strategy per parameter shape), the offsets clamped
/// into the packet, the call, then the rendered program.
class HarnessWriter {
public:
  HarnessWriter(const ProgramModel &M, const HarnessHook &H) : M(M), H(H) {}

  void addFunction(const Function &F) {
    std::vector<std::string> Args;
    bool PacketEnd = takesPacketEnd(F);
    for (const Param &P : F.parameters)
      addArgument(F, P, PacketEnd, Args);
    if (Args.size() == F.parameters.size()) {
      insideArguments(F, Args);
      clampPacketOffsets(F, Args);
    }
    addCall(F, Args);
  }

  /// Every refusal at once, or the harness's C text.
  Result<GeneratedHarness> render(size_t FunctionCount) const;

private:
  void addArgument(const Function &F, const Param &P, bool PacketEnd,
                   std::vector<std::string> &Args) {
    std::string Label = F.name + "(" + (P.name.empty() ? "unnamed" : P.name) + ": " + P.type + ")";
    // An address inside what another argument points to: written once all are
    // (insideArguments).
    if (P.callerSource.starts_with("member:")) {
      Args.emplace_back();
      return;
    }
    if (numberArgument(F, P, Args) || ctxPathArgument(F, P, Args) || ctxArgument(F, P, Args) ||
        kernelPointerArgument(F, P, Args))
      return;
    if (std::string Why = pointeeRefusal(M, H, P.pointeeRecord, P.pointeePointerMember);
        !Why.empty()) {
      Refused.push_back(Label + ": " + Why);
      return;
    }
    // A context passed untyped, as functions shared by xdp and tc programs take it: named so,
    // or what every caller passes (`parse(void *md, ...)` given a program's ctx).
    if (P.shape == Param::Shape::VoidPointer &&
        (P.callerSource == "ctx" || (P.callerSource.empty() && nameLooksLikeCtx(P.name)))) {
      if (P.callerSource == "ctx")
        Locals << "\t/* " << F.name << "(" << P.name << "): its callers pass their ctx */\n";
      Args.emplace_back("ctx");
      return;
    }
    // Maps first: a map definition's struct (`struct socket_bind_map_t *rules`) holds pointers,
    // but what the callers pass is the map itself.
    if (packetArgument(F, P, PacketEnd, Label, Args) || callerMapArgument(F, P, Args) ||
        recordArgument(P, Label, Args))
      return;
    std::string Field = "p" + std::to_string(FieldNo++);
    if (callerValuesArgument(F, P, Field, Args) || callerRangeArgument(F, P, Field, Args) ||
        callerObjectArgument(F, P, Field, Args))
      return;
    mapValueArgument(P, Field, Label, Args);
  }

  /// The ctx as the hook's struct, or the address of a local that holds it. Where the ctx is
  /// raw data, the parameter every caller passes its ctx to, whatever its type: a tracepoint's
  /// record (`struct trace_event_raw_sys_enter *ctx`, or a struct of the program's own), the
  /// `unsigned long long *ctx` that BPF_PROG(name, ...) passes the body it writes at raw_tp.
  bool ctxArgument(const Function &F, const Param &P, std::vector<std::string> &Args) {
    // Also a ctx struct the file only declares (get_func_ip_test.c's BPF_KRETPROBE body takes
    // `struct pt_regs *ctx`, incomplete beside linux/bpf.h).
    bool Record = P.shape == Param::Shape::PointerToObject ||
                  (P.shape == Param::Shape::Other && !P.pointeeRecord.empty());
    if (H.scalarKernelPointers && P.callerSource == "ctx" && Record &&
        (H.ctxStruct.empty() || P.pointeeRecord != H.ctxStruct) &&
        std::find(H.foreignCtxStructs.begin(), H.foreignCtxStructs.end(), P.pointeeRecord) ==
            H.foreignCtxStructs.end()) {
      Locals << "\t/* " << F.name << "(" << P.name << "): its callers pass their ctx */\n";
      Args.push_back(H.ctxStruct.empty() ? std::string("ctx") : "(" + P.type + ")ctx");
      return true;
    }
    if (!P.pointeeRecord.empty() && P.pointeeRecord == H.ctxStruct) {
      if (P.shape != Param::Shape::PointerToPointerToObject) {
        Args.emplace_back("ctx");
        return true;
      }
      std::string Local = "bpfcarve_ctx" + std::to_string(FieldNo++);
      Locals << "\tstruct " << H.ctxStruct << " *" << Local << " = ctx;\n";
      Args.push_back("&" + Local);
      return true;
    }
    return false;
  }

  /// A number every caller casts to a pointer (strobemeta.h's
  /// `task = (struct task_struct *)bpf_get_current_task(); read_strobe_meta(task, ...)`): to the
  /// verifier a scalar at every hook, so any number from the map value.
  bool numberArgument(const Function &F, const Param &P, std::vector<std::string> &Args) {
    if (P.callerSource != "number")
      return false;
    anyNumber(F, P, "its callers pass a number cast to a pointer", Args);
    return true;
  }

  /// A `__u64` of the map value, any number, cast to P's type; Why goes in its comment.
  void anyNumber(const Function &F, const Param &P, const std::string &Why,
                 std::vector<std::string> &Args) {
    std::string Field = "p" + std::to_string(FieldNo++);
    NeedsArgs = true;
    Fields << "\t__u64 " << Field << "; /* " << F.name << "(" << P.name << "): " << Why
           << ", any value */\n";
    Args.push_back("(" + P.type + ")bpfcarve_args->" + Field);
  }

  /// A kernel object every caller reaches from its ctx (bpf_iter_udp4.c's
  /// `udp_sk = ctx->udp_sk; if (!udp_sk) return 0; ... sock_i_ino(&inet->sk)` with
  /// `inet = &udp_sk->inet`): the same walk from the harness's ctx, each pointer read checked
  /// for NULL as the verifier requires of them.
  bool ctxPathArgument(const Function &F, const Param &P, std::vector<std::string> &Args) {
    if (!P.callerSource.starts_with("ctx_path:"))
      return false;
    std::vector<std::string> Steps;
    std::stringstream In(P.callerSource.substr(9));
    for (std::string Step; std::getline(In, Step, '|');)
      Steps.push_back(Step);
    // The callers' ctx is another hook's (a harness asked for elsewhere): not this walk.
    std::string Root = Steps.front(), Cur, Written, Record;
    if (Root.starts_with("ctx_arg:")) {
      // An argument of the target, BPF_PROG's `(void *)ctx[N]`, at hooks with an args ctx.
      size_t Colon = Root.find(':', 8);
      if (!H.argsCtx || Colon == std::string::npos)
        return false;
      std::string N = Root.substr(8, Colon - 8);
      Cur = "((" + Root.substr(Colon + 1) + ")((unsigned long long *)ctx)[" + N + "])";
      Written = "ctx[" + N + "]";
    } else {
      Record = Root;
      if (Record.starts_with("struct ") && Record.ends_with(" *"))
        Record = Record.substr(7, Record.size() - 9);
      if (!H.ctxStruct.empty() && Record != H.ctxStruct)
        return false;
      Cur = "((" + Root + ")ctx)";
      Written = "ctx";
    }
    for (size_t I = 1; I < Steps.size(); ++I) {
      std::string Member = Steps[I].substr(1);
      if (Steps[I][0] == '&') {
        Cur = "(&" + Cur + "->" + Member + ")";
        Written = "(&" + Written + "->" + Member + ")";
        continue;
      }
      Written += "->" + Member;
      std::string Local = "bpfcarve_c" + std::to_string(FieldNo++);
      Locals << "\t__typeof__(" << Cur << "->" << Member << ") " << Local << " = " << Cur << "->"
             << Member << ";\n\n\tif (!" << Local << ")\n\t\treturn " << H.passValue << "; /* "
             << H.passName << " */\n";
      Cur = Local;
    }
    // The ctx's record is named by the casts: kept in the slice (a selftest's bpf_iter.h
    // defines `struct bpf_iter__udp` itself, beside vmlinux.h's renamed one).
    if (!Record.empty())
      CtxRecords.insert(Record);
    if (Steps.back()[0] == '&')
      Written = Written.substr(1, Written.size() - 2);
    Locals << "\t/* " << F.name << "(" << P.name << "): its callers pass " << Written << " */\n";
    Args.push_back("(" + P.type + ")" + Cur);
    return true;
  }

  /// A pointer every caller makes inside what another of the function's arguments points to
  /// (strobemeta.h's `payload = data->payload; ... read_str_var(..., data, payload)`, moved along
  /// by `payload += len` between calls): the address of that member of the harness's argument,
  /// the first address the callers pass.
  void insideArguments(const Function &F, std::vector<std::string> &Args) {
    for (size_t I = 0; I < Args.size(); ++I) {
      const Param &P = F.parameters[I];
      if (!P.callerSource.starts_with("member:"))
        continue;
      size_t Colon = P.callerSource.find(':', 7);
      size_t K = std::stoul(P.callerSource.substr(7, Colon - 7));
      std::string Path = P.callerSource.substr(Colon + 1);
      if (K >= Args.size() || K == I || Args[K].empty() ||
          F.parameters[K].shape != Param::Shape::PointerToObject ||
          F.parameters[K].pointeeRecord.empty()) {
        Refused.push_back(F.name + "(" + P.name + ": " + P.type +
                          "): its callers pass an address inside argument " + std::to_string(K) +
                          "'s object, which this harness does not build");
        continue;
      }
      Locals << "\t/* " << F.name << "(" << P.name << "): its callers pass an address in "
             << F.parameters[K].name << "->" << Path << " */\n";
      Args[I] = "(" + P.type + ")&(" + Args[K] + ")->" + Path;
    }
  }

  /// A kernel object where kernel pointers are unknown scalars (kprobe's
  /// `int BPF_KPROBE(do_unlinkat, int dfd, struct filename *name)` reads name->name with
  /// BPF_CORE_READ): a number from the map value, as the original got one from a register.
  /// Also a pointer to a record the file never completes: C code can only pass it on.
  /// The same for what the callers pass from registers untyped or as another hook's ctx struct:
  /// `BPF_KPROBE(trace_virtqueue_add_sgs, void *unused, struct scatterlist **sgs, ...)` and
  /// `BPF_PROG(handle__raw_tp, struct pt_regs *regs, long id)` at raw_tp/sys_enter, where
  /// regs is an argument of the event, not the program's ctx.
  bool kernelPointerArgument(const Function &F, const Param &P, std::vector<std::string> &Args) {
    if (!H.scalarKernelPointers || P.callerObjectBytes || !P.callerMaps.empty() ||
        P.callerSource == "ctx")
      return false;
    bool Foreign = std::find(H.foreignCtxStructs.begin(), H.foreignCtxStructs.end(),
                             P.pointeeRecord) != H.foreignCtxStructs.end();
    bool Kernel = P.shape == Param::Shape::PointerToObject && !P.pointeePointerMember.empty() &&
                  isKernelObject(M, P.pointeeRecord);
    bool KernelArray =
        P.shape == Param::Shape::PointerToPointerToObject && isKernelObject(M, P.pointeeRecord);
    bool Incomplete = P.shape == Param::Shape::Other && !P.pointeeRecord.empty();
    bool Untyped =
        P.shape == Param::Shape::VoidPointer && P.callerSource.empty() && !nameLooksLikeCtx(P.name);
    if (H.argsCtx && P.callerSource.starts_with("ctx_arg:")) {
      std::string N = P.callerSource.substr(8);
      Locals << "\t/* " << F.name << "(" << P.name << "): its callers pass their ctx[" << N
             << "], the target's argument " << N << " */\n";
      Args.push_back("(" + P.type + ")((unsigned long long *)ctx)[" + N + "]");
      return true;
    }
    // A register, a raw tracepoint argument.
    bool FromCtx = P.callerSource == "ctx_value" || P.callerSource.starts_with("ctx_arg:");
    if (!(Kernel || KernelArray || Incomplete || Untyped || FromCtx ||
          (Foreign && P.shape == Param::Shape::PointerToObject)))
      return false;
    anyNumber(F, P, "a kernel pointer", Args);
    return true;
  }

  /// The packet start or end.
  bool packetArgument(const Function &F, const Param &P, bool PacketEnd, const std::string &Label,
                      std::vector<std::string> &Args) {
    // Next to data_end, a header pointer (void *transport_hdr, struct tcphdr *th) is the
    // packet start: the function must bounds-check it against data_end itself.
    if (PacketEnd && H.directPacketAccess && !isPacketEnd(P) &&
        (P.callerSource.empty() || P.callerSource == "data") &&
        (P.shape == Param::Shape::VoidPointer ||
         (P.shape == Param::Shape::PointerToObject && !P.pointeeRecord.empty() &&
          P.pointeePointerMember.empty() && isSystemRecord(M, P.pointeeRecord)))) {
      NeedsPacket = true;
      if (P.callerSource == "data")
        Locals << "\t/* " << F.name << "(" << P.name << "): its callers pass ctx->data */\n";
      Args.push_back(P.shape == Param::Shape::VoidPointer ? std::string("bpfcarve_data")
                                                          : "(" + P.type + ")bpfcarve_data");
      return true;
    }
    // What the callers pass decides (`void *start` given ctx->data); else the name.
    bool FromCallers = P.callerSource == "data" || P.callerSource == "data_end";
    // A local object the callers pass is no packet, whatever its name (bpf_loop.c's
    // `callback(__u32 index, void *data)` given `&data`, a struct on the stack).
    bool PacketName = FromCallers || (P.callerSource.empty() && !P.callerStackObjects &&
                                      (nameLooksLikeData(P.name) || nameLooksLikeDataEnd(P.name)));
    if ((P.shape != Param::Shape::VoidPointer && P.shape != Param::Shape::VoidPointerPointer) ||
        !PacketName)
      return false;
    if (!H.directPacketAccess) {
      Refused.push_back(Label + ": " + H.name + " programs have no direct packet access");
      return true;
    }
    NeedsPacket = true;
    bool End = FromCallers ? P.callerSource == "data_end" : nameLooksLikeDataEnd(P.name);
    if (FromCallers)
      Locals << "\t/* " << F.name << "(" << P.name << "): its callers pass ctx->" << P.callerSource
             << " */\n";
    std::string Var = End ? "bpfcarve_data_end" : "bpfcarve_data";
    Args.push_back(P.shape == Param::Shape::VoidPointerPointer ? "&" + Var : Var);
    return true;
  }

  /// A record that holds pointers (buf_t with skb, head and tail; a header_pointers struct):
  /// read from a map value its pointers would be scalars the verifier does not dereference, so
  /// it is built on the stack instead, its plain data copied from the map value.
  bool recordArgument(const Param &P, const std::string &Label, std::vector<std::string> &Args) {
    if ((P.shape != Param::Shape::PointerToObject && P.shape != Param::Shape::Record) ||
        P.pointerMembers.empty())
      return false;
    std::string Field = "p" + std::to_string(FieldNo++);
    auto Built = buildRecordWithPointers(M, H, P, Field, Label);
    if (!Built) {
      Refused.push_back(Built.failure().message);
      return true;
    }
    NeedsArgs = true;
    NeedsPacket |= Built->needsPacket;
    Fields << Built->fields;
    Locals << Built->locals;
    Args.push_back((P.shape == Param::Shape::PointerToObject ? "&bpfcarve_" : "bpfcarve_") + Field);
    return true;
  }

  /// An integer every caller passes as a constant (`jhash(key, 16, ...)`): each of those
  /// values, chosen by an unknown from the map value, so each is verified. Where programs of the
  /// hook's type are the callers, their values (`bool xdp`: 1).
  bool callerValuesArgument(const Function &F, const Param &P, const std::string &Field,
                            std::vector<std::string> &Args) {
    auto ByType = P.callerValuesByProgramType.find(H.progType);
    const std::vector<long long> &CallerValues =
        ByType != P.callerValuesByProgramType.end() ? ByType->second : P.callerValues;
    if (P.shape != Param::Shape::Scalar || CallerValues.empty())
      return false;
    std::vector<std::string> Literals;
    for (long long V : CallerValues)
      Literals.push_back(literal(V));
    NeedsArgs |= Literals.size() > 1;
    std::string Expr = chosenByUnknown(Literals, Field, Fields);
    std::string Values;
    for (long long V : CallerValues)
      Values += (Values.empty() ? "" : ", ") + std::to_string(V);
    Locals << "\t/* " << F.name << "(" << P.name << "): its "
           << (ByType != P.callerValuesByProgramType.end() ? H.progType + " " : "")
           << "callers pass " << Values << " */\n";
    Args.push_back(Expr);
    return true;
  }

  /// The maps the callers pass (`connection_table_lookup(..., lru_map)` with
  /// `void *lru_map = &lru_cache`): that map, or, when they pass several, each of them chosen by
  /// an unknown from the map value, so that every one is verified; kept in the slice.
  bool callerMapArgument(const Function &F, const Param &P, std::vector<std::string> &Args) {
    if (P.callerMaps.empty() ||
        (P.shape != Param::Shape::VoidPointer && P.shape != Param::Shape::PointerToObject))
      return false;
    // A field number is taken either way, so that the map value's field names do not depend
    // on how many maps the callers pass.
    std::string Field = "p" + std::to_string(FieldNo++), Names;
    std::vector<std::string> Maps;
    for (const std::string &Name : P.callerMaps) {
      Maps.push_back("(" + P.type + ")&" + Name);
      Names += (Names.empty() ? "&" : ", &") + Name;
    }
    NeedsArgs |= Maps.size() > 1;
    std::string Expr = chosenByUnknown(Maps, Field, Fields);
    Locals << "\t/* " << F.name << "(" << P.name << "): its callers pass " << Names << " */\n";
    Args.push_back(Expr);
    return true;
  }

  /// A number the callers pass from a counted loop (`for (int i = 0; i < STROBE_MAX_INTS; ++i)
  /// read_int_var(cfg, i, ...)`): any value of the map value, brought into the callers' range
  /// with one unsigned comparison the verifier follows, as the loop's bound bounded it.
  bool callerRangeArgument(const Function &F, const Param &P, const std::string &Field,
                           std::vector<std::string> &Args) {
    if (P.shape != Param::Shape::Scalar || !P.callerRange || P.callerRange->first < 0)
      return false;
    const auto [Lo, Hi] = *P.callerRange;
    const std::string Local = "bpfcarve_" + Field;
    NeedsArgs = true;
    Fields << "\t__u64 " << Field << ";\n";
    Locals << "\t/* " << F.name << "(" << P.name << "): its callers pass a value in [" << Lo << ", "
           << Hi << "] */\n"
           << "\t__u64 " << Local << " = bpfcarve_args->" << Field << ";\n\n"
           << "\tif (" << Local << " > " << Hi - Lo << ")\n\t\t" << Local << " = 0;\n";
    Args.push_back("(" + P.type + ")" + (Lo ? "(" + Local + " + " + literal(Lo) + ")" : Local));
    return true;
  }

  /// A pointer whose callers pass a larger object than its type says (`__u8 *mac` given
  /// `eth->h_source`, `const void *key` given a 16-byte address): storage that large.
  bool callerObjectArgument(const Function &F, const Param &P, const std::string &Field,
                            std::vector<std::string> &Args) {
    bool Larger = P.shape == Param::Shape::PointerToObject && P.pointeeBytes &&
                  P.callerObjectBytes > P.pointeeBytes && P.storage.find('[') == std::string::npos;
    if (!P.callerObjectBytes || (!Larger && P.shape != Param::Shape::VoidPointer))
      return false;
    NeedsArgs = true;
    unsigned long long Elem = P.shape == Param::Shape::VoidPointer ? 1 : P.pointeeBytes;
    std::string Storage = P.shape == Param::Shape::VoidPointer ? std::string("__u8 @") : P.storage;
    Fields << "\t"
           << replaceAt(Storage,
                        Field + "[" + std::to_string((P.callerObjectBytes + Elem - 1) / Elem) + "]")
           << "; /* the largest object " << F.name << "'s callers pass as " << P.name << " */\n";
    Args.push_back("(" + P.type + ")bpfcarve_args->" + Field);
    return true;
  }

  /// Otherwise, by shape: storage in the map value, or a refusal.
  void mapValueArgument(const Param &P, const std::string &Field, const std::string &Label,
                        std::vector<std::string> &Args) {
    switch (P.shape) {
    case Param::Shape::Scalar:
    case Param::Shape::Record:
      NeedsArgs = true;
      Fields << "\t" << replaceAt(P.storage, Field) << ";\n";
      Args.push_back("bpfcarve_args->" + Field);
      break;
    case Param::Shape::PointerToObject:
      NeedsArgs = true;
      Fields << "\t" << replaceAt(P.storage, Field) << ";\n";
      // An array field decays to the pointer; a single object needs its address.
      Args.push_back(
          (P.storage.find('[') != std::string::npos ? "bpfcarve_args->" : "&bpfcarve_args->") +
          Field);
      break;
    case Param::Shape::PointerToPointerToObject: {
      // An out- (or in-out) parameter: the address of a local pointer that points into the
      // map value, so the function may read through it or overwrite it.
      NeedsArgs = true;
      Fields << "\t" << replaceAt(P.storage, Field) << ";\n";
      std::string Local = "bpfcarve_" + Field;
      Locals << "\t" << replaceAt(P.storage, "(*" + Local + ")") << " = &bpfcarve_args->" << Field
             << ";\n";
      Args.push_back("(" + P.type + ")&" + Local);
      break;
    }
    case Param::Shape::VoidPointer:
      Refused.push_back(Label + ": a void * that is not named like data/data_end: its size "
                                "and meaning are unknown");
      break;
    case Param::Shape::VoidPointerPointer:
      Refused.push_back(Label + ": a void ** that is not named like data/data_end");
      break;
    case Param::Shape::FunctionPointer:
      Refused.push_back(Label + ": function pointers cannot be synthesised");
      break;
    case Param::Shape::Other:
      Refused.push_back(Label + ": pointer to an incomplete type or to a pointer");
      break;
    }
  }

  /// An offset the function adds to the packet start (`tcp = data + off`): the verifier tracks
  /// no packet pointer plus an unbounded scalar, so every caller bounds it. The harness takes it
  /// as unknown in [0, 0x7fff], half of the verifier's packet range (MAX_PACKET_OFF, 0xffff);
  /// the other half is left for the header sizes the function adds before its bounds check
  /// (`tcp + 1 > data_end`).
  void clampPacketOffsets(const Function &F, std::vector<std::string> &Args) {
    for (size_t I = 0; I < Args.size(); ++I) {
      const Param &P = F.parameters[I];
      if (P.shape != Param::Shape::Scalar || P.offsetOf.empty() || !P.callerValues.empty() ||
          P.callerValuesByProgramType.count(H.progType))
        continue;
      for (size_t J = 0; J < Args.size(); ++J)
        if (std::find(P.offsetOf.begin(), P.offsetOf.end(), F.parameters[J].name) !=
                P.offsetOf.end() &&
            Args[J].find("bpfcarve_data") != std::string::npos &&
            Args[J].find("bpfcarve_data_end") == std::string::npos) {
          Locals << "\t/* " << F.name << "(" << P.name << "): an offset into the packet ("
                 << F.parameters[J].name << " + " << P.name << "), unknown in [0, 0x7fff] */\n";
          Args[I] = "(" + Args[I] + " & 0x7fff)";
          break;
        }
    }
  }

  void addCall(const Function &F, const std::vector<std::string> &Args) {
    std::string Call = F.name + "(";
    for (size_t I = 0; I < Args.size(); ++I)
      Call += (I ? ", " : "") + Args[I];
    Call += ")";
    if (returnsAction(M, F, H)) {
      ReturnsAction = true;
      Calls << "\tbpfcarve_ret = " << Call << ";\n";
    } else if (F.returnType == "void") {
      Calls << "\t" << Call << ";\n";
    } else {
      // Keep the result: an unused call to an inlined pure function would be deleted by the
      // compiler, and the verifier would then pass code it never saw.
      std::string Sink = "r" + std::to_string(Sinks++);
      NeedsArgs = true;
      Fields << "\t__u64 " << Sink << ";\n";
      // A pointer result is stored as whether it is null: a kernel address must not land in a
      // map user space reads (and differs from run to run).
      if (F.returnType.find('*') != std::string::npos)
        Calls << "\tbpfcarve_args->" << Sink << " = " << Call << " != 0;\n";
      else
        Calls << "\tbpfcarve_args->" << Sink << " = (__u64)" << Call << ";\n";
    }
  }

  const ProgramModel &M;
  const HarnessHook &H;
  std::ostringstream Fields, Calls, Locals;
  std::vector<std::string> Refused;
  std::set<std::string> CtxRecords; ///< the records ctxPathArgument casts the ctx to
  bool NeedsPacket = false, NeedsArgs = false, ReturnsAction = false;
  unsigned Sinks = 0;
  unsigned FieldNo = 0;
};

Result<GeneratedHarness> HarnessWriter::render(size_t FunctionCount) const {
  if (!Refused.empty()) {
    std::string Msg = "cannot generate " + toolchain::withArticle(H.name) + " harness: ";
    for (size_t I = 0; I < Refused.size(); ++I)
      Msg += (I ? "; " : "") + Refused[I];
    return Failure::badInput(Msg);
  }
  GeneratedHarness G;
  G.comment = "/* bpfcarve harness: " + toolchain::withArticle(H.name) +
              " entry that calls the selected function" + (FunctionCount > 1 ? "s" : "") +
              " with arguments the verifier must treat as unknown (map contents, packet "
              "pointers). */\n";
  // Every name the text below writes that the selected code may not declare.
  G.needs.push_back({"macro", "SEC"});
  if (!H.ctxStruct.empty() && findGeneratedDeclaration("struct", H.ctxStruct))
    G.needs.push_back({"struct", H.ctxStruct});
  for (const std::string &Record : CtxRecords)
    for (const TypeEntity &T : M.types)
      if (T.kind == "struct" && T.name == Record && T.origin != Origin::System)
        G.entities.push_back(T.id);
  if (NeedsArgs) {
    G.needs.push_back({"typedef", "__u32"});
    G.needs.push_back({"typedef", "__u64"});
    G.needs.push_back({"macro", "__uint"});
    G.needs.push_back({"macro", "__type"});
    G.needs.push_back({"constant", "BPF_MAP_TYPE_ARRAY"});
    G.needs.push_back({"helper", "bpf_map_lookup_elem"});
  }
  std::ostringstream O;
  // A ctx struct bpfcarve has no declaration of is only pointed to (no packet access).
  if (!H.ctxStruct.empty() && !findGeneratedDeclaration("struct", H.ctxStruct))
    O << "struct " << H.ctxStruct << ";\n\n";
  if (NeedsArgs) {
    O << "struct bpfcarve_harness_args {\n"
      << Fields.str() << "};\n\n"
      << "struct {\n\t__uint(type, BPF_MAP_TYPE_ARRAY);\n\t__uint(max_entries, 1);\n"
      << "\t__type(key, __u32);\n\t__type(value, struct bpfcarve_harness_args);\n"
      << "} bpfcarve_harness_map SEC(\".maps\");\n\n";
  }
  O << "SEC(\"" << H.section << "\")\nint " << HarnessEntry << "("
    << (H.ctxStruct.empty() ? std::string("void") : "struct " + H.ctxStruct) << " *ctx)\n{\n";
  if (NeedsPacket)
    O << "\tvoid *bpfcarve_data = (void *)(long)ctx->data;\n"
      << "\tvoid *bpfcarve_data_end = (void *)(long)ctx->data_end;\n";
  if (NeedsArgs)
    O << "\t__u32 bpfcarve_key = 0;\n"
      << "\tstruct bpfcarve_harness_args *bpfcarve_args =\n"
      << "\t\tbpf_map_lookup_elem(&bpfcarve_harness_map, &bpfcarve_key);\n\n"
      << "\tif (!bpfcarve_args)\n\t\treturn " << H.passValue << "; /* " << H.passName << " */\n";
  O << Locals.str();
  if (ReturnsAction)
    O << "\tint bpfcarve_ret = " << H.passValue << "; /* " << H.passName << " */\n\n";
  O << Calls.str();
  if (ReturnsAction)
    O << "\treturn bpfcarve_ret;\n}\n";
  else
    O << "\treturn " << H.passValue << "; /* " << H.passName << " */\n}\n";
  G.body = O.str();
  return G;
}

} // namespace

namespace {

/// A call in F or the functions it reaches to a helper that may sleep, "" when none. The
/// kernel lets only sleepable programs (uprobe.s, lsm.s, ...) call them: their bpf_func_proto
/// says `.might_sleep = true` (bpf_copy_from_user, bpf_copy_from_user_task, bpf_ima_inode_hash,
/// bpf_ima_file_hash).
std::string sleepingCall(const ProgramModel &M, const Function &F) {
  static const std::set<std::string> Sleeping = {"bpf_copy_from_user", "bpf_copy_from_user_task",
                                                 "bpf_ima_inode_hash", "bpf_ima_file_hash"};
  std::vector<std::string> Ids = M.reachableFrom(F.id); // callees, callbacks included
  std::set<std::string> Reached(Ids.begin(), Ids.end());
  for (const Function &G : M.functions)
    if (Reached.count(G.id))
      for (const HelperCall &C : G.helperCalls)
        if (Sleeping.count(C.name))
          return C.name + (G.id == F.id ? "" : " (in " + G.name + ")");
  return "";
}

/// The struct_ops variable that places the harness where the callers' program sits, and the id
/// of its struct type. libbpf takes a struct_ops program's attach BTF id and member from the
/// SEC(".struct_ops") variable that names it; a program no variable names is refused by the
/// kernel (ENOTSUPP). The callers' program in bpf_cubic.c, for instance, is named by
///   SEC(".struct_ops") struct tcp_congestion_ops cubic = { .init = (void *)bpf_cubic_init, ...
/// so the harness in its section gets
///   SEC(".struct_ops") struct tcp_congestion_ops bpfcarve_harness_ops = {
///           .init = (void *)bpfcarve_harness, };
/// and the same arguments as the original at that member.
Result<std::pair<std::string, std::string>> structOpsMap(const ProgramModel &M,
                                                         const HarnessHook &H) {
  for (const Program &P : M.programs) {
    if (P.section != H.section)
      continue;
    // A program is named after its function (libbpf's rule), as the variable names it.
    for (const Global &G : M.globals)
      for (const auto &[Member, Name] : G.functionSlots) {
        if (Name != P.name)
          continue;
        std::string Record = G.type.starts_with("struct ") ? G.type.substr(7) : G.type;
        std::string TypeId;
        for (const TypeEntity &T : M.types)
          if (T.kind == "struct" && T.name == Record)
            TypeId = T.id;
        if (TypeId.empty())
          continue;
        std::string Text = "\n/* The struct_ops map that gives the harness the attach type of " +
                           P.name + ", which " + G.name + " places at ." + Member + " */\n" +
                           "SEC(\".struct_ops\")\nstruct " + Record + " " + HarnessEntry +
                           "_ops = {\n\t." + Member + " = (void *)" + HarnessEntry + ",\n};\n";
        return std::pair{Text, TypeId};
      }
  }
  return Failure::badInput("cannot generate " + toolchain::withArticle(H.name) +
                           " harness: a struct_ops program loads only through the "
                           "SEC(\".struct_ops\") variable that names it, and no such variable "
                           "of the file names a program in section " +
                           H.section);
}

} // namespace

Result<GeneratedHarness> generateHarness(const ProgramModel &M,
                                         const std::vector<const Function *> &Functions,
                                         const HarnessHook &H) {
  for (const Function *F : Functions)
    if (std::string Call = sleepingCall(M, *F); !Call.empty() && !H.sleepable)
      return Failure::badInput("cannot generate " + toolchain::withArticle(H.name) +
                               " harness: " + F->name + " calls " + Call +
                               ", which may sleep: only sleepable programs (uprobe.s, lsm.s) "
                               "may call it; name the caller's sleepable section (--harness "
                               "lsm.s/<hook>)");
  HarnessWriter W(M, H);
  for (const Function *F : Functions) {
    // What the callers of this hook's program type pass, where that differs.
    Function Own = *F;
    for (Param &P : Own.parameters)
      if (auto It = P.callerSourceByProgramType.find(H.progType);
          It != P.callerSourceByProgramType.end())
        P.callerSource = It->second;
    W.addFunction(Own);
  }
  auto G = W.render(Functions.size());
  if (G && H.progType == "struct_ops") {
    auto Ops = structOpsMap(M, H);
    if (!Ops)
      return Ops.failure();
    G->body += Ops->first;
    G->entities.push_back(Ops->second);
  }
  return G;
}

} // namespace bpfcarve::extractor
