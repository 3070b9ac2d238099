#include "sim_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <thread>

namespace simtest {
namespace {

using Clock = std::chrono::steady_clock;

int connect_local(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

/// Parses status line + headers from `head`.
void parse_head(const std::string& head, int* status, std::map<std::string, std::string>* headers) {
  size_t eol = head.find("\r\n");
  std::string first = head.substr(0, eol);
  *status = std::atoi(first.substr(first.find(' ') + 1).c_str());
  size_t pos = eol + 2;
  while (pos < head.size()) {
    size_t end = head.find("\r\n", pos);
    if (end == std::string::npos) end = head.size();
    std::string line = head.substr(pos, end - pos);
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string v = line.substr(colon + 1);
      v.erase(0, v.find_first_not_of(' '));
      (*headers)[lower(line.substr(0, colon))] = v;
    }
    pos = end + 2;
  }
}

/// Decodes as many complete chunks of `raw` as possible into `out`; true once the last chunk came.
bool dechunk(std::string& raw, std::string& out) {
  for (;;) {
    size_t eol = raw.find("\r\n");
    if (eol == std::string::npos) return false;
    size_t size = std::strtoull(raw.substr(0, eol).c_str(), nullptr, 16);
    if (size == 0) return true;
    if (raw.size() < eol + 2 + size + 2) return false;
    out.append(raw, eol + 2, size);
    raw.erase(0, eol + 2 + size + 2);
  }
}

struct Conn {
  int fd = -1;
  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;
  bool open(int port, bool tls) {
    fd = connect_local(port);
    if (fd < 0) return false;
    if (!tls) return true;
    ctx = SSL_CTX_new(TLS_client_method());
    ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    return SSL_connect(ssl) == 1;
  }
  void write_all(const std::string& data) {
    size_t off = 0;
    while (off < data.size()) {
      ssize_t n = ssl ? SSL_write(ssl, data.data() + off, static_cast<int>(data.size() - off))
                      : ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;
      off += static_cast<size_t>(n);
    }
  }
  ssize_t read_some(char* buf, size_t n) {
    if (ssl) {
      if (SSL_pending(ssl) == 0) {
        // fallthrough to blocking read
      }
      int r = SSL_read(ssl, buf, static_cast<int>(n));
      return r > 0 ? r : 0;
    }
    ssize_t r = ::recv(fd, buf, n, 0);
    return r > 0 ? r : 0;
  }
  bool readable(int ms) {
    if (ssl && SSL_pending(ssl) > 0) return true;
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, ms) > 0;
  }
  void close() {
    if (ssl) SSL_free(ssl);
    if (ctx) SSL_CTX_free(ctx);
    if (fd >= 0) ::close(fd);
    ssl = nullptr;
    ctx = nullptr;
    fd = -1;
  }
};

std::string build_request(const std::string& method, const std::string& target, const std::string& body,
                          const std::map<std::string, std::string>& headers, const std::string& token,
                          bool keep_open) {
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  bool has_accept = false;
  for (const auto& [k, v] : headers) {
    if (lower(k) == "accept") has_accept = true;
    if (v.empty() && lower(k) == "accept") continue;
    req += k + ": " + v + "\r\n";
  }
  if (!has_accept) req += "Accept: application/json\r\n";
  if (!token.empty()) req += "Authorization: Bearer " + token + "\r\n";
  req += "User-Agent: sim-test/1.0\r\n";
  if (!keep_open) req += "Connection: close\r\n";
  req += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  return req;
}

}  // namespace

std::string transcripts_dir() {
  const char* src = std::getenv("FERRY_SOURCE_DIR");
  return std::string(src ? src : ".") + "/tests/kube-transcripts";
}

