// A minimal HTTP/1.1 keep-alive client over a plain socket, for measuring a server rather than a
// client library: no TLS, no retries, no allocation beyond the response buffer. Understands
// Content-Length and chunked bodies (kube-sim chunks bodies of 2 KB and more). Benchmarks only.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <utility>

namespace ferry::bench {

class RawHttp {
 public:
  RawHttp(int port, std::string token = "") : token_(std::move(token)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      fd_ = -1;
      return;
    }
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~RawHttp() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawHttp(const RawHttp&) = delete;
  RawHttp& operator=(const RawHttp&) = delete;

  bool connected() const { return fd_ >= 0; }

  // Sends one request and reads the whole response; returns its status code, or -1 when the
  // connection failed. The body is left in body(). `content_type` is sent with a body (PATCH
  // wants application/merge-patch+json).
  int Do(const std::string& method, const std::string& path, const std::string& body = "",
         const std::string& content_type = "application/json") {
    if (fd_ < 0) return -1;
    std::string req = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n";
    if (!token_.empty()) req += "Authorization: Bearer " + token_ + "\r\n";
    if (!body.empty() || method == "POST" || method == "PUT") {
      req += "Content-Type: " + content_type + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    }
    req += "\r\n" + body;
    if (::send(fd_, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) return -1;
    return ReadResponse();
  }

  const std::string& body() const { return body_; }

 private:
  bool Fill() {
    char tmp[65536];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }

  int ReadResponse() {
    size_t head_end;
    while ((head_end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return -1;
    }
    const std::string head = buf_.substr(0, head_end);
    buf_.erase(0, head_end + 4);
    int status = head.size() > 12 ? std::atoi(head.c_str() + 9) : -1;
    body_.clear();
    size_t cl = head.find("Content-Length: ");
    if (cl != std::string::npos) {
      size_t need = std::strtoul(head.c_str() + cl + 16, nullptr, 10);
      while (buf_.size() < need) {
        if (!Fill()) return -1;
      }
      body_ = buf_.substr(0, need);
      buf_.erase(0, need);
      return status;
    }
    if (head.find("chunked") == std::string::npos) return status;
    for (;;) {  // chunk: "<hex>\r\n<data>\r\n", ending with "0\r\n\r\n"
      size_t eol;
      while ((eol = buf_.find("\r\n")) == std::string::npos) {
        if (!Fill()) return -1;
      }
      size_t size = std::strtoul(buf_.c_str(), nullptr, 16);
      while (buf_.size() < eol + 2 + size + 2) {
        if (!Fill()) return -1;
      }
      body_.append(buf_, eol + 2, size);
      buf_.erase(0, eol + 2 + size + 2);
      if (size == 0) return status;
    }
  }

  int fd_ = -1;
  std::string token_;
  std::string buf_;
  std::string body_;
};

}  // namespace ferry::bench
