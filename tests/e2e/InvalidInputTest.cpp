//===- InvalidInputTest.cpp - every bad input fails cleanly ----------------===//
//
// One table of invalid inputs across all commands (docs/errors.md lists them). Each case runs the
// real bpfcarve binary by argv in a private directory that holds all its inputs and outputs, with
// TMPDIR inside that directory, and asserts:
//   - the documented exit code;
//   - the documented first stderr line (a regex; @D stands for the case's directory);
//   - nothing on stdout for exit 2 and 3 (machine output only on success or a verdict);
//   - every file of the directory byte-identical afterwards (inputs, and the pre-existing
//     outputs a case places at -o / --manifest / --report), and no file added (no output, no
//     temporary file, no scratch directory).
//
//===----------------------------------------------------------------------===//
#include "bpfcarve/toolchain/Process.h"
#include "bpfcarve/toolchain/TempDir.h"
#include "bpfcarve/verifier/Packets.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <sstream>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace bpfcarve;

namespace {

const std::string DiffRunInputs = BPFCARVE_SOURCE_DIR "/tests/inputs/diffrun/";

/// Two XDP programs (one section), a map, a callback-taking helper.
const char *Prog = R"(#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

static int helper(int (*cb)(int), int x)
{
	return cb(x);
}

static int twice(int x)
{
	return 2 * x;
}

SEC("xdp")
int first(struct xdp_md *ctx)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&counts, &k);
	if (v)
		*v += 1;
	return helper(twice, 1) ? XDP_PASS : XDP_DROP;
}

SEC("xdp")
int second(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
)";

/// A packet parser as sockops code would call it: sock_ops has no data/data_end.
const char *SockopsParser = R"(#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

static int parse(void *data, void *data_end)
{
	return data + 20 <= data_end;
}

char LICENSE[] SEC("license") = "GPL";
)";

/// A function only a sleepable program may run (bpf_copy_from_user), called by a uprobe.s.
const char *SleepingCopy = R"(#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char buf[16];

static __noinline int copy_name(const void *user)
{
	return bpf_copy_from_user(buf, sizeof(buf), user);
}

SEC("uprobe.s")
int on_call(void *ctx)
{
	return copy_name((void *)0);
}

char LICENSE[] SEC("license") = "GPL";
)";

/// A BPF program that needs no header: compiled by the test itself with clang-19.
const char *Bare = "__attribute__((section(\"xdp\"), used)) int bare(void *ctx) { return 2; }\n"
                   "char _license[] __attribute__((section(\"license\"), used)) = \"GPL\";\n";

/// Bytes that are no C: an ELF magic, NULs, invalid UTF-8.
const char Garbage[] = "\x7f" "ELF\x02\x01\x01\x00\xff\xfe\x00\x01 garbage \x80\x81\n";

const char *UserSpace = "#include <stdio.h>\n\nint main(void)\n{\n\tprintf(\"hello\\n\");\n"
                        "\treturn 0;\n}\n";

const char *Cxx = "#include <linux/bpf.h>\n\nnamespace net {\ntemplate <typename T> struct box "
                  "{ T v; };\n}\n\nclass counter {\n\tint n;\n};\n";

/// Recursion the verifier cannot take: each call is a new frame (the callee gets a pointer into
/// its caller's stack, so clang cannot turn it into a loop), and the verifier allows 8.
const char *Recursive = R"(#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

static __attribute__((noinline)) int depth(int n, int *acc)
{
	int local = n;
	if (n <= 0)
		return *acc;
	*acc += local;
	return depth(n - 1, &local);
}

SEC("xdp")
int recurse(struct xdp_md *ctx)
{
	int acc = 0;
	return depth(ctx->ingress_ifindex, &acc) > 3 ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
)";

/// A program the transformer cannot move to socket: XDP_TX has no socket-filter meaning.
const char *Bounce = R"(#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int bounce(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	if (data + 14 > end)
		return XDP_DROP;
	bpf_xdp_adjust_head(ctx, 4);
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
)";

// A tc classifier in a section libbpf does not know: only --type can name its hook.
const char *UnknownSection = R"(#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("classify_edge")
int edge(struct __sk_buff *skb)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
)";

// A legacy map-in-map: iproute2 binds the inner map by id, which has no BTF-defined form.
const char *LegacyMapInMap = R"(#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct bpf_elf_map {
	__u32 type, size_key, size_value, max_elem, flags, id, pinning, inner_id, inner_idx;
};

struct bpf_elf_map SEC("maps") outer = {
	.type = BPF_MAP_TYPE_ARRAY_OF_MAPS, .size_key = 4, .size_value = 4, .max_elem = 1,
	.inner_id = 7,
};

struct bpf_elf_map SEC("maps") inner = {
	.type = BPF_MAP_TYPE_ARRAY, .size_key = 4, .size_value = 4, .max_elem = 1, .id = 7,
};

SEC("xdp")
int pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}
)";

const char *PerfEvent = R"(#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("perf_event")
int sample(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
)";

std::string pcapHeader(uint32_t LinkType) {
  std::string H(24, '\0');
  uint32_t Fields[] = {0xa1b2c3d4u, 0x00040002u, 0, 0, 65535, LinkType};
  std::memcpy(H.data(), Fields, sizeof Fields);
  return H;
}

