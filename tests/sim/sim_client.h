// Test-side helpers for kube-sim, independent of the operator's client: start the real kube-sim
// binary on port 0, and a tiny blocking HTTP/1.1 client over sockets (optionally TLS).
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace simtest {

using json = nlohmann::json;

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  ///< lower-case names
  std::string body;
  json json_body() const { return json::parse(body, nullptr, false); }
  std::string header(const std::string& lower) const {
    auto it = headers.find(lower);
    return it == headers.end() ? "" : it->second;
  }
};

/// A running kube-sim process; killed on destruction.
class SimProcess {
 public:
  /// Starts FERRY_BINARY_DIR/sim/kube-sim with `args` (plus --port 0) and waits for its
  /// "listening on" line.
  explicit SimProcess(const std::vector<std::string>& args = {});
  ~SimProcess();
  SimProcess(const SimProcess&) = delete;
  SimProcess& operator=(const SimProcess&) = delete;

  int port() const { return port_; }
  const std::string& url() const { return url_; }
  bool ok() const { return port_ > 0; }
  /// Sends SIGTERM and waits for exit; returns the exit status.
  int terminate();

 private:
  int pid_ = -1;
  int port_ = -1;
  std::string url_;
};

/// One HTTP/1.1 exchange per call, on a new connection (as the transcripts were recorded).
class HttpClient {
 public:
  explicit HttpClient(int port, bool tls = false, std::string token = "")
      : port_(port), tls_(tls), token_(std::move(token)) {}

  HttpResponse request(const std::string& method, const std::string& target, const std::string& body = "",
                       std::map<std::string, std::string> headers = {});
  HttpResponse get(const std::string& target) { return request("GET", target); }
  HttpResponse post_json(const std::string& target, const json& body) {
    return request("POST", target, body.dump(), {{"Content-Type", "application/json"}});
  }
  HttpResponse patch(const std::string& target, const json& body,
                     const std::string& type = "application/merge-patch+json") {
    return request("PATCH", target, body.dump(), {{"Content-Type", type}});
  }
  /// Polls GET `target` until it answers `status` or `timeout` passes; returns the last answer.
  HttpResponse wait_for_status(const std::string& target, int status,
                               std::chrono::milliseconds timeout = std::chrono::seconds(10));

  /// A streaming GET (watch): reads newline-delimited lines until the server ends the stream,
  /// `max_lines` lines arrived, or `timeout`.
  struct Stream {
    int status = 0;
    std::map<std::string, std::string> headers;
    std::vector<std::string> lines;
    bool ended_by_server = false;
  };
  Stream watch(const std::string& target, size_t max_lines, std::chrono::milliseconds timeout);

  /// Opens a watch and returns a handle to read lines incrementally.
  class WatchHandle;
  std::unique_ptr<WatchHandle> open_watch(const std::string& target);

 private:
  int port_;
  bool tls_;
  std::string token_;
};

class HttpClient::WatchHandle {
 public:
  ~WatchHandle();
  int status() const { return status_; }
  /// Next line (without "\n"), or "" on timeout/end. `ended()` tells which.
  std::string next_line(std::chrono::milliseconds timeout);
  bool ended() const { return ended_; }

 private:
  friend class HttpClient;
  bool fill(std::chrono::milliseconds timeout);
  int fd_ = -1;
  void* ssl_ = nullptr;
  void* ctx_ = nullptr;
  int status_ = 0;
  bool ended_ = false;
  std::string raw_;      ///< undecoded bytes
  std::string decoded_;  ///< dechunked body bytes
};

/// kube-sim's admin API (sim/api/admin.cc). Each call returns whether kube-sim answered 200.
class SimAdmin {
 public:
  explicit SimAdmin(int port) : port_(port) {}
  /// POST /sim/faults, e.g. {"failNext": {"count": 3, "code": 500, "pathPrefix": "/apis"}}.
  bool PostFaults(const json& body);
  /// DELETE /sim/faults: every fault off.
  bool ClearFaults();
  /// POST /sim/watches/drop: every open watch stream closed.
  bool DropWatches();
  /// POST /sim/compact: history compacted (re-watches from older versions get 410 Gone).
  bool Compact();

 private:
  int port_;
};

/// Path of the transcripts folder (FERRY_SOURCE_DIR/../shared/kube-transcripts).
std::string transcripts_dir();

}  // namespace simtest
