//===- Declarations.cpp - the catalogue of generated names, and provide() --===//
#include "bpfcarve/extractor/Declarations.h"

#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include <algorithm>
#include <set>

namespace bpfcarve::extractor {

namespace {

// bpfcarve's declarations use no name of their own catalogue (plain C types, `void *` for a
// ctx), so that each stands alone whatever else the input lacks. The ctx structs follow
// <linux/bpf.h> field for field: the verifier checks ctx accesses by offset.
constexpr std::string_view kXdpMd = "struct xdp_md {\n"
                                    "\tunsigned int data;\n"
                                    "\tunsigned int data_end;\n"
                                    "\tunsigned int data_meta;\n"
                                    "\tunsigned int ingress_ifindex;\n"
                                    "\tunsigned int rx_queue_index;\n"
                                    "\tunsigned int egress_ifindex;\n"
                                    "};";

constexpr std::string_view kSkBuff =
    "struct __sk_buff {\n"
    "\tunsigned int len, pkt_type, mark, queue_mapping, protocol, vlan_present, vlan_tci;\n"
    "\tunsigned int vlan_proto, priority, ingress_ifindex, ifindex, tc_index, cb[5];\n"
    "\tunsigned int hash, tc_classid, data, data_end, napi_id, family, remote_ip4;\n"
    "\tunsigned int local_ip4, remote_ip6[4], local_ip6[4], remote_port, local_port;\n"
    "\tunsigned int data_meta;\n"
    "\tunion { struct bpf_flow_keys *flow_keys; unsigned long long :64; } "
    "__attribute__((aligned(8)));\n"
    "\tunsigned long long tstamp;\n"
    "\tunsigned int wire_len, gso_segs;\n"
    "\tunion { struct bpf_sock *sk; unsigned long long :64; } __attribute__((aligned(8)));\n"
    "\tunsigned int gso_size;\n"
    "\tunsigned char tstamp_type;\n"
    "\tunsigned int :24;\n"
    "\tunsigned long long hwtstamp;\n"
    "};";

// A helper's declaration is `static <prototype> = (void *) <id>;`, '@' standing for the name.
#define BPFCARVE_HELPER(NAME, PROTO) {"helper", "bpf_" #NAME, BPF_FUNC_##NAME, PROTO}
#define BPFCARVE_CONSTANT(NAME) {"constant", #NAME, NAME, ""}
#define BPFCARVE_ENUMERATOR(ENUM, NAME) {"constant", #NAME, NAME, "", #ENUM}

const std::vector<GeneratedDeclaration> kCatalogue = {
    {"struct", "xdp_md", 0, kXdpMd},
    {"struct", "__sk_buff", 0, kSkBuff},
    {"typedef", "__u8", 0, "typedef unsigned char __u8;"},
    {"typedef", "__u16", 0, "typedef unsigned short __u16;"},
    {"typedef", "__u32", 0, "typedef unsigned int __u32;"},
    {"typedef", "__u64", 0, "typedef unsigned long long __u64;"},
    {"typedef", "__s32", 0, "typedef int __s32;"},
    {"macro", "SEC", 0, "#define SEC(name) __attribute__((section(name), used))"},
    {"macro", "__uint", 0, "#define __uint(name, val) int (*name)[val]"},
    {"macro", "__type", 0, "#define __type(name, val) typeof(val) *name"},
    {"macro", "__array", 0, "#define __array(name, val) typeof(val) *name[]"},
    BPFCARVE_ENUMERATOR(bpf_map_type, BPF_MAP_TYPE_ARRAY),
    BPFCARVE_ENUMERATOR(bpf_adj_room_mode, BPF_ADJ_ROOM_MAC),
    BPFCARVE_ENUMERATOR(xdp_action, XDP_ABORTED),
    BPFCARVE_ENUMERATOR(xdp_action, XDP_DROP),
    BPFCARVE_ENUMERATOR(xdp_action, XDP_PASS),
    BPFCARVE_ENUMERATOR(xdp_action, XDP_TX),
    BPFCARVE_ENUMERATOR(xdp_action, XDP_REDIRECT),
    BPFCARVE_CONSTANT(TC_ACT_UNSPEC),
    BPFCARVE_CONSTANT(TC_ACT_OK),
    BPFCARVE_CONSTANT(TC_ACT_RECLASSIFY),
    BPFCARVE_CONSTANT(TC_ACT_SHOT),
    BPFCARVE_CONSTANT(TC_ACT_PIPE),
    BPFCARVE_CONSTANT(TC_ACT_STOLEN),
    BPFCARVE_CONSTANT(TC_ACT_QUEUED),
    BPFCARVE_CONSTANT(TC_ACT_REPEAT),
    BPFCARVE_CONSTANT(TC_ACT_REDIRECT),
    BPFCARVE_CONSTANT(TC_ACT_TRAP),
    BPFCARVE_ENUMERATOR(bpf_ret_code, BPF_OK),
    BPFCARVE_ENUMERATOR(bpf_ret_code, BPF_DROP),
    BPFCARVE_ENUMERATOR(bpf_ret_code, BPF_REDIRECT),
    BPFCARVE_ENUMERATOR(bpf_ret_code, BPF_LWT_REROUTE),
    BPFCARVE_ENUMERATOR(sk_action, SK_DROP),
    BPFCARVE_ENUMERATOR(sk_action, SK_PASS),
    BPFCARVE_HELPER(map_lookup_elem, "void *(*@)(void *map, const void *key)"),
    BPFCARVE_HELPER(skb_store_bytes, "long (*@)(void *skb, unsigned int offset, const void "
                                     "*from, unsigned int len, unsigned long long flags)"),
    BPFCARVE_HELPER(l3_csum_replace, "long (*@)(void *skb, unsigned int offset, unsigned long "
                                     "long from, unsigned long long to, unsigned long long size)"),
    BPFCARVE_HELPER(l4_csum_replace, "long (*@)(void *skb, unsigned int offset, unsigned long "
                                     "long from, unsigned long long to, unsigned long long flags)"),
    BPFCARVE_HELPER(redirect, "long (*@)(unsigned int ifindex, unsigned long long flags)"),
    BPFCARVE_HELPER(skb_load_bytes,
                    "long (*@)(const void *skb, unsigned int offset, void *to, unsigned int len)"),
    BPFCARVE_HELPER(skb_vlan_pop, "long (*@)(void *skb)"),
    BPFCARVE_HELPER(skb_change_tail,
                    "long (*@)(void *skb, unsigned int len, unsigned long long flags)"),
    BPFCARVE_HELPER(skb_pull_data, "long (*@)(void *skb, unsigned int len)"),
    BPFCARVE_HELPER(skb_change_head,
                    "long (*@)(void *skb, unsigned int len, unsigned long long flags)"),
    BPFCARVE_HELPER(xdp_adjust_head, "long (*@)(void *xdp_md, int delta)"),
    BPFCARVE_HELPER(skb_adjust_room, "long (*@)(void *skb, int len_diff, unsigned int mode, "
                                     "unsigned long long flags)"),
    BPFCARVE_HELPER(redirect_map,
                    "long (*@)(void *map, unsigned long long key, unsigned long long flags)"),
    BPFCARVE_HELPER(xdp_adjust_meta, "long (*@)(void *xdp_md, int delta)"),
    BPFCARVE_HELPER(xdp_adjust_tail, "long (*@)(void *xdp_md, int delta)"),
    BPFCARVE_HELPER(redirect_neigh, "long (*@)(unsigned int ifindex, void *params, int plen, "
                                    "unsigned long long flags)"),
    BPFCARVE_HELPER(redirect_peer, "long (*@)(unsigned int ifindex, unsigned long long flags)"),
    BPFCARVE_HELPER(xdp_get_buff_len, "unsigned long long (*@)(void *xdp_md)"),
    BPFCARVE_HELPER(xdp_load_bytes,
                    "long (*@)(void *xdp_md, unsigned int offset, void *buf, unsigned int len)"),
    BPFCARVE_HELPER(xdp_store_bytes,
                    "long (*@)(void *xdp_md, unsigned int offset, void *buf, unsigned int len)"),
};

#undef BPFCARVE_HELPER
#undef BPFCARVE_CONSTANT
#undef BPFCARVE_ENUMERATOR

/// Body under the guard BPFCARVE_DECL_<Name>.
std::string guarded(const std::string &Name, const std::string &Body) {
  std::string Guard = "BPFCARVE_DECL_" + Name;
  return "#ifndef " + Guard + "\n#define " + Guard + "\n" + Body + "\n#endif\n";
}

std::string declarationOf(const GeneratedDeclaration &G) {
  std::string Name(G.name);
  std::string Body;
  if (G.kind == "constant") {
    Body = "#define " + Name + " " +
           (G.value < 0 ? "(" + std::to_string(G.value) + ")" : std::to_string(G.value));
  } else if (G.kind == "helper") {
    std::string Proto(G.text);
    Proto.replace(Proto.find('@'), 1, Name);
    Body = "static " + Proto + " = (void *) " + std::to_string(G.value) + ";";
  } else {
    Body = std::string(G.text);
  }
  return guarded(Name, Body);
}

} // namespace

const std::vector<GeneratedDeclaration> &generatedDeclarations() { return kCatalogue; }

const GeneratedDeclaration *findGeneratedDeclaration(std::string_view Kind, std::string_view Name) {
  for (const GeneratedDeclaration &G : kCatalogue)
    if (G.kind == Kind && G.name == Name)
      return &G;
  return nullptr;
}

std::string provisionKey(std::string_view Kind, std::string_view Name) {
  return std::string(Kind) + ":" + std::string(Name);
}

std::vector<Need> needsOfText(std::string_view Text) {
  std::vector<Need> Needs;
  auto isIdent = [](char C) {
    return (C >= 'a' && C <= 'z') || (C >= 'A' && C <= 'Z') || (C >= '0' && C <= '9') || C == '_';
  };
  size_t I = 0;
  char Prev = 0, PrevPrev = 0; // the last two characters that are not blanks
  while (I < Text.size()) {
    char C = Text[I];
    if (Text.substr(I, 2) == "/*") {
      size_t E = Text.find("*/", I + 2);
      I = E == std::string_view::npos ? Text.size() : E + 2;
      continue;
    }
    if (Text.substr(I, 2) == "//") {
      size_t E = Text.find('\n', I);
      I = E == std::string_view::npos ? Text.size() : E;
      continue;
    }
    if (C == '"' || C == '\'') {
      size_t J = I + 1;
      while (J < Text.size() && Text[J] != C)
        J += Text[J] == '\\' ? 2 : 1;
      I = J + 1;
      Prev = C;
      continue;
    }
    if (isIdent(C)) {
      size_t J = I;
      while (J < Text.size() && isIdent(Text[J]))
        ++J;
      std::string_view Word = Text.substr(I, J - I);
      bool Member = Prev == '.' || (Prev == '>' && PrevPrev == '-');
      bool Number = C >= '0' && C <= '9';
      if (!Member && !Number)
        for (const GeneratedDeclaration &G : kCatalogue)
          if (G.name == Word) {
            Need N{std::string(G.kind), std::string(G.name)};
            if (std::find(Needs.begin(), Needs.end(), N) == Needs.end())
              Needs.push_back(std::move(N));
            break;
          }
      I = J;
      PrevPrev = Prev;
      Prev = 'a';
      continue;
    }
    if (C != ' ' && C != '\t' && C != '\n' && C != '\r') {
      PrevPrev = Prev;
      Prev = C;
    }
    ++I;
  }
  return Needs;
}

Result<Provisions> provide(const ProgramModel &M, const std::vector<Need> &Needs) {
  Provisions P;
  std::set<std::string> Seen;
  for (const Need &N : Needs) {
    const GeneratedDeclaration *G = findGeneratedDeclaration(N.kind, N.name);
    if (!G)
      return Failure::internal("generated code needs " + N.kind + " '" + N.name +
                               "', which bpfcarve has no declaration of");
    if (!Seen.insert(provisionKey(N.kind, N.name)).second)
      continue;
    auto It = M.provided.find(provisionKey(N.kind, N.name));
    if (It == M.provided.end()) {
      P.declarations += declarationOf(*G);
      P.declared.push_back(N.name);
      continue;
    }
    const Provider &Pr = It->second;
    if (!Pr.conflict.empty()) {
      P.conflicts.push_back({N.name, Pr.conflict, Pr.entity});
      continue;
    }
    if (!Pr.alias.empty()) {
      // The input declares the helper under its own name: generated code's name means it.
      P.declarations += guarded(N.name, "#define " + N.name + " " + Pr.alias);
      P.declared.push_back(N.name);
    }
    for (const std::string *Id : {&Pr.entity, &Pr.include})
      if (!Id->empty() && std::find(P.keep.begin(), P.keep.end(), *Id) == P.keep.end())
        P.keep.push_back(*Id);
  }
  return P;
}

} // namespace bpfcarve::extractor