struct Case {
  const char *name;
  std::vector<std::string> args; ///< after the binary; @D is the case's directory
  int code;
  std::string firstLine; ///< regex over the first stderr line; @D is the case's directory
  std::map<std::string, std::string> files; ///< written before the run; "name/" makes a directory
  std::function<void(const std::string &Dir)> setup = nullptr;
  bool kernel = false; ///< loads programs: needs root
};

void PrintTo(const Case &K, std::ostream *OS) { *OS << K.name; }

std::string slurp(const std::string &P) {
  std::ifstream I(P, std::ios::binary);
  std::stringstream S;
  S << I.rdbuf();
  return S.str();
}

void writeFile(const std::string &P, const std::string &Text) {
  std::ofstream(P, std::ios::binary) << Text;
}

/// Compiles Bare into Dir/bare.o with clang-19.
void compileBare(const std::string &Dir) {
  writeFile(Dir + "/bare_src.c", Bare);
  auto R = toolchain::runProcess({"clang-19", "--target=bpf", "-O2", "-g", "-c",
                                  Dir + "/bare_src.c", "-o", Dir + "/bare.o"});
  ASSERT_TRUE(R && R->ok()) << (R ? R->err : "clang-19 did not start");
  fs::remove(Dir + "/bare_src.c");
}

void copyDiffRunInputs(const std::string &Dir) {
  for (const char *F : {"filter_xdp.bpf.c", "filter_tc.bpf.c", "port_filter.h", "seed.json"})
    fs::copy_file(DiffRunInputs + F, Dir + "/" + F);
}

void ipv4Pcap(const std::string &Dir) {
  auto Frames = verifier::generatePackets("ipv4");
  ASSERT_TRUE(static_cast<bool>(Frames));
  ASSERT_TRUE(static_cast<bool>(verifier::writePcap(Dir + "/ok.pcap", *Frames)));
}

const std::string P = "@D/prog.bpf.c";
const std::map<std::string, std::string> WithProg{{"prog.bpf.c", Prog}};
const std::map<std::string, std::string> WithProgAndOut{{"prog.bpf.c", Prog},
                                                        {"out.c", "previous output\n"}};
const std::string ProgList = "\\(programs: first, second\\)";

