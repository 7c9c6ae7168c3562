//===- Frontend.cpp - one parse of a BPF C file with the user's flags -----===//
#include "bpfcarve/extractor/Frontend.h"
#include "HeaderPolicy.h"
#include "ModelBuilder.h"
#include "ParseWith.h"
#include "PreambleCache.h"
#include "PreprocessorIndex.h"

#include "bpfcarve/toolchain/Toolchain.h"

#include "clang/Basic/DiagnosticOptions.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Frontend/FrontendAction.h"
#include "clang/Frontend/TextDiagnosticPrinter.h"
#include "clang/Lex/Preprocessor.h"
#include "clang/Tooling/CompilationDatabase.h"
#include "clang/Tooling/JSONCompilationDatabase.h"
#include "clang/Tooling/Tooling.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>

namespace bpfcarve::extractor {

using namespace clang;

namespace {

/// Keeps clang's full diagnostic text (for -v) and the first error as a Failure.
class CollectingDiagnostics : public DiagnosticConsumer {
public:
  CollectingDiagnostics(std::string MainAbs, std::string MainAsGiven)
      : Out(Text), Opts(new DiagnosticOptions()), Printer(Out, Opts.get()),
        MainAbs(std::move(MainAbs)), MainAsGiven(std::move(MainAsGiven)) {}

  void BeginSourceFile(const LangOptions &LO, const Preprocessor *PP) override {
    Printer.BeginSourceFile(LO, PP);
  }
  void EndSourceFile() override { Printer.EndSourceFile(); }

  void HandleDiagnostic(DiagnosticsEngine::Level Level, const Diagnostic &Info) override {
    DiagnosticConsumer::HandleDiagnostic(Level, Info);
    Printer.HandleDiagnostic(Level, Info);
    if (Level < DiagnosticsEngine::Error || First)
      return;
    llvm::SmallString<256> Msg;
    Info.FormatDiagnostic(Msg);
    Failure F = Failure::badInput(Msg.str().str());
    if (Info.hasSourceManager() && Info.getLocation().isValid()) {
      PresumedLoc P = Info.getSourceManager().getPresumedLoc(
          Info.getSourceManager().getExpansionLoc(Info.getLocation()));
      if (P.isValid()) {
        F.file = P.getFilename();
        if (F.file == MainAbs)
          F.file = MainAsGiven;
        F.line = P.getLine();
        F.column = P.getColumn();
      }
    }
    First = F;
  }