SimProcess::SimProcess(const std::vector<std::string>& args) {
  const char* bin_dir = std::getenv("FERRY_BINARY_DIR");
  std::string bin = std::string(bin_dir ? bin_dir : ".") + "/sim/kube-sim";
  // argv is built before fork: the child of a multithreaded process must not allocate.
  std::vector<std::string> all = {bin, "--port", "0"};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  int out[2];
  if (pipe(out) != 0) return;
  pid_ = fork();
  if (pid_ == 0) {
    dup2(out[1], 1);
    ::close(out[0]);
    ::close(out[1]);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  ::close(out[1]);
  std::string line;
  auto deadline = Clock::now() + std::chrono::seconds(15);
  while (Clock::now() < deadline && line.find('\n') == std::string::npos) {
    pollfd p{out[0], POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char buf[256];
    ssize_t n = ::read(out[0], buf, sizeof buf);
    if (n <= 0) break;
    line.append(buf, static_cast<size_t>(n));
  }
  ::close(out[0]);
  size_t at = line.find("listening on ");
  if (at == std::string::npos) return;
  url_ = line.substr(at + 13, line.find('\n') - at - 13);
  port_ = std::atoi(url_.substr(url_.rfind(':') + 1).c_str());
}

SimProcess::~SimProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

int SimProcess::terminate() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

HttpResponse HttpClient::request(const std::string& method, const std::string& target, const std::string& body,
                                 std::map<std::string, std::string> headers) {
  HttpResponse resp;
  Conn c;
  if (!c.open(port_, tls_)) {
    c.close();
    return resp;
  }
  c.write_all(build_request(method, target, body, headers, token_, false));
  std::string raw;
  char buf[65536];
  for (ssize_t n; (n = c.read_some(buf, sizeof buf)) > 0;) raw.append(buf, static_cast<size_t>(n));
  c.close();
  size_t head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos) return resp;
  parse_head(raw.substr(0, head_end), &resp.status, &resp.headers);
  std::string rest = raw.substr(head_end + 4);
  if (lower(resp.header("transfer-encoding")) == "chunked") dechunk(rest, resp.body);
  else resp.body = rest;
  return resp;
}

HttpResponse HttpClient::wait_for_status(const std::string& target, int status, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  HttpResponse r;
  for (;;) {
    r = get(target);
    if (r.status == status || Clock::now() >= deadline) return r;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::unique_ptr<HttpClient::WatchHandle> HttpClient::open_watch(const std::string& target) {
  auto h = std::unique_ptr<WatchHandle>(new WatchHandle());
  Conn c;
  if (!c.open(port_, tls_)) {
    c.close();
    h->ended_ = true;
    return h;
  }
  h->fd_ = c.fd;
  h->ssl_ = c.ssl;
  h->ctx_ = c.ctx;
  c.write_all(build_request("GET", target, "", {}, token_, false));
  auto deadline = Clock::now() + std::chrono::seconds(10);
  while (h->raw_.find("\r\n\r\n") == std::string::npos && Clock::now() < deadline) {
    if (!h->fill(std::chrono::milliseconds(100)) && h->ended_) break;
  }
  size_t head_end = h->raw_.find("\r\n\r\n");
  if (head_end == std::string::npos) return h;
  std::map<std::string, std::string> headers;
  parse_head(h->raw_.substr(0, head_end), &h->status_, &headers);
  h->raw_.erase(0, head_end + 4);
  if (lower(headers["transfer-encoding"]) != "chunked") {
    h->decoded_ = h->raw_;
    h->raw_.clear();
  }
  return h;
}

HttpClient::WatchHandle::~WatchHandle() {
  if (ssl_) SSL_free(static_cast<SSL*>(ssl_));
  if (ctx_) SSL_CTX_free(static_cast<SSL_CTX*>(ctx_));
  if (fd_ >= 0) ::close(fd_);
}

bool HttpClient::WatchHandle::fill(std::chrono::milliseconds timeout) {
  SSL* ssl = static_cast<SSL*>(ssl_);
  if (!(ssl && SSL_pending(ssl) > 0)) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
  }
  char buf[65536];
  ssize_t n = ssl ? SSL_read(ssl, buf, sizeof buf) : ::recv(fd_, buf, sizeof buf, 0);
  if (n <= 0) {
    ended_ = true;
    return false;
  }
  raw_.append(buf, static_cast<size_t>(n));
  return true;
}

std::string HttpClient::WatchHandle::next_line(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    if (!raw_.empty() && dechunk(raw_, decoded_)) ended_ = true;
    size_t nl = decoded_.find('\n');
    if (nl != std::string::npos) {
      std::string line = decoded_.substr(0, nl);
      decoded_.erase(0, nl + 1);
      return line;
    }
    if (ended_) return "";
    auto now = Clock::now();
    if (now >= deadline) return "";
    fill(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now));
  }
}

HttpClient::Stream HttpClient::watch(const std::string& target, size_t max_lines, std::chrono::milliseconds timeout) {
  Stream s;
  auto h = open_watch(target);
  s.status = h->status();
  auto deadline = Clock::now() + timeout;
  while (s.lines.size() < max_lines && Clock::now() < deadline) {
    std::string line = h->next_line(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
    if (!line.empty()) s.lines.push_back(line);
    else if (h->ended()) break;
  }
  s.ended_by_server = h->ended();
  return s;
}

bool SimAdmin::PostFaults(const json& body) {
  return HttpClient(port_).post_json("/sim/faults", body).status == 200;
}

bool SimAdmin::ClearFaults() { return HttpClient(port_).request("DELETE", "/sim/faults").status == 200; }

bool SimAdmin::DropWatches() {
  return HttpClient(port_).post_json("/sim/watches/drop", json::object()).status == 200;
}

bool SimAdmin::Compact() {
  return HttpClient(port_).post_json("/sim/compact", json::object()).status == 200;
}

}  // namespace simtest