std::vector<Case> cases() {
  std::vector<Case> C;
  auto add = [&](Case K) { C.push_back(std::move(K)); };

  // --- reading and parsing the C input (inspect; every command shares the frontend) ---
  add({"missing_file", {"inspect", "@D/nope.c"}, 2,
       "bpfcarve: error: cannot read '@D/nope.c': No such file or directory", {}});
  add({"input_is_a_directory", {"inspect", "@D/sub"}, 2,
       "bpfcarve: error: '@D/sub' is a directory, not a C file", {{"sub/", ""}}});
  add({"empty_file", {"inspect", "@D/empty.c"}, 2,
       "bpfcarve: error: '@D/empty.c' is empty: no C declarations to read", {{"empty.c", ""}}});
  add({"whitespace_only_file", {"extract", "@D/blank.c", "--function", "f"}, 2,
       "bpfcarve: error: '@D/blank.c' is empty: no C declarations to read",
       {{"blank.c", "\n\n   \t\n"}}});
  add({"binary_garbage",
       {"inspect", "@D/garbage.c"},
       2,
       "@D/garbage.c:1:[0-9]+: error: .+",
       {{"garbage.c", std::string(Garbage, sizeof Garbage - 1)}}});
  add({"cxx_input", {"inspect", "@D/cxx.c"}, 2, "@D/cxx.c:3:1: error: unknown type name 'namespace'",
       {{"cxx.c", Cxx}}});
  add({"cxx_file_extension", {"inspect", "@D/prog.cpp"}, 2,
       "bpfcarve: error: '@D/prog.cpp' is not a C file \\(.cpp\\); bpfcarve reads BPF C",
       {{"prog.cpp", Cxx}}});
  add({"syntax_error", {"inspect", "@D/syntax.c"}, 2, "@D/syntax.c:4:13: error: expected expression",
       {{"syntax.c", "#include <linux/bpf.h>\n\nint f(void) {\n  return 1 +;\n}\n"}}});
  add({"missing_header", {"inspect", "@D/hdr.c"}, 2,
       "@D/hdr.c:1:10: error: 'does_not_exist.h' file not found",
       {{"hdr.c", "#include \"does_not_exist.h\"\nint x;\n"}}});
  add({"error_inside_local_header", {"inspect", "@D/main.c"}, 2,
       "@D/broken.h:2:8: error: redefinition of 's'",
       {{"broken.h", "struct s { int a; };\nstruct s { int b; };\n"},
        {"main.c", "#include \"broken.h\"\nint x;\n"}}});
  add({"unknown_compiler_flag", {"inspect", P, "--", "--target=bpf", "-fno-such-flag"}, 2,
       "bpfcarve: error: unknown argument: '-fno-such-flag'", WithProg});

  // --- command line ---
  add({"unknown_option", {"inspect", P, "--bogus"}, 2,
       "bpfcarve: error: The following argument was not expected: --bogus", WithProg});
  add({"unknown_format", {"inspect", P, "--format", "xml"}, 2,
       "bpfcarve: error: --format: xml not in \\{text,json,dot\\}", WithProg});
  add({"no_subcommand", {}, 2, "bpfcarve: error: A subcommand is required", {}});
  add({"probe_unexpected_argument", {"probe", "extra"}, 2,
       "bpfcarve: error: The following argument was not expected: extra", {}});
  add({"carve_without_output", {"carve", P, "--program", "first"}, 2,
       "bpfcarve: error: -o is required", WithProg});

  // --- compile_commands.json (-p) ---
  add({"database_missing", {"inspect", P, "-p", "@D"}, 2,
       "bpfcarve: error: cannot read '@D/compile_commands.json': No such file or directory",
       WithProg});
  add({"database_malformed", {"inspect", P, "-p", "@D"}, 2,
       "bpfcarve: error: malformed compilation database '@D/compile_commands.json': .+",
       {{"prog.bpf.c", Prog}, {"compile_commands.json", "[{\"directory\": \"/tmp\", \"file\": "}}});
  add({"database_without_the_file", {"inspect", P, "-p", "@D"}, 2,
       "bpfcarve: error: no compile command for '@D/prog.bpf.c' in '@D/compile_commands.json'",
       {{"prog.bpf.c", Prog},
        {"compile_commands.json", "[{\"directory\": \"/tmp\", \"file\": \"other.c\", "
                                  "\"arguments\": [\"clang\", \"-c\", \"other.c\"]}]"}}});

  // --- extract: selections ---
  add({"unknown_function_with_suggestion", {"extract", P, "--function", "twise", "-o", "@D/out.c"},
       2,
       "bpfcarve: error: no function 'twise' defined in 'prog.bpf.c'; did you mean 'twice'\\? "
       "\\(functions: helper, twice, first, second\\)",
       WithProgAndOut});
  add({"unknown_program", {"extract", P, "--program", "nope", "-o", "@D/out.c"}, 2,
       "bpfcarve: error: no program 'nope' in 'prog.bpf.c' " + ProgList, WithProgAndOut});
  add({"unknown_map_with_suggestion", {"extract", P, "--map", "count"}, 2,
       "bpfcarve: error: no map 'count' in 'prog.bpf.c'; did you mean 'counts'\\? \\(maps: counts\\)",
       WithProg});
  add({"ambiguous_section", {"extract", P, "--program", "xdp"}, 2,
       "bpfcarve: error: section 'xdp' in 'prog.bpf.c' holds 2 programs \\(first, second\\); "
       "name one of them",
       WithProg});
  add({"program_in_a_file_without_programs", {"extract", "@D/user.c", "--program", "main"}, 2,
       "bpfcarve: error: no program 'main' in 'user.c' \\(programs: none\\)",
       {{"user.c", UserSpace}}});
  add({"malformed_lines", {"extract", P, "--lines", "prog.bpf.c:9"}, 2,
       "bpfcarve: error: --lines takes FILE:A-B \\(1-based, inclusive\\), not 'prog.bpf.c:9'",
       WithProg});
  add({"lines_outside_the_file", {"extract", P, "--lines", "prog.bpf.c:500-510"}, 2,
       "bpfcarve: error: line range 500-510 is outside 'prog.bpf.c' \\(1-37\\)", WithProg});
  add({"lines_holding_nothing", {"extract", P, "--lines", "prog.bpf.c:2-3"}, 2,
       "prog.bpf.c:2:1: error: lines 2-3 of 'prog.bpf.c' hold no declaration", WithProg});
  add({"lines_of_another_file", {"extract", P, "--lines", "other.c:1-3"}, 2,
       "bpfcarve: error: 'other.c' is not part of 'prog.bpf.c' \\(neither the file nor one of its "
       "local headers\\)", WithProg});
  add({"no_selection", {"extract", P, "-o", "@D/out.c"}, 2,
       "bpfcarve: error: give exactly one selection: .*", WithProgAndOut});
  add({"two_selections", {"extract", P, "--function", "twice", "--program", "first"}, 2,
       "bpfcarve: error: give exactly one selection: .*", WithProg});
  add({"harness_cannot_synthesise_function_pointer",
       {"extract", P, "--function", "helper", "--harness", "xdp"}, 2,
       "bpfcarve: error: cannot generate an xdp harness: helper\\(cb: int \\(\\*\\)\\(int\\)\\): "
       "function pointers cannot be synthesised",
       WithProg});
  add({"harness_unknown_hook", {"extract", P, "--function", "twice", "--harness", "xpd"}, 2,
       "bpfcarve: error: unknown harness hook 'xpd'; did you mean 'xdp'\\? .*", WithProg});

  // Every hook takes a harness; the list in the message comes from the tables.
  add({"harness_hook_unknown_to_the_tables",
       {"extract", P, "--function", "twice", "--harness", "classify_edge"}, 2,
       "bpfcarve: error: unknown harness hook 'classify_edge' \\(use xdp, tc, socket, "
       "cgroup_skb/ingress, cgroup_skb/egress, lwt_in, lwt_out, lwt_xmit, sockops, raw_tp, "
       "tracepoint, kprobe, lsm, fentry, fexit, tp_btf, cgroup/bind4, cgroup/bind6, cgroup/connect4, cgroup/connect6, "
       "cgroup/sendmsg4, cgroup/sendmsg6, cgroup/recvmsg4, cgroup/recvmsg6, cgroup/sock_create, "
       "cgroup/sock_release, cgroup/post_bind4, cgroup/post_bind6, sk_msg, sk_skb, "
       "sk_skb/stream_verdict, or a section libbpf knows\\)",
       WithProg});
  // A hook that loads against a kernel function or event takes the one the callers' section names.
  add({"harness_hook_without_its_target",
       {"extract", P, "--function", "twice", "--harness", "fentry"}, 2,
       "bpfcarve: error: an fentry harness needs the fentry target it loads against: --harness "
       "fentry/<target>, as the calling program's section names it \\(e.g. "
       "fentry/bpf_fentry_test1\\)",
       WithProg});
  add({"harness_packet_pointers_without_packet_access",
       {"extract", "@D/parser.bpf.c", "--function", "parse", "--harness", "sockops"}, 2,
       "bpfcarve: error: cannot generate a sockops harness: parse\\(data: void \\*\\): sockops "
       "programs have no direct packet access; parse\\(data_end: void \\*\\): sockops programs "
       "have no direct packet access",
       {{"parser.bpf.c", SockopsParser}}});
  add({"harness_for_a_sleeping_helper",
       {"extract", "@D/copy.bpf.c", "--function", "copy_name", "--harness", "kprobe"}, 2,
       "bpfcarve: error: cannot generate a kprobe harness: copy_name calls bpf_copy_from_user, "
       "which may sleep: only sleepable programs \\(uprobe.s, lsm.s\\) may "
       "call it; name the caller's sleepable section \\(--harness lsm.s/<hook>\\)",
       {{"copy.bpf.c", SleepingCopy}}});

  // --- outputs ---
  add({"output_equal_to_input", {"extract", P, "--function", "twice", "-o", P}, 2,
       "bpfcarve: error: output '@D/prog.bpf.c' is the input '@D/prog.bpf.c'; bpfcarve never "
       "overwrites its input",
       WithProg});
  add({"output_equal_to_input_through_a_link",
       {"retarget", P, "--program", "first", "--to", "tc", "-o", "@D/link.c"}, 2,
       "bpfcarve: error: output '@D/link.c' is the input '@D/prog.bpf.c'; bpfcarve never "
       "overwrites its input",
       WithProg, [](const std::string &D) { fs::create_symlink(D + "/prog.bpf.c", D + "/link.c"); }});
  add({"output_directory_is_a_file", {"extract", P, "--function", "twice", "-o", "@D/prog.bpf.c/out.c"},
       2, "bpfcarve: error: cannot write '@D/prog.bpf.c/out.c': Not a directory", WithProg});
  // sysfs refuses new files even to root: an unwritable directory whoever runs the test.
  add({"output_directory_unwritable", {"extract", P, "--function", "twice", "-o", "/sys/out.c"}, 2,
       "bpfcarve: error: cannot write '/sys/out.c': Permission denied", WithProg});
  add({"output_directory_missing", {"extract", P, "--function", "twice", "-o", "@D/no/out.c"}, 2,
       "bpfcarve: error: cannot write '@D/no/out.c': No such file or directory", WithProg});
  add({"output_is_a_directory", {"extract", P, "--function", "twice", "-o", "@D/sub"}, 2,
       "bpfcarve: error: cannot write '@D/sub': it is a directory", {{"prog.bpf.c", Prog}, {"sub/", ""}}});
  // One output per selection (--each, --each-function, --each-program) goes into -o DIR.
  add({"each_without_a_directory", {"extract", P, "--function", "twice,first", "--each"}, 2,
       "bpfcarve: error: one file per selection needs a directory: -o DIR", WithProg});
  add({"each_output_is_a_file", {"extract", P, "--each-function", "-o", "@D/out.c"}, 2,
       "bpfcarve: error: -o '@D/out.c' is not a directory: one file per selection is written "
       "into -o DIR",
       WithProgAndOut});
  add({"each_of_a_line_range",
       {"extract", P, "--lines", "prog.bpf.c:1-3", "--each", "-o", "@D/parts"}, 2,
       "bpfcarve: error: --each takes the names of --function F1,F2,... or --program "
       "P1,P2,...: one output per name",
       WithProg});
  add({"each_function_with_a_selection",
       {"extract", P, "--each-function", "--function", "twice", "-o", "@D/parts"}, 2,
       "bpfcarve: error: --each-function selects by itself: give no --function, --program, "
       "--lines or --map",
       WithProg});
  add({"each_manifest_with_a_file",
       {"extract", P, "--each-program", "-o", "@D/parts", "--manifest", "@D/kept.json"}, 2,
       "bpfcarve: error: with one file per selection, --manifest takes no file: each manifest is "
       "written as DIR/<name>.manifest.json",
       WithProg});
  add({"manifest_without_a_file", {"extract", P, "--function", "twice", "--manifest"}, 2,
       "bpfcarve: error: --manifest needs a file \\(it takes none only with --each\\)", WithProg});
  add({"unwritable_manifest_writes_no_output",
       {"extract", P, "--function", "twice", "-o", "@D/out.c", "--manifest", "@D/no/kept.json"}, 2,
       "bpfcarve: error: cannot write '@D/no/kept.json': No such file or directory",
       WithProgAndOut});
  add({"unwritable_report_writes_no_output",
       {"carve", P, "--program", "first", "-o", "@D/out.c", "--report", "@D/no/r.json"}, 2,
       "bpfcarve: error: cannot write '@D/no/r.json': No such file or directory", WithProgAndOut});

  // --- retarget ---
  add({"retarget_unknown_hook_with_suggestion", {"retarget", P, "--program", "first", "--to", "tx"},
       2, "bpfcarve: error: unknown hook 'tx'; did you mean 'tc'\\? \\(use xdp, .*\\)", WithProg});
  add({"retarget_needs_a_program", {"retarget", P, "--to", "tc", "-o", "@D/out.c"}, 2,
       "bpfcarve: error: 'prog.bpf.c' has 2 programs \\(first, second\\); name one with --program",
       WithProgAndOut});
  add({"retarget_unknown_program_with_suggestion",
       {"retarget", P, "--program", "frist", "--to", "tc"}, 2,
       "bpfcarve: error: no program 'frist' in 'prog.bpf.c'; did you mean 'first'\\? "
       "\\(programs: first, second\\)",
       WithProg});
  add({"retarget_ambiguous_section", {"retarget", P, "--program", "xdp", "--to", "tc"}, 2,
       "bpfcarve: error: section 'xdp' in 'prog.bpf.c' holds 2 programs \\(first, second\\); "
       "name one of them",
       WithProg});
  add({"retarget_from_mismatch", {"retarget", P, "--program", "first", "--from", "tc", "--to", "tc"},
       2, "bpfcarve: error: program 'first' is an xdp program, not tc", WithProg});
  add({"retarget_section_without_profile", {"retarget", "@D/perf.c", "--to", "tc"}, 2,
       "bpfcarve: error: program 'sample' is in SEC\\(\"perf_event\"\\), which no hook profile "
       "describes$",
       {{"perf.c", PerfEvent}}});
  // --type names the hook of a section libbpf does not know, not of one it types otherwise.
  add({"retarget_known_section_type_ignored",
       {"retarget", "@D/perf.c", "--type", "xdp", "--to", "tc"},
       2,
       "bpfcarve: error: program 'sample' is in SEC\\(\"perf_event\"\\), which no hook profile "
       "describes$",
       {{"perf.c", PerfEvent}}});
  add({"modernize_legacy_map_in_map", {"verify", "@D/mim.c", "--modernize-maps"}, 2,
       "mim.c:8:1: error: cannot modernize legacy map 'outer': a map-in-map defined before its "
       "inner map 'inner': the static placement \\(.values\\) names the inner map",
       {{"mim.c", LegacyMapInMap}}});
  add({"retarget_unknown_section_needs_type", {"retarget", "@D/edge.c", "--to", "xdp"}, 2,
       "bpfcarve: error: program 'edge' is in SEC\\(\"classify_edge\"\\), which no hook profile "
       "describes; name its hook with --type HOOK",
       {{"edge.c", UnknownSection}}});
  add({"retarget_type_unknown_hook", {"retarget", "@D/edge.c", "--type", "tx", "--to", "xdp"}, 2,
       "bpfcarve: error: unknown hook 'tx'; did you mean 'tc'\\? \\(use xdp, .*",
       {{"edge.c", UnknownSection}}});
  add({"retarget_refused", {"retarget", "@D/bounce.c", "--to", "socket", "-o", "@D/out.c"}, 1,
       "bounce.c:4:1: error: cannot retarget 'bounce' to socket: bounce: socket programs have no "
       "direct packet access \\(ctx->data\\)", {{"bounce.c", Bounce}, {"out.c", "previous output\n"}}});

  // --- verify: objects and sources ---
  add({"verify_not_an_elf_object", {"verify", "@D/junk.o"}, 2,
       "bpfcarve: error: '@D/junk.o' is not an ELF object file", {{"junk.o", "not an object\n"}}});
  add({"verify_elf_but_not_bpf", {"verify", "@D/host.o"}, 2,
       "bpfcarve: error: '@D/host.o' is an ELF file but not a BPF object \\(e_machine 62\\)", {},
       [](const std::string &D) { fs::copy_file("/bin/true", D + "/host.o"); }});
  add({"verify_truncated_elf", {"verify", "@D/cut.o"}, 2,
       "bpfcarve: error: '@D/cut.o' is a truncated or corrupt ELF object: .+", {},
       [](const std::string &D) {
         compileBare(D);
         std::string Full = slurp(D + "/bare.o");
         fs::remove(D + "/bare.o");
         writeFile(D + "/cut.o", Full.substr(0, Full.size() / 2));
       }});
  add({"verify_compile_error", {"verify", "@D/broken.c"}, 2,
       "@D/broken.c:2:22: error: use of undeclared identifier 'undefined_thing'",
       {{"broken.c", "#include <linux/bpf.h>\nint f(void) { return undefined_thing; }\n"}}});
  add({"verify_non_bpf_c", {"verify", "@D/user.c"}, 2,
       "bpfcarve: error: '@D/user.c' holds no BPF program \\(no SEC\\(\\) function\\)",
       {{"user.c", UserSpace}}});
  add({"verify_unknown_program_with_suggestion", {"verify", "@D/bare.o", "--program", "baer"}, 2,
       "bpfcarve: error: no program 'baer' in '@D/bare.o'; did you mean 'bare'\\? \\(programs: "
       "bare\\)",
       {}, compileBare});
  add({"verify_ambiguous_section", {"verify", P, "--program", "xdp"}, 2,
       "bpfcarve: error: section 'xdp' in '@D/prog.bpf.c' holds 2 programs \\(first, second\\); "
       "name one of them",
       WithProg});
  add({"verify_unknown_type_with_suggestion", {"verify", "@D/bare.o", "--type", "xpd"}, 2,
       "bpfcarve: error: unknown hook 'xpd'; did you mean 'xdp'\\? .*", {}, compileBare});
  add({"verify_recursion", {"verify", "@D/rec.c"}, 1,
       "rec.c:10:1: error: recurse: the call stack of 9 frames is too deep \\[complexity\\]",
       {{"rec.c", Recursive}}, nullptr, true});

  // --- packets ---
  add({"packets_missing_file", {"verify", "@D/bare.o", "--packets", "@D/none.pcap"}, 2,
       "bpfcarve: error: cannot open packet file @D/none.pcap: No such file or directory", {},
       compileBare, true});
  add({"packets_corrupt_pcap", {"verify", "@D/bare.o", "--packets", "@D/bad.pcap"}, 2,
       "bpfcarve: error: @D/bad.pcap: not a readable pcap or pcapng file: .+",
       {{"bad.pcap", "not a capture at all, just text\n"}}, compileBare, true});
  add({"packets_truncated_pcap", {"verify", "@D/bare.o", "--packets", "@D/cut.pcap"}, 2,
       "bpfcarve: error: @D/cut.pcap: record [0-9]+ at byte offset [0-9]+: truncated dump file; .+", {},
       [](const std::string &D) {
         compileBare(D);
         ipv4Pcap(D);
         std::string Full = slurp(D + "/ok.pcap");
         fs::remove(D + "/ok.pcap");
         writeFile(D + "/cut.pcap", Full.substr(0, Full.size() - 7));
       },
       true});
  add({"packets_empty_pcap", {"verify", "@D/bare.o", "--packets", "@D/none.pcap"}, 2,
       "bpfcarve: error: @D/none.pcap: the capture holds no packets", {{"none.pcap", pcapHeader(1)}},
       compileBare, true});
  add({"packets_unsupported_link_type", {"verify", "@D/bare.o", "--packets", "@D/usb.pcap"}, 2,
       "bpfcarve: error: @D/usb.pcap: link type 189 .+", {{"usb.pcap", pcapHeader(189)}},
       compileBare, true});
  add({"packets_unknown_generated_set", {"verify", "@D/bare.o", "--packets", "gen:nope"}, 2,
       "bpfcarve: error: unknown generated packet set 'gen:nope'; valid sets: .*gen:all.*", {},
       compileBare, true});

  // --- diff-run: inputs and map seeds ---
  const std::string A = "@D/filter_xdp.bpf.c", B = "@D/filter_tc.bpf.c";
  auto seeded = [&](const char *Name, const std::string &Seed, const std::string &Line) {
    add({Name, {"diff-run", A, B, "--maps", "@D/s.json"}, 2, Line, {{"s.json", Seed}},
         copyDiffRunInputs, true});
  };
  seeded("seed_json_syntax", "{\"maps\": {\n  \"blocked_ports\": [ {\"key\": 53,, } ]\n}}\n",
         "@D/s.json:2:1: error: malformed map seed: .+");
  seeded("seed_not_an_object", "[1, 2]\n",
         "bpfcarve: error: map seed '@D/s.json' must be an object with a \"maps\" object");
  seeded("seed_map_not_an_array", "{\"maps\": {\"blocked_ports\": 5}}",
         "bpfcarve: error: map seed '@D/s.json': maps.blocked_ports must be an array");
  seeded("seed_entry_without_value", "{\"maps\": {\"blocked_ports\": [{\"key\": 1}]}}",
         "bpfcarve: error: .*blocked_ports\\[0\\] needs \"key\" and \"value\"");
  seeded("seed_bad_hex", "{\"maps\": {\"blocked_ports\": [{\"key\": \"0g\", \"value\": 0}]}}",
         "bpfcarve: error: .*'0g' is not a hex byte");
  seeded("seed_unknown_map", "{\"maps\": {\"no_such_map\": [{\"key\": 1, \"value\": 1}]}}",
         "bpfcarve: error: map seed '@D/s.json' names map 'no_such_map', which neither A nor B "
         "has.*");
  seeded("seed_value_size", "{\"maps\": {\"blocked_ports\": [{\"key\": \"0102\", \"value\": \"00\"}]}}",
         "bpfcarve: error: .*value has 1 bytes; the map's value is 8.*");
  add({"seed_file_missing", {"diff-run", A, B, "--maps", "@D/none.json"}, 2,
       "bpfcarve: error: cannot read map seed '@D/none.json'", {}, copyDiffRunInputs, true});
  add({"diff_run_second_input_missing", {"diff-run", A, "@D/none.c"}, 2,
       "bpfcarve: error: cannot read '@D/none.c': No such file or directory", {}, copyDiffRunInputs,
       true});

  // --- carve ---
  add({"carve_output_equal_to_input", {"carve", P, "--program", "first", "-o", P}, 2,
       "bpfcarve: error: output '@D/prog.bpf.c' is the input '@D/prog.bpf.c'; bpfcarve never "
       "overwrites its input",
       WithProg});
  add({"carve_bad_packets_writes_no_output",
       {"carve", P, "--program", "first", "--to", "tc", "--packets", "gen:nope", "-o", "@D/out.c"}, 2,
       "bpfcarve: error: unknown generated packet set 'gen:nope'.*", WithProgAndOut});
  add({"carve_bad_seed_writes_no_output",
       {"carve", P, "--program", "first", "--to", "tc", "--maps", "@D/s.json", "-o", "@D/out.c"}, 2,
       "bpfcarve: error: map seed '@D/s.json' must be an object with a \"maps\" object",
       {{"prog.bpf.c", Prog}, {"s.json", "[]"}, {"out.c", "previous output\n"}}});
  add({"carve_keep_stages_not_a_directory",
       {"carve", P, "--program", "first", "-o", "@D/out.c", "--keep-stages", "@D/file/stages"}, 2,
       "bpfcarve: error: --keep-stages '@D/file/stages' is not a directory bpfcarve can create: "
       ".+",
       {{"prog.bpf.c", Prog}, {"file", "x"}, {"out.c", "previous output\n"}}});

  // --- corpus ---
  add({"corpus_manifest_missing", {"corpus", "@D/none.json"}, 2,
       "bpfcarve: error: cannot read '@D/none.json': No such file or directory", {}});
  add({"corpus_manifest_malformed", {"corpus", "@D/m.json"}, 2,
       "bpfcarve: error: malformed corpus manifest '@D/m.json': .+", {{"m.json", "{\"files\": ["}}});
  add({"corpus_not_a_manifest", {"corpus", "@D/m.json"}, 2,
       "bpfcarve: error: '@D/m.json' is not a corpus manifest \\(no \"files\" array\\)",
       {{"m.json", "{\"programs\": []}"}}});
  add({"corpus_not_fetched", {"corpus", "@D/m.json", "--corpus-dir", "@D/none"}, 3,
       "bpfcarve: error: no corpus at '@D/none' .*", {{"m.json", "{\"files\": []}"}}});
  return C;
}

