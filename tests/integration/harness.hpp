// Runs the real `minemap` binary (path in $MINEMAP_BIN) and other commands the
// way a user would, capturing exit code, stdout and stderr.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/temp_dir.hpp"

namespace harness {

namespace fs = std::filesystem;

struct Result {
  int code = -1;
  std::string out, err;
};

inline std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void write_file(const fs::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

inline std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

using testing_support::TempDir;

// Runs a shell command line; stdin from `input` when given.
inline Result shell(const std::string& cmd, const std::string& input = {}) {
  TempDir io;
  write_file(io / "in", input);
  std::string line = cmd + " < " + quote((io / "in").string()) + " > " +
                     quote((io / "out").string()) + " 2> " + quote((io / "err").string());
  int status = std::system(line.c_str());
  Result r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(io / "out");
  r.err = slurp(io / "err");
  return r;
}

inline std::string bin() {
  const char* b = std::getenv("MINEMAP_BIN");
  return b ? b : "minemap";
}

// minemap with arguments (each quoted).
inline Result minemap(const std::vector<std::string>& args, const std::string& input = {}) {
  std::string cmd = quote(bin());
  for (const auto& a : args) cmd += " " + quote(a);
  return shell(cmd, input);
}
inline Result minemap(std::initializer_list<std::string> args, const std::string& input = {}) {
  return minemap(std::vector<std::string>(args), input);
}

inline nlohmann::json json_of(const Result& r) {
  EXPECT_EQ(r.code, 0) << r.err;
  return nlohmann::json::parse(r.out);
}

// Refused as bad input: exit 2, one line on stderr naming `names`, and (when given) the
// output file `not_written` not left behind.
inline void expect_refused(const Result& r, const std::string& names,
                           const fs::path& not_written = {}) {
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find(names), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  if (!not_written.empty()) {
    EXPECT_FALSE(fs::exists(not_written)) << not_written;
  }
}

inline std::string shared_data() {
  const char* d = std::getenv("MINEMAP_SHARED_DATA");
  return d ? d : "../shared/data";
}

// Row counts of every table of an SQLite file (the sqlite3 command line tool).
inline std::map<std::string, long> row_counts(const fs::path& db) {
  auto tables = shell("sqlite3 " + quote(db.string()) +
                      " \"SELECT name FROM sqlite_master WHERE type='table' ORDER BY name\"");
  std::map<std::string, long> out;
  std::istringstream in(tables.out);
  std::string t;
  while (std::getline(in, t)) {
    if (t.empty()) continue;
    auto c = shell("sqlite3 " + quote(db.string()) + " 'SELECT count(*) FROM \"" + t + "\"'");
    out[t] = std::stol(c.out.empty() ? "-1" : c.out);
  }
  return out;
}

// `minemap serve STORE --port 0 [EXTRA...]` in the background, as a user starts it;
// url() is the address from its first line, http:// or https:// ("" when it printed
// none within 15 s). Its standard error goes to `err` when given (else the test's).
// Stopped with SIGTERM at the end.
class ServeProcess {
 public:
  ServeProcess(const std::string& store, const fs::path& log,
               const std::vector<std::string>& extra = {}, const fs::path& err = {}) {
    m_pid = fork();
    if (m_pid == 0) {
      FILE* f = std::freopen(log.c_str(), "w", stdout);
      if (!err.empty()) f = std::freopen(err.c_str(), "w", stderr);
      (void)f;
      std::string b = bin();
      std::vector<const char*> argv{b.c_str(), "serve", store.c_str(), "--port", "0"};
      for (const auto& a : extra) argv.push_back(a.c_str());
      argv.push_back(nullptr);
      execv(b.c_str(), const_cast<char* const*>(argv.data()));
      _exit(127);
    }
    for (int i = 0; i < 300 && m_url.empty(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      std::string text = slurp(log);
      // "minemap: serving STORE at http://HOST:PORT/": the store may be an address too
      // (postgresql://...).
      auto at = text.find(" at http");
      if (at != std::string::npos) at += 4;
      auto end = at == std::string::npos ? at : text.find('\n', at);
      if (end != std::string::npos) m_url = text.substr(at, end - at);
    }
  }
  ~ServeProcess() {
    if (m_pid <= 0) return;
    kill(m_pid, SIGTERM);
    // A stop takes well under a second; a process still there after 20 s (once seen:
    // LeakSanitizer's exit check stuck) is killed, so that no test run waits forever.
    int status = 0;
    for (int i = 0; i < 400; ++i) {
      if (waitpid(m_pid, &status, WNOHANG) == m_pid) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::fprintf(stderr, "minemap serve did not stop 20 s after SIGTERM: killed\n");
    kill(m_pid, SIGKILL);
    waitpid(m_pid, &status, 0);
  }
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;
  const std::string& url() const { return m_url; }  // "http://127.0.0.1:PORT/"
  int port() const {
    auto colon = m_url.rfind(':');
    return colon == std::string::npos ? 0 : std::atoi(m_url.c_str() + colon + 1);
  }

 private:
  pid_t m_pid = -1;
  std::string m_url;
};

// One HTTP request with curl: its status, Content-Type and JSON body (null when
// empty). `jar` keeps the session cookie between calls; `csrf` is sent as
// X-CSRF-Token.
struct Reply {
  int status = 0;
  std::string type;
  nlohmann::json body;
};

inline Reply request(const std::string& method, const std::string& url, const fs::path& jar,
                     const std::string& body = "", const std::string& csrf = "") {
  std::string cmd = "curl -s -g -X " + method + " -b " + quote(jar.string()) + " -c " +
                    quote(jar.string()) + " -w '\\n%{content_type}\\n%{http_code}'";
  if (!body.empty()) cmd += " -H 'Content-Type: application/json' --data-binary @-";
  if (!csrf.empty()) cmd += " -H " + quote("X-CSRF-Token: " + csrf);
  auto r = shell(cmd + " " + quote(url), body);
  auto nl = r.out.rfind('\n');
  auto nl2 = r.out.rfind('\n', nl - 1);
  Reply out;
  out.status = std::stoi(r.out.substr(nl + 1));
  out.type = r.out.substr(nl2 + 1, nl - nl2 - 1);
  std::string text = r.out.substr(0, nl2);
  out.body = text.empty() ? nlohmann::json() : nlohmann::json::parse(text, nullptr, false);
  return out;
}

// One HTTP request with curl, as a client that sends what it likes: any method, a body
// of any type (from a file, so that it may be large), extra headers; the reply's
// status, Content-Type and raw body.
struct RawReply {
  int status = 0;
  std::string type;
  std::string body;
  nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
};

inline RawReply request_raw(const std::string& method, const std::string& url, const fs::path& jar,
                            const std::string& body = "",
                            const std::vector<std::string>& headers = {}) {
  TempDir io;
  write_file(io / "body", body);
  std::string cmd = "curl -s -g -X " + method + " -b " + quote(jar.string()) + " -c " +
                    quote(jar.string()) + " -w '\\n%{content_type}\\n%{http_code}'";
  if (!body.empty() || method == "POST" || method == "PUT")  // an empty body: Content-Length 0
    cmd += " --data-binary @" + quote((io / "body").string());
  for (const auto& h : headers) cmd += " -H " + quote(h);
  auto r = shell(cmd + " " + quote(url));
  RawReply out;
  auto nl = r.out.rfind('\n');
  if (nl == std::string::npos || nl == 0) return out;  // no answer: status 0
  auto nl2 = r.out.rfind('\n', nl - 1);
  if (nl2 == std::string::npos) return out;
  out.status = std::atoi(r.out.c_str() + nl + 1);
  out.type = r.out.substr(nl2 + 1, nl - nl2 - 1);
  out.body = r.out.substr(0, nl2);
  return out;
}

}  // namespace harness
