//===- Process.cpp - run a program by argv --------------------------------===//
#include "bpfcarve/toolchain/Process.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace bpfcarve::toolchain {

namespace {
struct Pipe {
  int Fd[2] = {-1, -1};
  ~Pipe() {
    for (int F : Fd)
      if (F >= 0)
        ::close(F);
  }
  void closeEnd(int I) {
    if (Fd[I] >= 0)
      ::close(Fd[I]);
    Fd[I] = -1;
  }
};
} // namespace

std::string lastLines(const std::string &Output, size_t N) {
  size_t Pos = Output.size();
  while (N-- > 0 && Pos > 0) {
    size_t NL = Output.rfind('\n', Pos - 1);
    if (NL == std::string::npos) {
      Pos = 0;
      break;
    }
    Pos = NL;
  }
  std::string Out;
  for (char C : Output.substr(Pos))
    if (C == '\n' || (C >= 0x20 && C < 0x7f))
      Out += C;
  size_t B = Out.find_first_not_of(" \n"), E = Out.find_last_not_of(" \n");
  return B == std::string::npos ? std::string() : Out.substr(B, E - B + 1);
}

Result<ProcessResult> runProcess(const std::vector<std::string> &argv) {
  return runProcess(argv, ProcessOptions{});
}

Result<ProcessResult> runProcess(const std::vector<std::string> &argv,
                                 const ProcessOptions &Options) {
  if (argv.empty())
    return Failure::internal("runProcess: empty argv");
  Pipe Out, Err, Status;
  if (::pipe2(Out.Fd, O_CLOEXEC) || ::pipe2(Err.Fd, O_CLOEXEC) || ::pipe2(Status.Fd, O_CLOEXEC))
    return Failure::environment(std::string("cannot create a pipe: ") + std::strerror(errno));

  std::vector<char *> Args;
  Args.reserve(argv.size());
  for (const std::string &A : argv)
    Args.push_back(const_cast<char *>(A.c_str()));
  Args.push_back(nullptr);

  pid_t Parent = ::getpid();
  pid_t Pid = ::fork();
  if (Pid < 0)
    return Failure::environment(std::string("cannot fork: ") + std::strerror(errno));
  if (Pid == 0) {
    if (Options.killWithParent &&
        (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != Parent))
      ::_exit(127); // the parent is already gone
    if (!Options.cwd.empty() && ::chdir(Options.cwd.c_str()) != 0) {
      int E = errno;
      (void)!::write(Status.Fd[1], &E, sizeof E);
      ::_exit(127);
    }
    int Null = ::open("/dev/null", O_RDONLY);
    if (Null >= 0)
      ::dup2(Null, 0);
    ::dup2(Out.Fd[1], 1);
    ::dup2(Err.Fd[1], 2);
    ::execvp(Args[0], Args.data());
    int E = errno; // report exec failure through the CLOEXEC status pipe
    (void)!::write(Status.Fd[1], &E, sizeof E);
    ::_exit(127);
  }
  Out.closeEnd(1);
  Err.closeEnd(1);
  Status.closeEnd(1);

  ProcessResult R;
  pollfd Fds[2] = {{Out.Fd[0], POLLIN, 0}, {Err.Fd[0], POLLIN, 0}};
  std::string *Sinks[2] = {&R.out, &R.err};
  int Open = 2;
  char Buf[65536];
  using Clock = std::chrono::steady_clock;
  const auto Deadline = Clock::now() + std::chrono::milliseconds(Options.timeoutMs);
  while (Open > 0) {
    int Wait = -1;
    if (Options.timeoutMs) {
      auto Left =
          std::chrono::duration_cast<std::chrono::milliseconds>(Deadline - Clock::now()).count();
      if (Left <= 0) {
        ::kill(Pid, SIGKILL);
        R.timedOut = true;
        break;
      }
      Wait = static_cast<int>(Left);
    }
    if (::poll(Fds, 2, Wait) < 0) {
      if (errno == EINTR)
        continue;
      break;
    }
    for (int I = 0; I < 2; ++I) {
      if (Fds[I].fd < 0 || !(Fds[I].revents & (POLLIN | POLLHUP | POLLERR)))
        continue;
      ssize_t N = ::read(Fds[I].fd, Buf, sizeof Buf);
      if (N > 0) {
        Sinks[I]->append(Buf, static_cast<size_t>(N));
      } else if (N == 0 || errno != EINTR) {
        Fds[I].fd = -1;
        --Open;
      }
    }
  }
  int WStatus = 0;
  while (::waitpid(Pid, &WStatus, 0) < 0 && errno == EINTR) {
  }
  int ExecErrno = 0;
  if (::read(Status.Fd[0], &ExecErrno, sizeof ExecErrno) == sizeof ExecErrno)
    return Failure::environment("cannot run '" + argv[0] + "': " + std::strerror(ExecErrno));
  if (WIFEXITED(WStatus))
    R.exitCode = WEXITSTATUS(WStatus);
  else if (WIFSIGNALED(WStatus))
    R.signal = WTERMSIG(WStatus);
  return R;
}

} // namespace bpfcarve::toolchain
