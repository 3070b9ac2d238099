#include "sim/http/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>

namespace kubesim::http {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

/// One accepted socket, optionally wrapped in TLS.
class Conn {
 public:
  Conn(int fd, SSL* ssl) : fd_(fd), ssl_(ssl) {}
  ~Conn() {
    if (ssl_) {
      SSL_shutdown(ssl_);
      SSL_free(ssl_);
    }
  }
  ssize_t read_some(char* buf, size_t n) {
    if (ssl_) {
      int r = SSL_read(ssl_, buf, static_cast<int>(n));
      return r > 0 ? r : -1;
    }
    ssize_t r = ::recv(fd_, buf, n, 0);
    return r > 0 ? r : -1;
  }
  bool write_all(std::string_view data) {
    std::lock_guard<std::mutex> lock(write_mu_);
    while (!data.empty()) {
      ssize_t w;
      if (ssl_) {
        int r = SSL_write(ssl_, data.data(), static_cast<int>(data.size()));
        w = r > 0 ? r : -1;
      } else {
        w = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      }
      if (w <= 0) return false;
      data.remove_prefix(static_cast<size_t>(w));
    }
    return true;
  }
  /// Non-blocking check: did the peer hang up? Pending request bytes count as "alive".
  bool peer_closed() {
    pollfd p{fd_, POLLIN | POLLRDHUP, 0};
    int r = ::poll(&p, 1, 0);
    if (r <= 0) return false;
    if (p.revents & (POLLERR | POLLHUP | POLLRDHUP)) return true;
    char c;
    ssize_t n = ::recv(fd_, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0;
  }
  int fd() const { return fd_; }

 private:
  int fd_;
  SSL* ssl_;
  std::mutex write_mu_;
};

class ConnWriter : public ResponseWriter {
 public:
  ConnWriter(Conn& conn, bool head_only) : conn_(conn), head_only_(head_only) {}
  bool done() const { return done_; }
  bool streaming() const { return streaming_; }
  bool healthy() const { return healthy_; }

  void send(const Response& r) override {
    std::string out = status_line(r.status);
    append_headers(out, r.headers);
    if (r.body.size() < kChunkingThreshold) {
      out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n\r\n";
      if (!head_only_) out += r.body;
    } else {
      out += "Transfer-Encoding: chunked\r\n\r\n";
      if (!head_only_) {
        char len[32];
        snprintf(len, sizeof len, "%zx\r\n", r.body.size());
        out += len;
        out += r.body;
        out += "\r\n0\r\n\r\n";
      }
    }
    healthy_ = conn_.write_all(out);
    done_ = true;
  }
  bool begin_stream(int status, const Headers& headers) override {
    std::string out = status_line(status);
    append_headers(out, headers);
    out += "Transfer-Encoding: chunked\r\n\r\n";
    streaming_ = true;
    healthy_ = conn_.write_all(out);
    return healthy_;
  }
  bool write_chunk(std::string_view data) override {
    if (!healthy_ || data.empty()) return healthy_;
    char len[32];
    snprintf(len, sizeof len, "%zx\r\n", data.size());
    std::string out = len;
    out.append(data);
    out += "\r\n";
    healthy_ = conn_.write_all(out);
    return healthy_;
  }
  void end_stream() override {
    if (healthy_) healthy_ = conn_.write_all("0\r\n\r\n");
    done_ = true;
  }
  bool peer_closed() override { return conn_.peer_closed(); }

 private:
  static std::string status_line(int status) {
    return "HTTP/1.1 " + std::to_string(status) + " " + reason_phrase(status) + "\r\n";
  }
  static void append_headers(std::string& out, const Headers& headers) {
    for (const auto& [k, v] : headers) out += k + ": " + v + "\r\n";
    out += "Date: " + http_date() + "\r\n";
  }
  static std::string http_date() {
    char buf[64];
    time_t now = time(nullptr);
    tm g;
    gmtime_r(&now, &g);
    strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &g);
    return buf;
  }
  Conn& conn_;
  bool head_only_;
  bool done_ = false;
  bool streaming_ = false;
  bool healthy_ = true;
};

/// Reads requests off one connection, keeping leftover bytes between requests.
class RequestReader {
 public:
  explicit RequestReader(Conn& conn) : conn_(conn) {}

