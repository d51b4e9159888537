// A bare HTTP/1.1 client on a POSIX socket for the server's tests: it sends exactly the
// bytes a test gives (slow, oversized, pipelined, malformed) and reads answers with a
// deadline, so that a test never hangs on a server that misbehaves.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>

namespace testing_support {

struct RawReply {
  int status = 0;  // 0: the connection closed, or the deadline passed, first
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

class RawConnection {
 public:
  using ms = std::chrono::milliseconds;

  explicit RawConnection(int port, const char* host = "127.0.0.1") {
    m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    inet_pton(AF_INET, host, &a.sin_addr);
    if (m_fd < 0 || ::connect(m_fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
      throw std::runtime_error("cannot connect to port " + std::to_string(port));
  }
  ~RawConnection() {
    if (m_fd >= 0) ::close(m_fd);
  }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  // False once the server has closed (EPIPE, reset).
  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::send(m_fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // Bytes are waiting to be read (or the connection closed), without waiting.
  bool readable(ms wait = ms(0)) {
    if (!m_pending.empty()) return true;
    pollfd p{m_fd, POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(wait.count())) > 0;
  }

  // One response: status line, headers and a Content-Length body (none for HEAD).
  RawReply read_response(ms deadline = ms(10000), bool head = false) {
    auto until = std::chrono::steady_clock::now() + deadline;
    RawReply r;
    std::size_t end;
    while ((end = m_pending.find("\r\n\r\n")) == std::string::npos)
      if (!fill(until)) return r;
    std::string head_text = m_pending.substr(0, end);
    m_pending.erase(0, end + 4);
    std::size_t line_end = head_text.find("\r\n");
    std::string status_line = head_text.substr(0, line_end);
    if (status_line.size() < 12) return r;
    std::size_t at = line_end;
    while (at != std::string::npos && at < head_text.size()) {
      std::size_t start = at + 2, next = head_text.find("\r\n", start);
      std::string line = head_text.substr(start, next == std::string::npos ? next : next - start);
      std::size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        std::size_t v = line.find_first_not_of(' ', colon + 1);
        std::string value = v == std::string::npos ? "" : line.substr(v);
        auto& slot = r.headers[name];
        slot = slot.empty() ? value : slot + ", " + value;
      }
      at = next;
    }
    std::size_t length = head ? 0 : std::stoul("0" + r.header("content-length"));
    while (m_pending.size() < length)
      if (!fill(until)) return r;
    r.body = m_pending.substr(0, length);
    m_pending.erase(0, length);
    r.status = std::stoi(status_line.substr(9, 3));
    return r;
  }

  // True when the server closes the connection (end of stream or reset) within
  // `deadline`; whatever it sends meanwhile is dropped.
  bool closed_within(ms deadline) {
    auto until = std::chrono::steady_clock::now() + deadline;
    m_pending.clear();
    for (;;) {
      int left = static_cast<int>(
          std::chrono::duration_cast<ms>(until - std::chrono::steady_clock::now()).count());
      if (left <= 0) return false;
      pollfd p{m_fd, POLLIN, 0};
      if (::poll(&p, 1, left) <= 0) continue;
      char buf[4096];
      if (::recv(m_fd, buf, sizeof buf, 0) <= 0) return true;
    }
  }

 private:
  // Reads what is there, waiting until `until`; false on close or deadline.
  bool fill(std::chrono::steady_clock::time_point until) {
    int left = static_cast<int>(
        std::chrono::duration_cast<ms>(until - std::chrono::steady_clock::now()).count());
    if (left <= 0) return false;
    pollfd p{m_fd, POLLIN, 0};
    if (::poll(&p, 1, left) <= 0) return false;
    char buf[65536];
    ssize_t n = ::recv(m_fd, buf, sizeof buf, 0);
    if (n <= 0) return false;
    m_pending.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  int m_fd = -1;
  std::string m_pending;  // read past the last response
};

}  // namespace testing_support
