//===- GeneratedDocs.cpp - man pages and bash completion from the CLI itself ---===//
//
// `bpfcarve generate-docs --man DIR --bash-completion FILE` (hidden; the build runs it) writes
// bpfcarve(1), one bpfcarve-COMMAND(1) per command and the bash completion script from the same
// CLI11 definitions `--help` prints, so the installed documentation never drifts from the
// binary: descriptions, options with their value types and choices, footers with examples.
//
//===----------------------------------------------------------------------===//
#include "Command.h"

#include "bpfcarve/toolchain/OutputFile.h"

#include <filesystem>
#include <iostream>
#include <sstream>

namespace bpfcarve::cli {

namespace {

/// Text for roff: backslashes escaped, a leading '.' or '\'' made literal, '-' as a hyphen.
std::string roff(const std::string &S) {
  std::string Out;
  bool LineStart = true;
  for (char C : S) {
    if (LineStart && (C == '.' || C == '\''))
      Out += "\\&";
    if (C == '\\')
      Out += "\\e";
    else if (C == '-')
      Out += "\\-";
    else
      Out += C;
    LineStart = C == '\n';
  }
  return Out;
}

std::string upper(std::string S) {
  for (char &C : S)
    C = static_cast<char>(std::toupper(static_cast<unsigned char>(C)));
  return S;
}

std::vector<const CLI::App *> commands(const CLI::App &Root) {
  return Root.get_subcommands([](const CLI::App *A) { return !A->get_group().empty(); });
}

std::vector<const CLI::Option *> visibleOptions(const CLI::App &A) {
  return A.get_options([](const CLI::Option *O) { return !O->get_group().empty(); });
}

/// "-p, --program PROGRAM" with the value's type as CLI11 names it.
std::string optionHead(const CLI::Option &O) {
  std::string Head;
  for (const std::string &S : O.get_snames())
    Head += (Head.empty() ? "\\fB\\-" : ", \\fB\\-") + S + "\\fR";
  for (const std::string &L : O.get_lnames())
    Head += (Head.empty() ? "\\fB\\-\\-" : ", \\fB\\-\\-") + roff(L) + "\\fR";
  if (O.get_positional())
    return "\\fI" + roff(O.get_name(true)) + "\\fR";
  if (O.get_expected_min() > 0 || O.get_type_size() > 0)
    if (std::string T = O.get_type_name(); !T.empty() && O.get_type_size() != 0)
      Head += " \\fI" + roff(T) + "\\fR";
  return Head;
}

void optionsSection(std::ostringstream &M, const CLI::App &A, const std::string &Title) {
  std::vector<const CLI::Option *> Opts = visibleOptions(A);
  if (Opts.empty())
    return;
  M << ".SH " << Title << "\n";
  for (const CLI::Option *O : Opts) {
    M << ".TP\n" << optionHead(*O) << "\n" << roff(O->get_description());
    if (!O->get_default_str().empty())
      M << " (default: " << roff(O->get_default_str()) << ")";
    M << "\n";
  }
}

void footerSection(std::ostringstream &M, const CLI::App &A) {
  std::string F = A.get_footer();
  if (F.empty())
    return;
  M << ".SH NOTES\n.nf\n" << roff(F) << (F.back() == '\n' ? "" : "\n") << ".fi\n";
}

std::string header(const std::string &Name, const std::string &Summary) {
  return ".TH " + upper(Name) + " 1 \"\" \"bpfcarve 0.1.0\" \"bpfcarve manual\"\n.SH NAME\n" +
         roff(Name) + " \\- " + roff(Summary) + "\n";
}

std::string mainPage(const CLI::App &Root) {
  std::ostringstream M;
  M << header("bpfcarve", "carve features out of BPF C programs, retarget them, prove them")
    << ".SH SYNOPSIS\n.B bpfcarve\n[\\fB\\-v\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR...] "
       "[\\fB\\-p\\fR \\fIBUILD_DIR\\fR | \\fB\\-\\-\\fR \\fIFLAGS\\fR...]\n"
    << ".SH DESCRIPTION\n"
    << roff(Root.get_description()) << "\n.SH COMMANDS\n";
  for (const CLI::App *C : commands(Root))
    M << ".TP\n\\fBbpfcarve\\-" << roff(C->get_name()) << "\\fR(1)\n"
      << roff(C->get_description()) << "\n";
  optionsSection(M, Root, "OPTIONS");
  footerSection(M, Root);
  M << ".SH SEE ALSO\nclang(1), bpftool(8)\n";
  return M.str();
}

std::string commandPage(const CLI::App &C) {
  std::ostringstream M;
  const std::string Name = "bpfcarve-" + C.get_name();
  M << header(Name, C.get_description()) << ".SH SYNOPSIS\n.B bpfcarve " << roff(C.get_name())
    << "\n[\\fIOPTIONS\\fR]";
  for (const CLI::Option *O : visibleOptions(C))
    if (O->get_positional())
      M << " \\fI" << roff(O->get_name(true)) << "\\fR";
  M << "\n.SH DESCRIPTION\n" << roff(C.get_description()) << "\n";
  optionsSection(M, C, "OPTIONS");
  footerSection(M, C);
  M << ".SH SEE ALSO\n\\fBbpfcarve\\fR(1)\n";
  return M.str();
}

/// The choices CLI11 prints after the type, "TEXT:{text,json}" -> "text json".
std::string choices(const CLI::Option &O) {
  std::string T = O.get_type_name();
  size_t Open = T.find('{'), Close = T.rfind('}');
  if (Open == std::string::npos || Close == std::string::npos || Close < Open)
    return "";
  std::string Out = T.substr(Open + 1, Close - Open - 1);
  for (char &Ch : Out)
    if (Ch == ',')
      Ch = ' ';
  return Out;
}

std::string bashCompletion(const CLI::App &Root) {
  std::ostringstream B;
  B << "# bash completion for bpfcarve (generated from its CLI by `bpfcarve generate-docs`)\n"
       "_bpfcarve() {\n"
       "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} cmd= w\n"
       "  for w in \"${COMP_WORDS[@]:1:COMP_CWORD-1}\"; do\n"
       "    [ \"$w\" = -- ] && { COMPREPLY=(); return; }\n"
       "    case $w in -*) ;; *) cmd=$w; break ;; esac\n"
       "  done\n"
       "  local opts values=\n"
       "  case $cmd in\n"
       "    '') opts='-v --verbose --help --version";
  for (const CLI::App *C : commands(Root))
    B << " " << C->get_name();
  B << "' ;;\n";
  for (const CLI::App *C : commands(Root)) {
    B << "    " << C->get_name() << ")\n      opts='--help";
    for (const CLI::Option *O : visibleOptions(*C))
      for (const std::string &L : O->get_lnames())
        B << " --" << L;
    B << "'\n      case $prev in\n";
    for (const CLI::Option *O : visibleOptions(*C))
      if (std::string V = choices(*O); !V.empty() && !O->get_lnames().empty())
        B << "        --" << O->get_lnames().front() << ") values='" << V << "' ;;\n";
    B << "      esac ;;\n";
  }
  B << "  esac\n"
       "  if [ -n \"$values\" ]; then\n"
       "    COMPREPLY=($(compgen -W \"$values\" -- \"$cur\"))\n"
       "  elif [[ $cur == -* || -z $cmd ]]; then\n"
       "    COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
       "  else\n"
       "    COMPREPLY=($(compgen -f -- \"$cur\"))\n"
       "  fi\n"
       "}\n"
       "complete -o filenames -F _bpfcarve bpfcarve\n";
  return B.str();
}

int generate(const CLI::App &Root, const std::string &ManDir, const std::string &Completion,
             const CommandContext &Ctx) {
  if (!ManDir.empty()) {
    std::error_code EC;
    std::filesystem::create_directories(ManDir, EC);
    if (EC)
      return report(Failure::badInput("cannot create '" + ManDir + "': " + EC.message()), Ctx);
    if (auto W = toolchain::writeFileAtomically(ManDir + "/bpfcarve.1", mainPage(Root)); !W)
      return report(W.failure(), Ctx);
    for (const CLI::App *C : commands(Root))
      if (auto W = toolchain::writeFileAtomically(ManDir + "/bpfcarve-" + C->get_name() + ".1",
                                                  commandPage(*C));
          !W)
        return report(W.failure(), Ctx);
  }
  if (!Completion.empty())
    if (auto W = toolchain::writeFileAtomically(Completion, bashCompletion(Root)); !W)
      return report(W.failure(), Ctx);
  return 0;
}

} // namespace

void addGenerateDocsCommand(CLI::App &App, CommandContext &Ctx) {
  auto ManDir = std::make_shared<std::string>();
  auto Completion = std::make_shared<std::string>();
  CLI::App *Sub = App.add_subcommand(
      "generate-docs", "Write the man pages and the bash completion from this CLI's own help");
  Sub->group(""); // hidden: the build and scripts/package.sh run it
  Sub->add_option("--man", *ManDir, "directory for bpfcarve.1 and bpfcarve-COMMAND.1");
  Sub->add_option("--bash-completion", *Completion, "file for the bash completion script");
  CLI::App *Root = &App;
  Sub->callback([Root, ManDir, Completion, &Ctx] {
    Ctx.exitCode = generate(*Root, *ManDir, *Completion, Ctx);
  });
}

} // namespace bpfcarve::cli
