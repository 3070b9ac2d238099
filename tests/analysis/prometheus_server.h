// A real `prometheus` server for tests: started on 127.0.0.1 at a free port with a 1 s scrape
// interval over one target (an exporter the test controls, e.g. a kube::testing::TestServer),
// ready when /-/ready answers; stopped (SIGTERM, then SIGKILL) on Stop() or destruction.
// Used by tests/analysis and by the Release analysis runner's tests.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>

#include "tests/kube/test_server.h"

namespace ferry::analysis::testing {

// A port that was free a moment ago (Prometheus cannot listen on port 0); 0 on failure.
int FreePort();

class PrometheusServer {
 public:
  // Writes prometheus.yml into `dir` scraping `scrape_target` ("127.0.0.1:PORT") every second.
  PrometheusServer(const kube::testing::TempDir& dir, const std::string& scrape_target);
  ~PrometheusServer();
  PrometheusServer(const PrometheusServer&) = delete;
  PrometheusServer& operator=(const PrometheusServer&) = delete;

  // Starts the server and waits (bounded) until /-/ready answers 200; retries with another port
  // when the chosen one was taken meanwhile.
  bool Start(std::chrono::seconds timeout);
  void Stop();

  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string Log() const;

 private:
  bool Spawn();
  bool WaitReady(std::chrono::seconds timeout);

  const kube::testing::TempDir& dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace ferry::analysis::testing