std::string replaceAll(std::string S, const std::string &From, const std::string &To) {
  for (size_t Pos = 0; (Pos = S.find(From, Pos)) != std::string::npos; Pos += To.size())
    S.replace(Pos, From.size(), To);
  return S;
}

std::string regexEscape(const std::string &S) {
  static const std::regex Special(R"([.^$|()\[\]{}*+?\\])");
  return std::regex_replace(S, Special, R"(\$&)");
}

/// Every path under Dir with its bytes ("" and a trailing '/' for directories, the target for
/// symbolic links).
std::map<std::string, std::string> tree(const std::string &Dir) {
  std::map<std::string, std::string> T;
  for (auto It = fs::recursive_directory_iterator(Dir); It != fs::recursive_directory_iterator();
       ++It) {
    std::string Rel = fs::relative(It->path(), Dir).string();
    if (It->is_symlink())
      T["link " + Rel] = fs::read_symlink(It->path()).string();
    else if (It->is_directory())
      T[Rel + "/"] = "";
    else
      T[Rel] = slurp(It->path().string());
  }
  return T;
}

class InvalidInput : public ::testing::TestWithParam<Case> {};

TEST_P(InvalidInput, FailsCleanly) {
  const Case &K = GetParam();
  if (K.kernel && ::geteuid() != 0)
    GTEST_SKIP() << "this case loads programs or runs them: needs root (CAP_BPF); not root here";
  auto Tmp = toolchain::TempDir::create("bpfcarve-invalid");
  ASSERT_TRUE(static_cast<bool>(Tmp));
  std::string Dir = Tmp->path() + "/case";
  fs::create_directory(Dir);
  // bpfcarve's own scratch directories go here, so a leftover shows up as an added file.
  std::string Scratch = Tmp->path() + "/tmp";
  fs::create_directory(Scratch);
  const char *OldTmp = std::getenv("TMPDIR");
  std::string Saved = OldTmp ? OldTmp : "";
  struct RestoreTmp {
    bool had;
    std::string value;
    ~RestoreTmp() { had ? ::setenv("TMPDIR", value.c_str(), 1) : ::unsetenv("TMPDIR"); }
  } Restore{OldTmp != nullptr, Saved};
  ::setenv("TMPDIR", Scratch.c_str(), 1);
  for (const auto &[Name, Text] : K.files) {
    if (Name.back() == '/')
      fs::create_directories(Dir + "/" + Name);
    else
      writeFile(Dir + "/" + Name, Text);
  }
  if (K.setup)
    K.setup(Dir);
  ASSERT_FALSE(HasFatalFailure());
  auto Before = tree(Dir);

  std::vector<std::string> Argv{BPFCARVE_BIN};
  for (const std::string &A : K.args)
    Argv.push_back(replaceAll(A, "@D", Dir));
  auto R = toolchain::runProcess(Argv);
  ASSERT_TRUE(static_cast<bool>(R));
  EXPECT_EQ(R->signal, 0) << "killed by a signal";
  EXPECT_EQ(R->exitCode, K.code) << R->err;
  std::string First = R->err.substr(0, R->err.find('\n'));
  std::string Pattern = replaceAll(K.firstLine, "@D", regexEscape(Dir));
  EXPECT_TRUE(std::regex_match(First, std::regex(Pattern)))
      << "first line: " << First << "\npattern:    " << Pattern;
  if (K.code == 2 || K.code == 3)
    EXPECT_EQ(R->out, "") << "machine output on a failure";

  auto After = tree(Dir);
  for (const auto &[Path, Bytes] : Before) {
    auto It = After.find(Path);
    if (It == After.end())
      ADD_FAILURE() << Path << " was removed";
    else
      EXPECT_TRUE(It->second == Bytes) << Path << " was modified";
  }
  for (const auto &[Path, Bytes] : After)
    EXPECT_TRUE(Before.count(Path)) << Path << " was created";
  EXPECT_TRUE(fs::is_empty(Scratch)) << "a scratch directory was left in TMPDIR";
}

