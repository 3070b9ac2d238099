// Runs kube-sim as a child process for a benchmark (so the simulator's memory and CPU are not the
// benchmark's), on 127.0.0.1 port 0, writing a kubeconfig into a fresh temporary directory, and
// runs kubectl against it. Header-only; POSIX only. Benchmarks only.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace ferry::bench {

class SimProcess {
 public:
  SimProcess() = default;
  ~SimProcess() { Stop(); }
  SimProcess(const SimProcess&) = delete;
  SimProcess& operator=(const SimProcess&) = delete;

  // Starts `kube_sim` with `args` (plus --port 0 --kubeconfig-out); waits up to 20 s for it to
  // listen. Returns false with `error` set on failure.
  bool Start(const std::string& kube_sim, const std::vector<std::string>& args, std::string* error) {
    char tmpl[] = "/tmp/ferry-bench.XXXXXX";
    if (mkdtemp(tmpl) == nullptr) {
      *error = "mkdtemp failed";
      return false;
    }
    dir_ = tmpl;
    kubeconfig_ = dir_ + "/kubeconfig";
    const std::string log = dir_ + "/kube-sim.log";
    std::vector<std::string> argv = {kube_sim, "--port", "0", "--kubeconfig-out", kubeconfig_};
    argv.insert(argv.end(), args.begin(), args.end());
    pid_ = Spawn(argv, log);
    if (pid_ <= 0) {
      *error = "cannot start " + kube_sim;
      return false;
    }
    for (int i = 0; i < 200; ++i) {
      std::ifstream in(log);
      std::stringstream ss;
      ss << in.rdbuf();
      size_t at = ss.str().find("listening on ");
      if (at != std::string::npos) {
        url_ = ss.str().substr(at + 13);
        url_ = url_.substr(0, url_.find_first_of("\r\n"));
        port_ = std::atoi(url_.substr(url_.rfind(':') + 1).c_str());
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    *error = "kube-sim did not listen within 20 s (log: " + log + ")";
    return false;
  }

  void Stop() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
      pid_ = -1;
    }
    if (!dir_.empty()) {
      std::string cmd = "rm -rf '" + dir_ + "'";
      if (std::system(cmd.c_str()) != 0) {
      }
      dir_.clear();
    }
  }

  // Runs `kubectl ARGS` against the simulator; returns its exit code.
  int Kubectl(const std::string& kubectl, const std::string& args) const {
    std::string cmd = "KUBECONFIG='" + kubeconfig_ + "' '" + kubectl + "' " + args + " >/dev/null";
    return std::system(cmd.c_str());
  }

  // Resident memory of the simulator process, in MiB (0 when unknown).
  double RssMiB() const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("VmRSS:", 0) == 0) return std::atof(line.c_str() + 6) / 1024.0;
    }
    return 0;
  }

  // posix_spawn of argv with stdout and stderr to `log` ("" = inherit); returns the pid.
  static pid_t Spawn(const std::vector<std::string>& argv, const std::string& log) {
    std::vector<char*> cargv;
    for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (!log.empty()) {
      posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      posix_spawn_file_actions_adddup2(&actions, 1, 2);
    }
    pid_t pid = -1;
    if (posix_spawn(&pid, cargv[0], &actions, nullptr, cargv.data(), environ) != 0) pid = -1;
    posix_spawn_file_actions_destroy(&actions);
    return pid;
  }

  const std::string& kubeconfig() const { return kubeconfig_; }
  const std::string& url() const { return url_; }
  const std::string& dir() const { return dir_; }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string dir_, kubeconfig_, url_;
};

}  // namespace ferry::bench
