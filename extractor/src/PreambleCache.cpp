//===- PreambleCache.cpp - the headers of a self-check, parsed once -------===//
#include "PreambleCache.h"

#include "PreprocessorIndex.h"
#include "bpfcarve/extractor/Frontend.h"
#include "bpfcarve/toolchain/OutputFile.h"
#include "bpfcarve/toolchain/Toolchain.h"

#include "clang/Basic/Version.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Frontend/CompilerInvocation.h"
#include "clang/Frontend/PrecompiledPreamble.h"
#include "clang/Lex/PreprocessorOptions.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SHA256.h"
#include "llvm/Support/VirtualFileSystem.h"
#include "llvm/Support/xxhash.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <pthread.h>
#include <sched.h>
#include <set>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace fs = std::filesystem;

namespace bpfcarve::extractor::preamble {

using namespace clang;

namespace {

/// Bump when the file format or what the key covers changes.
constexpr const char *Magic = "bpfcarve-preamble 2";
/// Cached preambles kept (the oldest go first); one is a few MiB.
constexpr size_t MaxEntries = 8;
/// Where the PCH appears to clang; only in the overlay file system of one parse.
constexpr const char *PchPath = "/__bpfcarve__/preamble.pch";

struct Dependency {
  std::string path;
  uint64_t size = 0;
  int64_t mtime = 0;
};

bool isBlank(char C) { return C == ' ' || C == '\t' || C == '\r'; }

/// One line (without its '\n') that is exactly `#include <x>` or `#include "x"` with blanks.
bool isPlainInclude(llvm::StringRef L) {
  if (L.contains('\\') || L.contains("/*") || L.contains("//"))
    return false; // no splices, no comments: the line is the directive and nothing else
  L = L.ltrim(" \t");
  if (!L.consume_front("#"))
    return false;
  L = L.ltrim(" \t");
  if (!L.consume_front("include"))
    return false;
  L = L.ltrim(" \t");
  if (L.empty() || (L.front() != '<' && L.front() != '"'))
    return false;
  char Close = L.front() == '<' ? '>' : '"';
  size_t End = L.find(Close, 1);
  if (End == llvm::StringRef::npos || End == 1)
    return false;
  for (char C : L.drop_front(End + 1))
    if (!isBlank(C))
      return false;
  return true;
}

/// A `#define NAME ...` or `#undef NAME` line (D: what follows its '#') with no comment on it:
/// a self-check's preamble may hold such lines among its include lines (samples/bpf's
/// `#define KBUILD_MODNAME "foo"` before its includes; selftests' btf_ptr.h, whose
/// `#define btf_ptr btf_ptr___not_used` lines configure the vmlinux.h it includes next).
bool isPlainDefine(llvm::StringRef D, llvm::StringRef Line) {
  if (Line.contains("/*") || Line.contains("//") ||
      !(D.consume_front("define") || D.consume_front("undef")))
    return false;
  return !D.empty() && (D.front() == ' ' || D.front() == '\t') && !D.trim(" \t\r").empty();
}

/// The cache key of a preamble: clang's version, the cc1 command line and the prefix's bytes.
/// With AnyMainFile, the main file's name is left out (its path and -main-file-name): the key
/// two parses of different files share when everything else is the same (a self-check's
/// output beside its input).
std::string keyOf(const CompilerInvocation &Invocation, llvm::StringRef Prefix, bool ForModel,
                  bool AnyMainFile = false) {
  llvm::SHA256 H;
  auto add = [&](llvm::StringRef S) {
    H.update(S);
    H.update(llvm::StringRef("\0", 1));
  };
  add(Magic);
  add(getClangFullVersion());
  llvm::StringRef MainFile = Invocation.getFrontendOpts().Inputs.empty()
                                 ? llvm::StringRef()
                                 : Invocation.getFrontendOpts().Inputs[0].getFile();
  bool SkipNext = false;
  for (const std::string &Arg : Invocation.getCC1CommandLine()) {
    if (AnyMainFile && (SkipNext || Arg == MainFile)) {
      SkipNext = false;
      continue;
    }
    SkipNext = AnyMainFile && Arg == "-main-file-name";
    add(Arg);
  }
  add(ForModel ? "--model-preamble--" : "--preamble--");
  H.update(Prefix);
  return llvm::toHex(H.final(), /*LowerCase=*/true);
}

/// Each dependency still has the size and modification time it had when the preamble was built.
bool unchanged(const std::vector<Dependency> &Deps, llvm::vfs::FileSystem &FS) {
  for (const Dependency &D : Deps) {
    auto St = FS.status(D.path);
    if (!St || St->getSize() != D.size ||
        llvm::sys::toTimeT(St->getLastModificationTime()) != D.mtime)
      return false;
  }
  return true;
}

/// The PCH bytes of a cache file when its header names Key, its hash matches and every
/// dependency is unchanged; nothing otherwise (unreadable, corrupt, stale, other key).
std::unique_ptr<llvm::MemoryBuffer> load(const std::string &File, const std::string &Key,
                                         llvm::vfs::FileSystem &FS, llvm::StringRef &Pch,
                                         llvm::StringRef &Index, std::string &Why) {
  auto Buf = llvm::MemoryBuffer::getFile(File, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/false);
  if (!Buf) {
    Why = "no cached preamble";
    return nullptr;
  }
  llvm::StringRef Rest = (*Buf)->getBuffer();
  auto line = [&](llvm::StringRef &Out) {
    size_t N = Rest.find('\n');
    if (N == llvm::StringRef::npos)
      return false;
    Out = Rest.take_front(N);
    Rest = Rest.drop_front(N + 1);
    return true;
  };
  llvm::StringRef L;
  Why = "corrupt cached preamble";
  if (!line(L) || L != Magic || !line(L) || L != "key " + Key || !line(L) ||
      !L.consume_front("pch "))
    return nullptr;
  auto [SizeText, HashText] = L.split(' ');
  uint64_t Size = 0, Hash = 0, Count = 0, IndexSize = 0;
  if (SizeText.getAsInteger(10, Size) || HashText.getAsInteger(16, Hash) || !line(L) ||
      !L.consume_front("index ") || L.getAsInteger(10, IndexSize) || !line(L) ||
      !L.consume_front("deps ") || L.getAsInteger(10, Count))
    return nullptr;
  std::vector<Dependency> Deps;
  for (uint64_t I = 0; I < Count; ++I) {
    if (!line(L))
      return nullptr;
    auto [S, R1] = L.split(' ');
    auto [M, P] = R1.split(' ');
    Dependency D;
    D.path = P.str();
    if (S.getAsInteger(10, D.size) || M.getAsInteger(10, D.mtime) || D.path.empty())
      return nullptr;
    Deps.push_back(std::move(D));
  }
  if (!line(L) || !L.empty() || Rest.size() != IndexSize + Size || llvm::xxh3_64bits(Rest) != Hash)
    return nullptr;
  if (!unchanged(Deps, FS)) {
    Why = "a header changed since the preamble was cached";
    return nullptr;
  }
  Index = Rest.take_front(IndexSize);
  Pch = Rest.drop_front(IndexSize);
  Why.clear();
  return std::move(*Buf);
}

/// Writes the cache file through a temporary file renamed over it (no fsync: a torn file fails
/// its hash and is rebuilt), then drops the oldest entries beyond MaxEntries. Best effort.
void store(const std::string &Dir, const std::string &File, const std::string &Key,
           llvm::StringRef Pch, llvm::StringRef Index, const std::vector<Dependency> &Deps) {
  std::string Body = Index.str() + Pch.str();
  std::string Head = std::string(Magic) + "\nkey " + Key + "\npch " + std::to_string(Pch.size()) +
                     " " + llvm::utohexstr(llvm::xxh3_64bits(Body), /*LowerCase=*/true) +
                     "\nindex " + std::to_string(Index.size()) + "\ndeps " +
                     std::to_string(Deps.size()) + "\n";
  for (const Dependency &D : Deps)
    Head += std::to_string(D.size) + " " + std::to_string(D.mtime) + " " + D.path + "\n";
  Head += "\n";
  std::error_code EC;
  fs::create_directories(Dir, EC);
  std::string Tmp = File + ".tmp-XXXXXX";
  int Fd = ::mkstemp(Tmp.data());
  if (Fd < 0)
    return;
  bool Ok = true;
  for (llvm::StringRef Part : {llvm::StringRef(Head), llvm::StringRef(Body)}) {
    size_t Done = 0;
    while (Ok && Done < Part.size()) {
      ssize_t N = ::write(Fd, Part.data() + Done, Part.size() - Done);
      if (N < 0 && errno == EINTR)
        continue;
      Ok = N > 0;
      Done += Ok ? static_cast<size_t>(N) : 0;
    }
  }
  ::fchmod(Fd, 0644);
  if (::close(Fd) != 0 || !Ok || ::rename(Tmp.c_str(), File.c_str()) != 0) {
    ::unlink(Tmp.c_str());
    return;
  }
  // A temporary file an interrupted run left (Ctrl-C while a preamble was written) goes after
  // an hour: no run writes one for that long.
  for (const auto &E : fs::directory_iterator(Dir, EC))
    if (E.path().filename().string().find(".tmp-") != std::string::npos &&
        E.last_write_time(EC) < fs::file_time_type::clock::now() - std::chrono::hours(1))
      fs::remove(E.path(), EC);
  // The oldest entries beyond MaxEntries go, and the oldest notes of keys seen once beyond
  // 8 * MaxEntries.
  for (auto [Ext, Max] : {std::pair<const char *, size_t>{".pch", MaxEntries},
                          std::pair<const char *, size_t>{".seen", 8 * MaxEntries}}) {
    std::vector<std::pair<fs::file_time_type, fs::path>> Entries;
    for (const auto &E : fs::directory_iterator(Dir, EC))
      if (E.path().extension() == Ext)
        Entries.emplace_back(E.last_write_time(EC), E.path());
    if (Entries.size() <= Max)
      continue;
    std::sort(Entries.begin(), Entries.end());
    for (size_t I = 0; I + Max < Entries.size(); ++I)
      if (Entries[I].second != fs::path(File))
        fs::remove(Entries[I].second, EC);
  }
}

/// Records every file the preamble's headers read, with its size and modification time.
class DependencyRecorder : public PreambleCallbacks {
public:
  explicit DependencyRecorder(bool ForModel) : ForModel(ForModel) {}
  /// For the model, what the preprocessor callbacks see of the headers, and their function
  /// bodies (the model reads the inline functions of headers).
  void BeforeExecute(CompilerInstance &CI) override { Compiler = &CI; }
  std::unique_ptr<PPCallbacks> createPPCallbacks() override {
    // (called after BeginSourceFile: the source manager is the parse's)
    if (!ForModel || !Compiler || !Compiler->hasSourceManager())
      return nullptr;
    auto I = std::make_unique<PreprocessorIndex>(Compiler->getSourceManager());
    Index = I.get();
    return I;
  }
  bool shouldSkipFunctionBody(Decl *) override { return !ForModel; }
  void AfterExecute(CompilerInstance &CI) override {
    SourceManager &SM = CI.getSourceManager();
    if (Index)
      Record = Index->serializePreamble();
    OptionalFileEntryRef Main = SM.getFileEntryRefForID(SM.getMainFileID());
    for (auto It = SM.fileinfo_begin(); It != SM.fileinfo_end(); ++It) {
      FileEntryRef F = It->first;
      if (Main && F == *Main)
        continue;
      Deps.push_back({F.getName().str(), static_cast<uint64_t>(F.getSize()),
                      static_cast<int64_t>(F.getModificationTime())});
    }
    std::sort(Deps.begin(), Deps.end(),
              [](const Dependency &A, const Dependency &B) { return A.path < B.path; });
  }
  std::vector<Dependency> Deps;
  std::string Record; ///< PreprocessorIndex::serializePreamble's, for the model
private:
  bool ForModel;
  CompilerInstance *Compiler = nullptr;
  PreprocessorIndex *Index = nullptr; ///< owned by the preprocessor (alive in AfterExecute)
};

/// Counts errors only; the full parse that follows a failure reports them.
class ErrorCounter : public DiagnosticConsumer {};

} // namespace

namespace {
/// The leading run of a file's include lines -- `#include <...>` ones only when SystemOnly --
/// with the blank lines and comments before and between them (a licence header, say): the
/// prefix ends after the run's last include line. Unless SystemOnly, plain #define and #undef
/// lines may stand before and between the include lines (isPlainDefine). Anything else
/// (another directive, code, a line splice, an include of the other kind) ends the run. With
/// Directives, the run's include lines, trimmed.
llvm::StringRef leadingIncludes(llvm::StringRef Text, bool SystemOnly,
                                std::vector<llvm::StringRef> *Directives = nullptr) {
  size_t End = 0, Pos = 0;
  bool InBlock = false;
  while (Pos < Text.size()) {
    size_t Nl = Text.find('\n', Pos);
    if (Nl == llvm::StringRef::npos)
      break;
    llvm::StringRef Line = Text.slice(Pos, Nl);
    // A line splice (a backslash ending the line, blanks allowed, or the trigraph for one) could
    // join the next line to a comment: the run ends.
    if (Line.rtrim(" \t\r\f\v").ends_with("\\") || Line.contains("?\?/"))
      break;
    llvm::StringRef Rest = Line;
    if (InBlock) {
      size_t Close = Rest.find("*/");
      if (Close == llvm::StringRef::npos) {
        Pos = Nl + 1;
        continue;
      }
      InBlock = false;
      Rest = Rest.drop_front(Close + 2);
    } else if (Rest.ltrim(" \t").starts_with("#")) {
      llvm::StringRef D = Rest.ltrim(" \t").drop_front().ltrim(" \t");
      // A define between include lines is in the run; defines after the last include line are
      // not (the slices of one file keep different project macros after the same includes:
      // they share one entry).
      if (!SystemOnly && isPlainDefine(D, Line)) {
        Pos = Nl + 1;
        continue;
      }
      if (!isPlainInclude(Line) || !D.consume_front("include") ||
          (SystemOnly && !D.ltrim(" \t").starts_with("<")))
        break;
      End = Nl + 1;
      Pos = Nl + 1;
      if (Directives)
        Directives->push_back(Line.trim(" \t\r\f\v"));
      continue;
    }
    // Only blanks and comments may remain on the line.
    bool Ok = true;
    for (;;) {
      Rest = Rest.ltrim(" \t\r\f\v");
      if (Rest.empty() || Rest.starts_with("//"))
        break;
      if (!Rest.consume_front("/*")) {
        Ok = false;
        break;
      }
      size_t Close = Rest.find("*/");
      if (Close == llvm::StringRef::npos) {
        InBlock = true;
        break;
      }
      Rest = Rest.drop_front(Close + 2);
    }
    if (!Ok)
      break;
    Pos = Nl + 1;
  }
  return Text.take_front(End);
}

} // namespace

llvm::StringRef leadingIncludeLines(llvm::StringRef Text) {
  return leadingIncludes(Text, /*SystemOnly=*/false);
}

llvm::StringRef leadingSystemIncludeLines(llvm::StringRef Text) {
  return leadingIncludes(Text, /*SystemOnly=*/true);
}

std::string cacheDirectory() {
  if (const char *E = std::getenv("BPFCARVE_PREAMBLE_CACHE")) {
    llvm::StringRef V(E);
    if (V == "0" || V.equals_insensitive("off") || V.equals_insensitive("no"))
      return "";
  }
  return toolchain::cacheDir() + "/preamble";
}

namespace {

/// What a model parse and a self-check that may share the model's preamble have in common: the
/// cc1 command line but for the main file's name, and the include directives of the leading
/// `#include <...>` run (Prefix), without the blank lines and comments around them.
std::string sharedKey(const CompilerInvocation &Invocation, llvm::StringRef Prefix) {
  std::vector<llvm::StringRef> Directives;
  leadingIncludes(Prefix, /*SystemOnly=*/true, &Directives);
  return keyOf(Invocation, llvm::join(Directives, "\n"), /*ForModel=*/true, /*AnyMainFile=*/true);
}

/// A preamble built in this run: its PCH and the model's record of its headers.
struct BuiltPreamble {
  std::string pch, index;
};

/// Builds the preamble of the main file's first Prefix bytes, and stores it in the cache when
/// its headers are files on disk. nullopt, with the reason added to Note, when it cannot be
/// built.
std::optional<BuiltPreamble>
buildPreamble(const CompilerInvocation &Invocation, llvm::MemoryBuffer &Main,
              llvm::StringRef Prefix, const IntrusiveRefCntPtr<llvm::vfs::FileSystem> &FS,
              const std::shared_ptr<PCHContainerOperations> &PCHContainerOps, bool ForModel,
              const std::string &Dir, const std::string &File, const std::string &Key,
              std::string &Note) {
  DependencyRecorder Recorder(ForModel);
  ErrorCounter Errors;
  auto Inv = std::make_shared<CompilerInvocation>(Invocation);
  IntrusiveRefCntPtr<DiagnosticsEngine> Diags = CompilerInstance::createDiagnostics(
      &Inv->getDiagnosticOpts(), &Errors, /*ShouldOwnClient=*/false);
  auto Pre = PrecompiledPreamble::Build(*Inv, &Main, PreambleBounds(Prefix.size(), true), *Diags,
                                        FS, PCHContainerOps, /*StoreInMemory=*/true, "", Recorder);
  if (!Pre || Errors.getNumErrors() > 0) {
    Note += Pre ? "; the headers report errors" : "; no preamble: " + Pre.getError().message();
    return std::nullopt;
  }
  // The in-memory PCH is reachable only through the file system AddImplicitPreamble returns.
  auto Scratch = std::make_shared<CompilerInvocation>(Invocation);
  Scratch->getPreprocessorOpts().RetainRemappedFileBuffers = true;
  IntrusiveRefCntPtr<llvm::vfs::FileSystem> WithPch = FS;
  Pre->AddImplicitPreamble(*Scratch, WithPch, &Main);
  auto Bytes = WithPch->getBufferForFile(Scratch->getPreprocessorOpts().ImplicitPCHInclude);
  if (!Bytes) {
    Note += "; no preamble: its PCH is unreadable";
    return std::nullopt;
  }
  BuiltPreamble B{(*Bytes)->getBuffer().str(), std::move(Recorder.Record)};
  // Headers that exist only in memory (unit tests' virtual files) have no modification time
  // to validate a later run against: such a preamble serves this parse only.
  bool OnDisk = std::all_of(Recorder.Deps.begin(), Recorder.Deps.end(), [](const Dependency &D) {
    return D.mtime != 0 && D.path.find('\n') == std::string::npos;
  });
  if (OnDisk)
    store(Dir, File, Key, B.pch, B.index, Recorder.Deps);
  Note += OnDisk ? "; built and cached " + File : "; built (in-memory headers: not cached)";
  return B;
}

/// The parse itself: the invocation as given, told that the first PrefixSize bytes of the main
/// file are Pch's. Whether it ran without errors. With MainText, the main file reads as that
/// text instead of what the file system holds.
bool parseWithPch(tooling::FrontendActionFactory &Factory, const CompilerInvocation &Invocation,
                  FileManager *Files, const IntrusiveRefCntPtr<llvm::vfs::FileSystem> &FS,
                  const std::shared_ptr<PCHContainerOperations> &PCHContainerOps, size_t PrefixSize,
                  llvm::StringRef Pch, std::optional<llvm::StringRef> MainText = std::nullopt) {
  auto Inv = std::make_shared<CompilerInvocation>(Invocation);
  PreprocessorOptions &PPO = Inv->getPreprocessorOpts();
  PPO.PrecompiledPreambleBytes = {static_cast<unsigned>(PrefixSize), true};
  PPO.DisablePCHOrModuleValidation = DisableValidationForModuleKind::PCH;
  PPO.UsePredefines = false;
  PPO.ImplicitPCHInclude = PchPath;
  auto Mem = llvm::makeIntrusiveRefCnt<llvm::vfs::InMemoryFileSystem>();
  Mem->addFile(PchPath, 0, llvm::MemoryBuffer::getMemBuffer(Pch, PchPath, false));
  if (MainText) {
    llvm::StringRef Main = Inv->getFrontendOpts().Inputs[0].getFile();
    Mem->addFile(Main, 0, llvm::MemoryBuffer::getMemBuffer(*MainText, Main, false));
  }
  auto Overlay = llvm::makeIntrusiveRefCnt<llvm::vfs::OverlayFileSystem>(FS);
  Overlay->pushOverlay(Mem);
  auto FM = llvm::makeIntrusiveRefCnt<FileManager>(Files->getFileSystemOpts(), Overlay);
  ErrorCounter Errors;
  CompilerInstance Compiler(PCHContainerOps);
  Compiler.setInvocation(std::move(Inv));
  Compiler.setFileManager(FM.get());
  std::unique_ptr<FrontendAction> Action(Factory.create());
  Compiler.createDiagnostics(&Errors, /*ShouldOwnClient=*/false);
  Compiler.createSourceManager(*FM);
  return Compiler.ExecuteAction(*Action) && Errors.getNumErrors() == 0;
}

/// A preamble in memory: its PCH and the model's record of its headers.
struct KeptPreamble {
  std::string pch, index;
};

/// What one command keeps (enableCommandMode): the one preamble build that may run beside it,
/// and every preamble it loaded or built, by key.
struct CommandState {
  bool enabled = false;
  std::atomic<bool> busy{false};
  std::atomic<bool> stopping{false}; ///< the command ends: start no further wanted build
  std::thread worker;
  std::mutex mutex; ///< guards kept and modelKey
  std::mutex starting; ///< one thread at a time decides whether a build starts
  std::map<std::string, std::shared_ptr<const KeptPreamble>> kept;
  /// The key of the command's model preamble once it is loaded or being built: the self-check
  /// preambles of this input's outputs are wanted under it (wantLater).
  std::string modelKey;
  /// Every model preamble of the command (a corpus run parses many files), by sharedKey: its
  /// key and include lines. A self-check whose output starts with the same include directives,
  /// parsed with the same flags, reads them from it.
  struct ModelPreamble {
    std::string key, prefix;
  };
  std::map<std::string, ModelPreamble> models;
  /// The keys the worker has yet to build or is building: a parse of one of them neither notes
  /// nor wants it again (the worker removes the notes when it is done).
  std::set<std::string> building;
  bool isBuilding(const std::string &Key) {
    std::lock_guard<std::mutex> Lock(mutex);
    return building.count(Key) != 0;
  }
  void join() {
    if (worker.joinable())
      worker.join();
  }
  void keep(const std::string &Key, std::string Pch, std::string Index) {
    if (!enabled)
      return;
    auto K = std::make_shared<KeptPreamble>(KeptPreamble{std::move(Pch), std::move(Index)});
    std::lock_guard<std::mutex> Lock(mutex);
    kept[Key] = std::move(K);
  }
  std::shared_ptr<const KeptPreamble> find(const std::string &Key) {
    if (!enabled)
      return nullptr;
    std::lock_guard<std::mutex> Lock(mutex);
    auto It = kept.find(Key);
    return It == kept.end() ? nullptr : It->second;
  }
  void forget(const std::string &Key) {
    std::lock_guard<std::mutex> Lock(mutex);
    kept.erase(Key);
  }
  void setModelKey(const std::string &Key, llvm::StringRef Prefix, const std::string &Shared) {
    std::lock_guard<std::mutex> Lock(mutex);
    if (!enabled)
      return;
    if (modelKey.empty())
      modelKey = Key;
    models.emplace(Shared, ModelPreamble{Key, Prefix.str()});
  }
  std::optional<ModelPreamble> findModel(const std::string &Shared) {
    std::lock_guard<std::mutex> Lock(mutex);
    auto It = models.find(Shared);
    return It == models.end() ? std::nullopt : std::optional<ModelPreamble>(It->second);
  }
  std::string getModelKey() {
    std::lock_guard<std::mutex> Lock(mutex);
    return modelKey;
  }
  ~CommandState() { join(); }
};

CommandState &command() {
  static CommandState B;
  return B;
}

/// One preamble to build on the worker thread: everything it reads is its own copy, but for the
/// PCH container operations (stateless). Its file system is the disk's, with the working
/// directory of the parse that wanted it fixed (relative -I flags of a compile_commands.json
/// entry), whatever the process's is later.
struct BackgroundBuild {
  std::shared_ptr<CompilerInvocation> invocation;
  std::shared_ptr<llvm::MemoryBuffer> main; ///< starts with the preamble's bytes
  size_t prefixSize = 0;
  IntrusiveRefCntPtr<llvm::vfs::FileSystem> disk;
  bool forModel = false;
  std::string file, key;
  std::vector<std::string> doneWith; ///< notes removed once the entry is stored
};

IntrusiveRefCntPtr<llvm::vfs::FileSystem> diskAt(llvm::StringRef Cwd) {
  IntrusiveRefCntPtr<llvm::vfs::FileSystem> Disk = llvm::vfs::createPhysicalFileSystem();
  if (!Cwd.empty())
    Disk->setCurrentWorkingDirectory(Cwd);
  return Disk;
}

/// The CPUs this process may run on but Cpu, when there are any: where a build beside the parse
/// running on Cpu goes. A new thread starts on its parent's CPU and waits there until the
/// scheduler's next load balancing (measured: ~4 ms of a 40 ms command with the other CPU idle;
/// 2-4 ms when the thread moved itself at its start), while the parse it runs beside needs that
/// CPU the whole time: so the parent places it before it ever runs.
std::optional<cpu_set_t> otherCpus(int Cpu) {
  cpu_set_t Allowed;
  if (Cpu < 0 || ::sched_getaffinity(0, sizeof Allowed, &Allowed) != 0 ||
      !CPU_ISSET(Cpu, &Allowed) || CPU_COUNT(&Allowed) < 2)
    return std::nullopt;
  CPU_CLR(Cpu, &Allowed);
  return Allowed;
}

/// Starts the worker on Builds, in order, unless a build runs already (false). A build is not
/// started once the command is ending: finishBackgroundBuilds waits for the one in progress.
bool launch(std::vector<BackgroundBuild> Builds,
            const std::shared_ptr<PCHContainerOperations> &PCHContainerOps,
            const std::string &Dir) {
  CommandState &B = command();
  std::lock_guard<std::mutex> Lock(B.starting); // parses may run on several threads
  if (B.busy || B.stopping)
    return false;
  B.join();
  B.busy = true;
  {
    std::lock_guard<std::mutex> Keys(B.mutex);
    for (const BackgroundBuild &W : Builds)
      B.building.insert(W.key);
  }
  std::optional<cpu_set_t> Others = otherCpus(::sched_getcpu());
  cpu_set_t All;
  bool Free = Others && ::sched_getaffinity(0, sizeof All, &All) == 0;
  B.worker = std::thread([Builds = std::move(Builds), PCHContainerOps, Dir, Free, All] {
    // Placed on another CPU by the parent (below), it may move again once it runs: pinned, it
    // could not use the parent's CPU while the parent only waits for it. (If it runs before the
    // parent placed it, it stays pinned: slower, never wrong.)
    if (Free)
      ::sched_setaffinity(0, sizeof All, &All);
    for (size_t I = 0; I < Builds.size(); ++I) {
      const BackgroundBuild &W = Builds[I];
      // The first build is the one launch started, which the command waits for however short
      // it is; the ending command starts no further one.
      if (I > 0 && command().stopping)
        break;
      std::string Ignored;
      if (auto Built =
              buildPreamble(*W.invocation, *W.main, W.main->getBuffer().take_front(W.prefixSize),
                            W.disk, PCHContainerOps, W.forModel, Dir, W.file, W.key, Ignored)) {
        command().keep(W.key, std::move(Built->pch), std::move(Built->index));
        for (const std::string &F : W.doneWith) {
          std::error_code EC;
          fs::remove(F, EC);
        }
      }
      std::lock_guard<std::mutex> Keys(command().mutex);
      command().building.erase(W.key);
    }
    {
      std::lock_guard<std::mutex> Keys(command().mutex);
      command().building.clear();
    }
    command().busy = false;
  });
  if (Others)
    ::pthread_setaffinity_np(B.worker.native_handle(), sizeof *Others, &*Others);
  return true;
}

/// With background builds on: starts building the preamble of Main's first PrefixSize bytes on
/// another thread, to be stored for later runs (this parse goes on in full), and returns true --
/// or, while another build is still running, starts nothing and returns true as well, so that
/// at most one build runs beside the parse. False when builds run in the foreground.
bool startInBackground(const CompilerInvocation &Invocation, const llvm::MemoryBuffer &Main,
                       size_t PrefixSize, const IntrusiveRefCntPtr<llvm::vfs::FileSystem> &FS,
                       const std::shared_ptr<PCHContainerOperations> &PCHContainerOps,
                       bool ForModel, const std::string &Dir, const std::string &File,
                       const std::string &Key, const std::string &Seen, std::string &Note) {
  if (!command().enabled)
    return false;
  BackgroundBuild W;
  W.invocation = std::make_shared<CompilerInvocation>(Invocation);
  auto Cwd = FS->getCurrentWorkingDirectory();
  W.disk = diskAt(Cwd ? *Cwd : "");
  W.main.reset(
      llvm::MemoryBuffer::getMemBufferCopy(Main.getBuffer(), Main.getBufferIdentifier()).release());
  W.prefixSize = PrefixSize;
  W.forModel = ForModel;
  W.file = File;
  W.key = Key;
  W.doneWith = {Seen};
  std::vector<BackgroundBuild> One;
  One.push_back(std::move(W));
  if (!launch(std::move(One), PCHContainerOps, Dir)) {
    Note += "; another preamble is being built: parsing in full";
    return true;
  }
  Note += "; building its preamble beside this parse, which goes on in full";
  return true;
}

// A self-check's preamble falls due late in the command -- its parse is the last step -- and a
// build started beside it (header parse and PCH serialisation) outlasts that parse: the command
// would wait for it. So a self-check preamble of an input whose model preamble the command has
// is "wanted" instead: DIR/KEY.want holds what the build needs (the cc1 command line, the
// working directory, the include lines) and DIR/MODELKEY.then lists the wanted keys; the next
// command on the same input starts those builds as soon as its model preamble is loaded, on the
// worker thread, beside everything the command does.
constexpr const char *WantMagic = "bpfcarve-want 1";

void wantLater(const std::string &Dir, const std::string &ModelKey,
               const CompilerInvocation &Invocation, llvm::vfs::FileSystem &FS,
               llvm::StringRef Prefix, const std::string &Key) {
  std::string Body;
  auto field = [&](llvm::StringRef S) {
    Body += S;
    Body += '\0';
  };
  auto Cwd = FS.getCurrentWorkingDirectory();
  field(WantMagic);
  field(Key);
  field(Cwd ? *Cwd : "");
  field(Invocation.getFrontendOpts().Inputs[0].getFile());
  field(Prefix);
  for (const std::string &Arg : Invocation.getCC1CommandLine())
    field(Arg);
  std::string File = Dir + "/" + Key + ".want";
  if (!toolchain::writeFileAtomically(File, Body))
    return;
  if (int Fd = ::open((Dir + "/" + ModelKey + ".then").c_str(),
                      O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
      Fd >= 0) {
    std::string Line = Key + "\n"; // one short write: appends do not interleave
    [[maybe_unused]] ssize_t N = ::write(Fd, Line.data(), Line.size());
    ::close(Fd);
  }
}

/// The build a DIR/KEY.want file describes, when it still applies: its cc1 command line parses
/// and gives the same key again (same clang, same flags).
std::optional<BackgroundBuild> wanted(const std::string &Dir, const std::string &Key) {
  std::string File = Dir + "/" + Key + ".want";
  auto Buf = llvm::MemoryBuffer::getFile(File, /*IsText=*/false);
  if (!Buf)
    return std::nullopt;
  llvm::SmallVector<llvm::StringRef, 64> F;
  (*Buf)->getBuffer().split(F, '\0');
  if (F.size() < 6 || F[0] != WantMagic || F[1] != Key || !F.back().empty())
    return std::nullopt;
  std::vector<std::string> Args(F.begin() + 5, F.end() - 1);
  std::vector<const char *> Argv;
  for (const std::string &A : Args)
    Argv.push_back(A.c_str());
  auto Inv = std::make_shared<CompilerInvocation>();
  IgnoringDiagConsumer Ignore;
  DiagnosticsEngine Diags(new DiagnosticIDs, new DiagnosticOptions, &Ignore,
                          /*ShouldOwnClient=*/false);
  if (!CompilerInvocation::CreateFromArgs(*Inv, Argv, Diags) ||
      Inv->getFrontendOpts().Inputs.size() != 1 || keyOf(*Inv, F[4], false) != Key) {
    std::error_code EC;
    fs::remove(File, EC);
    return std::nullopt;
  }
  BackgroundBuild W;
  W.invocation = std::move(Inv);
  W.disk = diskAt(F[2]);
  W.main.reset(llvm::MemoryBuffer::getMemBufferCopy(F[4], F[3]).release());
  W.prefixSize = F[4].size();
  W.file = Dir + "/" + Key + ".pch";
  W.key = Key;
  W.doneWith = {File, Dir + "/" + Key + ".seen"};
  return W;
}

/// Starts the builds wanted under the model preamble ModelKey that are not stored yet (the most
/// recently wanted first), beside the rest of the command.
void startWanted(const std::string &Dir, const std::string &ModelKey,
                 const std::shared_ptr<PCHContainerOperations> &PCHContainerOps) {
  if (!command().enabled || command().busy)
    return;
  auto List = llvm::MemoryBuffer::getFile(Dir + "/" + ModelKey + ".then", /*IsText=*/true);
  if (!List)
    return;
  llvm::SmallVector<llvm::StringRef, 16> Keys;
  (*List)->getBuffer().split(Keys, '\n', -1, /*KeepEmpty=*/false);
  std::vector<BackgroundBuild> Builds;
  std::set<std::string> Taken;
  for (auto It = Keys.rbegin(); It != Keys.rend() && Builds.size() < 64; ++It) {
    std::string K = It->trim().str();
    std::error_code EC;
    if (K.empty() || !Taken.insert(K).second || fs::exists(Dir + "/" + K + ".pch", EC))
      continue;
    if (auto W = wanted(Dir, K))
      Builds.push_back(std::move(*W));
  }
  if (Builds.empty()) {
    std::error_code EC; // every wanted entry is stored (or no longer applies)
    fs::remove(Dir + "/" + ModelKey + ".then", EC);
    return;
  }
  launch(std::move(Builds), PCHContainerOps, Dir);
}

/// The first use of a key: notes it in Seen (and the caller parses in full) unless File or the
/// note exists. False also when the note cannot be written (no writable cache): a stored entry
/// cannot follow either, and the entry is built for this run only.
bool noteFirstUse(const std::string &Dir, const std::string &File, const std::string &Seen,
                  std::string &Note) {
  std::error_code ExistsEC;
  if (fs::exists(File, ExistsEC) || fs::exists(Seen, ExistsEC))
    return false;
  std::error_code EC;
  fs::create_directories(Dir, EC);
  int Fd = ::open(Seen.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (Fd < 0)
    return false;
  ::close(Fd);
  Note += "; first use of these include lines: parsing in full, noted in " + Seen;
  return true;
}

/// A self-check's parse with the command's model preamble, when Text starts with the same
/// `#include <...>` directives as the model's preamble, in the same order (blank lines and
/// comments may differ: an output drops the blank lines between groups), and the invocation is
/// the model's but for the main file's name: the flags the output compiles with are the input's.
/// The parse reads the model's prefix, a #line that gives the rest of Text its own line
/// numbers, and the rest: the same tokens as Text. The model's preamble holds more than a
/// self-check's (function bodies, the record of preprocessor events) and serves it as well; a
/// self-check that matches never needs an entry of its own. Whether that parse ran without an
/// error; false too while the model's preamble is still being built (the caller parses in
/// full); nullopt when the include lines or flags are not a model's.
std::optional<bool>
parseWithModelPreamble(tooling::FrontendActionFactory &Factory,
                       const CompilerInvocation &Invocation, FileManager *Files,
                       const IntrusiveRefCntPtr<llvm::vfs::FileSystem> &FS,
                       const std::shared_ptr<PCHContainerOperations> &PCHContainerOps,
                       llvm::StringRef Text, std::string &Note) {
  CommandState &C = command();
  llvm::StringRef Prefix = leadingSystemIncludeLines(Text);
  if (Prefix.empty())
    return std::nullopt;
  std::optional<CommandState::ModelPreamble> Model = C.findModel(sharedKey(Invocation, Prefix));
  if (!Model)
    return std::nullopt;
  const std::string &ModelPrefix = Model->prefix;
  std::shared_ptr<const KeptPreamble> Kept = C.find(Model->key);
  if (!Kept) {
    Note = "the model's preamble of the same include lines is being built: parsing in full";
    return false;
  }
  std::string Joined = ModelPrefix + "#line " + std::to_string(Prefix.count('\n') + 1) + "\n" +
                       Text.drop_front(Prefix.size()).str();
  if (!parseWithPch(Factory, Invocation, Files, FS, PCHContainerOps, ModelPrefix.size(), Kept->pch,
                    llvm::StringRef(Joined))) {
    Note = "the parse with the model's preamble reported an error: parsing in full";
    return false;
  }
  Note = "kept in memory: the model's preamble of the same include lines";
  return true;
}

/// The one main file of an invocation that uses no PCH of its own; nullptr, with the reason in
/// Note, otherwise.
std::unique_ptr<llvm::MemoryBuffer> mainFile(const CompilerInvocation &Invocation,
                                             llvm::vfs::FileSystem &FS, std::string &Note) {
  if (Invocation.getFrontendOpts().Inputs.size() != 1 ||
      !Invocation.getPreprocessorOpts().ImplicitPCHInclude.empty() ||
      Invocation.getPreprocessorOpts().PrecompiledPreambleBytes.first != 0) {
    Note = "no preamble: the command uses a PCH of its own";
    return nullptr;
  }
  auto Main = FS.getBufferForFile(Invocation.getFrontendOpts().Inputs[0].getFile());
  if (!Main) {
    Note = "no preamble: main file unreadable";
    return nullptr;
  }
  return std::move(*Main);
}

} // namespace

void enableCommandMode() { command().enabled = true; }

void finishBackgroundBuilds() {
  command().stopping = true;
  command().join();
}

void endCommandMode() {
  CommandState &C = command();
  finishBackgroundBuilds();
  std::lock_guard<std::mutex> Lock(C.mutex);
  C.enabled = false;
  C.stopping = false;
  C.kept.clear();
  C.models.clear();
  C.modelKey.clear();
}

bool runWithPreamble(tooling::FrontendActionFactory &Factory,
                     const std::shared_ptr<CompilerInvocation> &Invocation, FileManager *Files,
                     const std::shared_ptr<PCHContainerOperations> &PCHContainerOps,
                     PreambleUse &Use, std::string &Note, std::string *ModelRecord) {
  Use = PreambleUse::NotTried;
  const bool ForModel = ModelRecord != nullptr;
  std::string Dir = cacheDirectory();
  if (Dir.empty()) {
    Note = "preamble cache switched off (BPFCARVE_PREAMBLE_CACHE)";
    return false;
  }
  IntrusiveRefCntPtr<llvm::vfs::FileSystem> FS = Files->getVirtualFileSystemPtr();
  auto Main = mainFile(*Invocation, *FS, Note);
  if (!Main)
    return false;
  llvm::StringRef Prefix = ForModel ? leadingSystemIncludeLines(Main->getBuffer())
                                    : leadingIncludeLines(Main->getBuffer());
  if (Prefix.empty()) {
    Note = ForModel ? "no preamble: the file does not start with #include <...> lines"
                    : "no preamble: the file does not start with #include lines";
    return false;
  }
  Use = PreambleUse::FullParse;
  if (std::optional<bool> Parsed =
          ForModel ? std::nullopt
                   : parseWithModelPreamble(Factory, *Invocation, Files, FS, PCHContainerOps,
                                            Main->getBuffer(), Note)) {
    Use = *Parsed ? PreambleUse::Loaded : PreambleUse::FullParse;
    return *Parsed;
  }

  std::string Key = keyOf(*Invocation, Prefix, ForModel);
  if (ForModel) // known from now on: the self-checks that share it use it once it is kept
    command().setModelKey(Key, Prefix, sharedKey(*Invocation, Prefix));
  std::string File = Dir + "/" + Key + ".pch";
  llvm::StringRef Pch, Index;
  std::string Built; // owns the PCH when it is built now
  std::string BuiltIndex; // and the model's record of its headers
  // Within one command, a preamble loaded or built once serves every later parse as it is.
  std::shared_ptr<const KeptPreamble> Kept = command().find(Key);
  std::unique_ptr<llvm::MemoryBuffer> Cached;
  if (Kept) {
    Pch = Kept->pch;
    Index = Kept->index;
    Note = "kept in memory since " + File + " was loaded or built";
  } else {
    Cached = load(File, Key, *FS, Pch, Index, Note);
    if (Cached && command().enabled)
      command().keep(Key, Pch.str(), Index.str());
  }
  if (!Cached && !Kept) {
    // Building the entry costs more than the parse it saves (the PCH is written too), so it is
    // built the second time a key is asked for: a one-off check costs what it did without a
    // cache, a repeated one (extracting again, a benchmark) pays the build once.
    // (A stale or corrupt entry is rebuilt at once: its key has been used.)
    std::string Seen = Dir + "/" + Key + ".seen";
    if (command().isBuilding(Key)) {
      Note += "; its preamble is being built beside this parse, which goes on in full";
      return false;
    }
    if (noteFirstUse(Dir, File, Seen, Note))
      return false;
    std::string ModelKey = ForModel ? "" : command().getModelKey();
    if (!ModelKey.empty() && ModelKey != Key) {
      wantLater(Dir, ModelKey, *Invocation, *FS, Prefix, Key);
      Note += "; its preamble is built at the start of the next run on this input: parsing in "
              "full";
      return false;
    }
    if (startInBackground(*Invocation, *Main, Prefix.size(), FS, PCHContainerOps, ForModel, Dir,
                          File, Key, Seen, Note)) {
      return false;
    }
    auto B = buildPreamble(*Invocation, *Main, Prefix, FS, PCHContainerOps, ForModel, Dir, File,
                           Key, Note);
    if (!B)
      return false;
    command().keep(Key, B->pch, B->index);
    Built = std::move(B->pch);
    BuiltIndex = std::move(B->index);
    Pch = Built;
    Index = BuiltIndex;
    std::error_code EC;
    fs::remove(Seen, EC);
  } else if (Cached) {
    Note = "loaded " + File;
  }

  if (ForModel && Index.empty()) {
    // The headers' preprocessor events could not be recorded (a header the model does not take
    // as a system header, say): the model needs the full parse.
    Note += "; the preamble has no record of its headers for the model: parsing in full";
    Use = PreambleUse::FullParse;
    return false;
  }
  if (ForModel) {
    *ModelRecord = Index.str();
    // The model preamble is in hand: the self-check preambles earlier runs wanted are built
    // beside the rest of this command.
    startWanted(Dir, Key, PCHContainerOps);
  }

  bool Ok = parseWithPch(Factory, *Invocation, Files, FS, PCHContainerOps, Prefix.size(), Pch);
  if (!Ok) {
    // Most likely the file's own text is wrong (the full parse will say where); a cached entry
    // is dropped all the same, so that a preamble never stands between a file and its check.
    command().forget(Key);
    if (Cached || Kept) {
      Cached.reset();
      std::error_code EC;
      fs::remove(File, EC);
    }
    Note += "; the parse with the preamble reported an error: parsing in full";
    return false;
  }
  Use = Built.empty() ? PreambleUse::Loaded : PreambleUse::Built;
  return true;
}

} // namespace bpfcarve::extractor::preamble