INSTANTIATE_TEST_SUITE_P(Cases, InvalidInput, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case> &I) { return I.param.name; });

TEST(InvalidInputTable, CaseNamesAreUniqueAndThereAreAtLeastForty) {
  std::set<std::string> Names;
  for (const Case &K : cases())
    EXPECT_TRUE(Names.insert(K.name).second) << "duplicate case " << K.name;
  EXPECT_GE(Names.size(), 40u);
}

// --- the contract around the failures ---

class FailureContract : public ::testing::Test {
protected:
  void SetUp() override {
    auto D = toolchain::TempDir::create("bpfcarve-contract");
    ASSERT_TRUE(static_cast<bool>(D));
    Tmp.emplace(D.take());
    Dir = Tmp->path();
  }
  std::string write(const std::string &Name, const std::string &Text) {
    writeFile(Dir + "/" + Name, Text);
    return Dir + "/" + Name;
  }
  std::optional<toolchain::TempDir> Tmp;
  std::string Dir;
};

TEST_F(FailureContract, VerboseAddsClangDiagnosticsAfterTheFirstLine) {
  std::string S = write("syntax.c", "int f(void) {\n  return 1 +;\n}\n");
  auto Quiet = toolchain::runProcess({BPFCARVE_BIN, "inspect", S});
  auto Verbose = toolchain::runProcess({BPFCARVE_BIN, "-v", "inspect", S});
  ASSERT_TRUE(Quiet && Verbose);
  EXPECT_EQ(Quiet->exitCode, 2);
  EXPECT_EQ(Verbose->exitCode, 2);
  std::string First = Quiet->err.substr(0, Quiet->err.find('\n'));
  EXPECT_EQ(Verbose->err.substr(0, Verbose->err.find('\n')), First);
  EXPECT_EQ(Quiet->err, First + "\n") << "without -v only the first line";
  EXPECT_NE(Verbose->err.find("^"), std::string::npos) << "clang's caret line with -v";
}

