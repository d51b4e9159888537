// gzip through zlib; see gzip.hpp.
#include "codec/gzip.hpp"

#include <zlib.h>

#include <algorithm>
#include <stdexcept>

#include "core/errors.hpp"

namespace minemap::codec {
namespace {

// zlib's window bits: 15 plus 16 writes a gzip wrapper; plus 32 reads either wrapper.
constexpr int kGzipWrite = 15 + 16;
constexpr int kAnyRead = 15 + 32;

// zlib counts in uInt: feed and drain large buffers in pieces it can take.
constexpr std::size_t kPiece = 1u << 30;

}  // namespace

std::string gzip(std::string_view data, int level) {
  z_stream z{};
  if (deflateInit2(&z, std::clamp(level, 1, 9), Z_DEFLATED, kGzipWrite, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK)
    throw std::runtime_error("gzip: zlib could not start");
  std::string out;
  out.resize(deflateBound(&z, static_cast<uLong>(std::min(data.size(), kPiece))) + 64);
  std::size_t in_at = 0, out_at = 0;
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    std::size_t in_n = std::min(data.size() - in_at, kPiece);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data() + in_at));
    z.avail_in = static_cast<uInt>(in_n);
    if (out.size() - out_at < 64) out.resize(out.size() * 2);
    std::size_t out_n = std::min(out.size() - out_at, kPiece);
    z.next_out = reinterpret_cast<Bytef*>(out.data() + out_at);
    z.avail_out = static_cast<uInt>(out_n);
    bool last = in_at + in_n == data.size();
    rc = deflate(&z, last ? Z_FINISH : Z_NO_FLUSH);
    in_at += in_n - z.avail_in;
    out_at += out_n - z.avail_out;
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
      deflateEnd(&z);
      throw std::runtime_error("gzip: zlib failed");
    }
  }
  deflateEnd(&z);
  out.resize(out_at);
  return out;
}

bool is_gzip(std::string_view data) {
  return data.size() >= 2 && static_cast<unsigned char>(data[0]) == 0x1f &&
         static_cast<unsigned char>(data[1]) == 0x8b;
}

std::string gunzip(std::string_view data, std::size_t max_bytes, const std::string& field) {
  z_stream z{};
  if (inflateInit2(&z, kAnyRead) != Z_OK) throw std::runtime_error("gunzip: zlib could not start");
  std::string out;
  std::size_t in_at = 0, out_at = 0;
  int rc = Z_OK;
  auto fail = [&](const std::string& why) {
    inflateEnd(&z);
    throw core::InputError(field, why);
  };
  while (rc != Z_STREAM_END) {
    // Room to write, up to one byte past the limit (which tells that it is passed).
    if (out.size() - out_at < 4096 && out.size() < max_bytes + 1)
      out.resize(std::min(std::max<std::size_t>(out.size() * 2, 16384), max_bytes + 1));
    std::size_t in_n = std::min(data.size() - in_at, kPiece);
    std::size_t out_n = std::min(out.size() - out_at, kPiece);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data() + in_at));
    z.avail_in = static_cast<uInt>(in_n);
    z.next_out = reinterpret_cast<Bytef*>(out.data() + out_at);
    z.avail_out = static_cast<uInt>(out_n);
    rc = inflate(&z, Z_NO_FLUSH);
    in_at += in_n - z.avail_in;
    out_at += out_n - z.avail_out;
    if (out_at > max_bytes)
      fail("decompresses to more than " + std::to_string(max_bytes) + " bytes");
    if (rc == Z_NEED_DICT || rc == Z_DATA_ERROR || rc == Z_MEM_ERROR)
      fail(std::string("corrupt compressed data") + (z.msg ? std::string(" (") + z.msg + ")" : ""));
    if (rc == Z_BUF_ERROR && in_at == data.size() && z.avail_out > 0)
      fail("compressed data ends early");
    if (rc == Z_OK && in_at == data.size() && z.avail_out > 0) fail("compressed data ends early");
  }
  inflateEnd(&z);
  if (in_at != data.size()) throw core::InputError(field, "bytes after the compressed data");
  out.resize(out_at);
  return out;
}

}  // namespace minemap::codec