  std::optional<Failure> First;
  std::string Text;

private:
  llvm::raw_string_ostream Out;
  IntrusiveRefCntPtr<DiagnosticOptions> Opts;
  TextDiagnosticPrinter Printer;
  std::string MainAbs, MainAsGiven;
};

class ModelConsumer : public ASTConsumer {
public:
  ModelConsumer(PreprocessorIndex &Index, const std::string &Input, const HeaderPolicy &Headers,
                ProgramModel &M, bool &Built)
      : Index(Index), Input(Input), Headers(Headers), M(M), Built(Built) {}
  void HandleTranslationUnit(ASTContext &Ctx) override {
    // Never compute from a partial AST: any error means no model.
    if (Ctx.getDiagnostics().hasErrorOccurred())
      return;
    // With a preamble, its record must match this parse, or the model comes from a full parse.
    if (!Index.importPreamble())
      return;
    buildModel(Ctx, Index, Input, Headers, M);
    Built = true;
  }

private:
  PreprocessorIndex &Index;
  const std::string &Input;
  const HeaderPolicy &Headers;
  ProgramModel &M;
  bool &Built;
};

class ModelAction : public ASTFrontendAction {
public:
  ModelAction(const std::string &Input, const HeaderPolicy &Headers, ProgramModel &M, bool &Built,
              std::string Record)
      : Input(Input), Headers(Headers), M(M), Built(Built), Record(std::move(Record)) {}
  std::unique_ptr<ASTConsumer> CreateASTConsumer(CompilerInstance &CI, StringRef) override {
    // clang's "N errors generated." goes to the verbose stream; diagnostics are ours to print.
    CI.setVerboseOutputStream(std::make_unique<llvm::raw_null_ostream>());
    auto Index = std::make_unique<PreprocessorIndex>(CI.getSourceManager());
    Index->setPreambleRecord(std::move(Record));
    PreprocessorIndex &Ref = *Index;
    CI.getPreprocessor().addPPCallbacks(std::move(Index));
    return std::make_unique<ModelConsumer>(Ref, Input, Headers, M, Built);
  }

private:
  const std::string &Input;
  const HeaderPolicy &Headers;
  ProgramModel &M;
  bool &Built;
  std::string Record;
};

class ModelActionFactory : public tooling::FrontendActionFactory {
public:
  ModelActionFactory(const std::string &Input, const HeaderPolicy &Headers, ProgramModel &M,
                     bool &Built, ParseReport *Preamble = nullptr)
      : Input(Input), Headers(Headers), M(M), Built(Built), Preamble(Preamble) {}
  /// With a report to fill, the parse with a preamble of the leading #include <...> lines
  /// first; the ordinary one when that cannot be had, fails or its record does not match.
  bool runInvocation(std::shared_ptr<CompilerInvocation> Invocation, FileManager *Files,
                     std::shared_ptr<PCHContainerOperations> PCHContainerOps,
                     DiagnosticConsumer *DiagConsumer) override {
    if (Preamble) {
      bool Ok = preamble::runWithPreamble(*this, Invocation, Files, PCHContainerOps,
                                          Preamble->preamble, Preamble->note, &Record);
      Record.clear();
      if (Ok && Built)
        return true;
      if (Ok) {
        Preamble->preamble = PreambleUse::FullParse;
        Preamble->note += "; the preamble's record does not match the parse: parsing in full";
      }
      Built = false;
      M = ProgramModel{};
    }
    return FrontendActionFactory::runInvocation(std::move(Invocation), Files,
                                                std::move(PCHContainerOps), DiagConsumer);
  }
  std::unique_ptr<FrontendAction> create() override {
    return std::make_unique<ModelAction>(Input, Headers, M, Built, Record);
  }

private:
  const std::string &Input;
  const HeaderPolicy &Headers;
  ProgramModel &M;
  bool &Built;
  ParseReport *Preamble;
  std::string Record; ///< set by runWithPreamble for the parse with a preamble
};

Result<std::unique_ptr<tooling::CompilationDatabase>>
compilationDatabase(const ParseOptions &O, const toolchain::ClangInstallation &Clang) {
  if (!O.buildDir.empty()) {
    std::string Err;
    std::string DbFile = O.buildDir + "/compile_commands.json";
    struct stat St{};
    if (::stat(DbFile.c_str(), &St) != 0)
      return Failure::badInput("cannot read '" + DbFile + "': " + std::strerror(errno));
    auto DB = tooling::JSONCompilationDatabase::loadFromFile(
        DbFile, Err, tooling::JSONCommandLineSyntax::AutoDetect);
    if (!DB)
      return Failure::badInput("malformed compilation database '" + DbFile + "': " + Err);
    if (DB->getCompileCommands(absolutePath(O.file)).empty())
      return Failure::badInput("no compile command for '" + O.file + "' in '" + DbFile + "'");
    return std::unique_ptr<tooling::CompilationDatabase>(std::move(DB));
  }
  std::vector<std::string> Flags = O.flags ? *O.flags : toolchain::defaultBpfFlags(Clang);
  return std::unique_ptr<tooling::CompilationDatabase>(
      std::make_unique<tooling::FixedCompilationDatabase>(".", Flags));
}

} // namespace

std::string absolutePath(const std::string &P) {
  llvm::SmallString<256> Abs(P);
  // Without a readable working directory a relative path stays relative: still usable.
  if (std::error_code EC = llvm::sys::fs::make_absolute(Abs))
    Abs = P;
  llvm::sys::path::remove_dots(Abs, true);
  return Abs.str().str();
}

Result<std::vector<std::string>> effectiveFlags(const ParseOptions &O) {
  auto Clang = toolchain::clangInstallation();
  if (!Clang)
    return Clang.failure();
  auto DB = compilationDatabase(O, *Clang);
  if (!DB)
    return DB.failure();
  auto Cmds = (*DB)->getCompileCommands(absolutePath(O.file));
  if (Cmds.empty())
    return std::vector<std::string>{};
  return Cmds.front().CommandLine;
}

std::vector<std::string> flagsOfCommand(const std::vector<std::string> &C,
                                        const std::string &File) {
  std::vector<std::string> Flags;
  std::string Abs = absolutePath(File);
  for (size_t I = 1; I < C.size(); ++I) {
    const std::string &A = C[I];
    if (A == "-c" || A == File || A == Abs || A == "-fsyntax-only")
      continue;
    if (A == "-o" || A == "-MF" || A == "-MT" || A == "-MQ") {
      ++I;
      continue;
    }
    if (A == "-MD" || A == "-MMD" || (A.starts_with("-o") && A.size() > 2))
      continue;
    Flags.push_back(A);
  }
  return Flags;
}

Result<bool> checkSourceFile(const std::string &File, const std::string *Contents) {
  std::string Text;
  if (!Contents) {
    struct stat St{};
    if (::stat(File.c_str(), &St) != 0)
      return Failure::badInput("cannot read '" + File + "': " + std::strerror(errno));
    if (S_ISDIR(St.st_mode))
      return Failure::badInput("'" + File + "' is a directory, not a C file");
    if (::access(File.c_str(), R_OK) != 0)
      return Failure::badInput("cannot read '" + File + "': " + std::strerror(errno));
    std::ifstream In(File, std::ios::binary);
    Text.assign(std::istreambuf_iterator<char>(In), std::istreambuf_iterator<char>());
    Contents = &Text;
  }
  std::string Ext = std::filesystem::path(File).extension().string();
  for (const char *Cxx : {".cpp", ".cc", ".cxx", ".c++", ".C", ".hpp", ".hh"})
    if (Ext == Cxx)
      return Failure::badInput("'" + File + "' is not a C file (" + Ext +
                               "); bpfcarve reads BPF C");
  if (Contents->find_first_not_of(" \t\r\n\f\v") == std::string::npos)
    return Failure::badInput("'" + File + "' is empty: no C declarations to read");
  return true;
}

namespace {

/// Runs the action Factory makes over O.file with the frontend's flags. Returns the compile
/// command used, or the first error diagnostic (clang's whole output in details).
Result<std::vector<std::string>> runFrontend(const ParseOptions &O, tooling::ToolAction &Factory,
                                             const bool &Completed) {
  if (auto Ok = checkSourceFile(O.file, O.contents ? &*O.contents : nullptr); !Ok)
    return Ok.failure();
  auto Clang = toolchain::clangInstallation();
  if (!Clang)
    return Clang.failure();
  auto DB = compilationDatabase(O, *Clang);
  if (!DB)
    return DB.failure();

  std::string Abs = absolutePath(O.file);
  tooling::ClangTool Tool(**DB, {Abs});
  Tool.setPrintErrorMessage(false);
  if (O.contents)
    Tool.mapVirtualFile(Abs, *O.contents);
  // ClangTool::mapVirtualFile keeps StringRefs, not copies: the absolute paths must outlive
  // Tool.run() (a temporary here left dangling paths, and no virtual header was ever found).
  std::vector<std::string> VirtualPaths;
  VirtualPaths.reserve(O.virtualFiles.size());
  for (const auto &[Path, Text] : O.virtualFiles) {
    VirtualPaths.push_back(absolutePath(Path));
    Tool.mapVirtualFile(VirtualPaths.back(), Text);
  }

  // -target bpf first so that a target in the user's own flags wins; what -target bpf does not
  // bring (clang's resource dir, Debian's multiarch dir, the stubs-32.h shim) goes last.
  // Code compiled as kbuild does (toolchain::kbuildFlags) is parsed for the host, as kbuild's
  // first step does: its kernel headers hold inline asm that the BPF target rejects.
  Tool.appendArgumentsAdjuster([](const tooling::CommandLineArguments &Args, llvm::StringRef File) {
    if (toolchain::kbuildFlags(Args))
      return Args;
    return tooling::getInsertArgumentAdjuster("--target=bpf",
                                              tooling::ArgumentInsertPosition::BEGIN)(Args, File);
  });
  Tool.appendArgumentsAdjuster(tooling::getInsertArgumentAdjuster(
      toolchain::frontendSupportFlags(*Clang), tooling::ArgumentInsertPosition::END));

  CollectingDiagnostics Diags(Abs, O.file);
  Tool.setDiagnosticConsumer(&Diags);

  int Rc = Tool.run(&Factory);
  if (Diags.First) {
    Failure F = *Diags.First;
    F.details = Diags.Text;
    return F;
  }
  if (Rc != 0 || !Completed) {
    Failure F = Failure::badInput("cannot parse '" + O.file + "'");
    F.details = Diags.Text;
    return F;
  }
  auto Cmds = (*DB)->getCompileCommands(Abs);
  return Cmds.empty() ? std::vector<std::string>{} : Cmds.front().CommandLine;
}

/// Parses and checks the whole file, like -fsyntax-only; Completed when no error occurred.
class CheckConsumer : public ASTConsumer {
public:
  explicit CheckConsumer(bool &Completed) : Completed(Completed) {}
  void HandleTranslationUnit(ASTContext &Ctx) override {
    Completed = !Ctx.getDiagnostics().hasErrorOccurred();
  }

private:
  bool &Completed;
};

class CheckActionFactory : public tooling::FrontendActionFactory {
public:
  explicit CheckActionFactory(bool &Completed, ParseReport *Preamble = nullptr)
      : Completed(Completed), Preamble(Preamble) {}
  /// With a report to fill, the parse with a preamble first; the ordinary one when that fails.
  bool runInvocation(std::shared_ptr<CompilerInvocation> Invocation, FileManager *Files,
                     std::shared_ptr<PCHContainerOperations> PCHContainerOps,
                     DiagnosticConsumer *DiagConsumer) override {
    if (Preamble) {
      if (preamble::runWithPreamble(*this, Invocation, Files, PCHContainerOps, Preamble->preamble,
                                    Preamble->note) &&
          Completed)
        return true;
      Completed = false;
    }
    return FrontendActionFactory::runInvocation(std::move(Invocation), Files,
                                                std::move(PCHContainerOps), DiagConsumer);
  }
  std::unique_ptr<FrontendAction> create() override {
    struct Action : ASTFrontendAction {
      explicit Action(bool &C) : C(C) {}
      std::unique_ptr<ASTConsumer> CreateASTConsumer(CompilerInstance &CI, StringRef) override {
        CI.setVerboseOutputStream(std::make_unique<llvm::raw_null_ostream>());
        return std::make_unique<CheckConsumer>(C);
      }
      bool &C;
    };
    return std::make_unique<Action>(Completed);
  }

private:
  bool &Completed;
  ParseReport *Preamble;
};

} // namespace

Result<ProgramModel> buildProgramModel(const ParseOptions &O, bool UsePreamble,
                                       ParseReport *Report) {
  ProgramModel Model;
  bool Built = false;
  ParseReport Local;
  HeaderPolicy Headers(O.includes, projectRootFor(O));
  // A preamble holds system headers only; a header --expand-include makes the project's would
  // be in it.
  UsePreamble = UsePreamble && !Headers.expandsAny();
  ModelActionFactory Factory(O.file, Headers, Model, Built, UsePreamble ? &Local : nullptr);
  auto Command = runFrontend(O, Factory, Built);
  if (Report)
    *Report = Local;
  if (!Command)
    return Command.failure();
  Model.flags = Command.take();
  return Model;
}

Result<bool> parseOnly(const ParseOptions &O, bool UsePreamble, ParseReport *Report) {
  bool Completed = false;
  ParseReport Local;
  CheckActionFactory Factory(Completed, UsePreamble ? &Local : nullptr);
  auto Command = runFrontend(O, Factory, Completed);
  if (Report)
    *Report = Local;
  if (!Command)
    return Command.failure();
  return true;
}

Result<bool>
parseWithAction(const ParseOptions &O,
                const std::function<std::unique_ptr<FrontendAction>(bool &Completed)> &Make) {
  struct Factory : tooling::FrontendActionFactory {
    Factory(const std::function<std::unique_ptr<FrontendAction>(bool &)> &Make, bool &Completed)
        : Make(Make), Completed(Completed) {}
    std::unique_ptr<FrontendAction> create() override { return Make(Completed); }
    const std::function<std::unique_ptr<FrontendAction>(bool &)> &Make;
    bool &Completed;
  };
  bool Completed = false;
  Factory F(Make, Completed);
  auto Command = runFrontend(O, F, Completed);
  if (!Command)
    return Command.failure();
  return true;
}

void runAsOneCommand() { preamble::enableCommandMode(); }

void finishPreambleBuilds() { preamble::finishBackgroundBuilds(); }

} // namespace bpfcarve::extractor