TEST_F(FailureContract, CompilationDatabaseFlagsAreUsed) {
  // The define comes only from compile_commands.json: without it the #error fires.
  std::string S = write("cfg.c", "#ifndef FROM_DB\n#error not from the database\n#endif\n"
                                 "#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\n"
                                 "SEC(\"xdp\") int prog(struct xdp_md *ctx) { return XDP_PASS; }\n");
  write("compile_commands.json",
        "[{\"directory\": \"" + Dir + "\", \"file\": \"cfg.c\", \"arguments\": "
        "[\"clang-19\", \"--target=bpf\", \"-O2\", \"-DFROM_DB\", \"-c\", \"cfg.c\"]}]");
  auto WithDb = toolchain::runProcess({BPFCARVE_BIN, "inspect", S, "-p", Dir, "--format", "json"});
  ASSERT_TRUE(static_cast<bool>(WithDb));
  EXPECT_EQ(WithDb->exitCode, 0) << WithDb->err;
  EXPECT_NE(WithDb->out.find("\"name\": \"prog\""), std::string::npos);
  auto Without = toolchain::runProcess({BPFCARVE_BIN, "inspect", S});
  ASSERT_TRUE(static_cast<bool>(Without));
  EXPECT_EQ(Without->exitCode, 2);
  EXPECT_EQ(Without->err.substr(0, Without->err.find('\n')),
            S + ":2:2: error: not from the database");
  auto WithFlags = toolchain::runProcess({BPFCARVE_BIN, "inspect", S, "--", "--target=bpf",
                                          "-DFROM_DB"});
  ASSERT_TRUE(static_cast<bool>(WithFlags));
  EXPECT_EQ(WithFlags->exitCode, 0) << WithFlags->err;
}

TEST_F(FailureContract, AnExistingOutputIsReplacedOnlyOnSuccess) {
  std::string In = write("prog.bpf.c", Prog);
  std::string Out = write("keep.c", "previous contents\n");
  auto Bad = toolchain::runProcess({BPFCARVE_BIN, "extract", In, "--function", "nope", "-o", Out});
  ASSERT_TRUE(static_cast<bool>(Bad));
  EXPECT_EQ(Bad->exitCode, 2);
  EXPECT_EQ(slurp(Out), "previous contents\n");
  auto Good = toolchain::runProcess({BPFCARVE_BIN, "extract", In, "--function", "twice", "-o", Out});
  ASSERT_TRUE(Good && Good->exitCode == 0) << (Good ? Good->err : "");
  EXPECT_NE(slurp(Out).find("static int twice(int x)"), std::string::npos);
  EXPECT_EQ(slurp(In), Prog);
}

} // namespace