  /// Reads one request; false on EOF or a malformed request.
  bool next(Request& req, bool* keep_alive) {
    size_t head_end;
    while ((head_end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (buf_.size() > kMaxHeaderBytes || !fill()) return false;
    }
    std::string head = buf_.substr(0, head_end);
    buf_.erase(0, head_end + 4);
    if (!parse_head(head, req)) return false;
    std::string conn_hdr = lower(req.header("connection"));
    *keep_alive = conn_hdr != "close";
    if (lower(req.header("transfer-encoding")).find("chunked") != std::string::npos) {
      return read_chunked_body(req.body);
    }
    size_t len = 0;
    std::string cl = req.header("content-length");
    if (!cl.empty()) len = std::strtoull(cl.c_str(), nullptr, 10);
    if (len > kMaxBodyBytes) return false;
    while (buf_.size() < len) {
      if (!fill()) return false;
    }
    req.body = buf_.substr(0, len);
    buf_.erase(0, len);
    return true;
  }

 private:
  bool fill() {
    char tmp[16384];
    ssize_t n = conn_.read_some(tmp, sizeof tmp);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }
  bool read_line(std::string& line) {
    size_t pos;
    while ((pos = buf_.find("\r\n")) == std::string::npos) {
      if (!fill()) return false;
    }
    line = buf_.substr(0, pos);
    buf_.erase(0, pos + 2);
    return true;
  }
  bool read_chunked_body(std::string& body) {
    for (;;) {
      std::string line;
      if (!read_line(line)) return false;
      size_t size = std::strtoull(line.c_str(), nullptr, 16);
      if (size == 0) {
        std::string trailer;
        do {
          if (!read_line(trailer)) return false;
        } while (!trailer.empty());
        return true;
      }
      if (body.size() + size > kMaxBodyBytes) return false;
      while (buf_.size() < size + 2) {
        if (!fill()) return false;
      }
      body.append(buf_, 0, size);
      buf_.erase(0, size + 2);
    }
  }
  static bool parse_head(const std::string& head, Request& req) {
    size_t line_end = head.find("\r\n");
    std::string first = head.substr(0, line_end);
    size_t sp1 = first.find(' ');
    size_t sp2 = first.find(' ', sp1 + 1);
    if (sp1 == std::string::npos || sp2 == std::string::npos) return false;
    req.method = first.substr(0, sp1);
    req.target = first.substr(sp1 + 1, sp2 - sp1 - 1);
    size_t q = req.target.find('?');
    req.path = url_decode(std::string_view(req.target).substr(0, q), false);
    if (q != std::string::npos) req.query = parse_query(std::string_view(req.target).substr(q + 1));
    size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      size_t end = head.find("\r\n", pos);
      if (end == std::string::npos) end = head.size();
      std::string line = head.substr(pos, end - pos);
      size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string value = line.substr(colon + 1);
        size_t b = value.find_first_not_of(" \t");
        size_t e = value.find_last_not_of(" \t");
        value = b == std::string::npos ? "" : value.substr(b, e - b + 1);
        req.headers[lower(line.substr(0, colon))] = value;
      }
      pos = end + 2;
    }
    return true;
  }

  Conn& conn_;
  std::string buf_;
};

}  // namespace

std::string Request::param(const std::string& key, const std::string& fallback) const {
  auto it = query.find(key);
  return it == query.end() ? fallback : it->second;
}

std::string Request::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? "" : it->second;
}

std::string reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 413: return "Request Entity Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Unknown";
  }
}

std::string url_decode(std::string_view s, bool plus_as_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%' && i + 2 < s.size() &&
        std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else if (c == '+' && plus_as_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::multimap<std::string, std::string> parse_query(std::string_view q) {
  std::multimap<std::string, std::string> out;
  while (!q.empty()) {
    size_t amp = q.find('&');
    std::string_view part = q.substr(0, amp);
    size_t eq = part.find('=');
    std::string key = url_decode(part.substr(0, eq), true);
    std::string value = eq == std::string_view::npos ? "" : url_decode(part.substr(eq + 1), true);
    if (!key.empty()) out.emplace(std::move(key), std::move(value));
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
  return out;
}

Server::Server(Handler handler, SSL_CTX* tls) : handler_(std::move(handler)), tls_(tls) {}

Server::~Server() { stop(); }

int Server::start(const std::string& host, int port, std::string* error) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    *error = "invalid listen address " + host + " (use an IPv4 address such as 127.0.0.1)";
    return -1;
  }
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 512) != 0) {
    *error = "cannot listen on " + host + ":" + std::to_string(port) + ": " + strerror(errno);
    ::close(listen_fd_);
    listen_fd_ = -1;
    return -1;
  }
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
  return port_;
}

void Server::stop() {
  if (stopping_.exchange(true)) return;
  if (listen_fd_ >= 0) ::shutdown(listen_fd_, SHUT_RDWR);
  if (acceptor_.joinable()) acceptor_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  std::unique_lock<std::mutex> lock(mu_);
  for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
  idle_.wait(lock, [this] { return active_workers_ == 0; });
}

void Server::accept_loop() {
  while (!stopping_) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (stopping_) return;
      if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE) continue;
      return;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) {
      ::close(fd);
      return;
    }
    open_fds_.insert(fd);
    ++active_workers_;
    std::thread([this, fd] {
      serve_connection(fd);
      std::lock_guard<std::mutex> l(mu_);
      open_fds_.erase(fd);
      ::close(fd);
      if (--active_workers_ == 0) idle_.notify_all();
    }).detach();
  }
}

void Server::serve_connection(int fd) {
  SSL* ssl = nullptr;
  if (tls_) {
    ssl = SSL_new(tls_);
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) <= 0) {
      SSL_free(ssl);
      ERR_clear_error();
      return;
    }
  }
  Conn conn(fd, ssl);
  RequestReader reader(conn);
  while (!stopping_) {
    Request req;
    bool keep_alive = true;
    if (!reader.next(req, &keep_alive)) return;
    ConnWriter writer(conn, req.method == "HEAD");
    handler_(req, writer);
    if (!writer.done()) {
      if (writer.streaming()) return;  // a stream abandoned mid-way: close the connection
      writer.send(Response{500, {}, "handler wrote no response\n"});
    }
    if (!writer.healthy() || !keep_alive) return;
  }
}

}  // namespace kubesim::http
