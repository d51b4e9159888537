// Makes the glyphs the web map draws text with (docs/basemap.md, "Fonts"): for each font
// stack, one file per block of 256 code points, "<first>-<last>.pbf", in the protocol
// buffer format MapLibre reads from its style's `glyphs` URL (a stack of glyphs, each a
// signed distance field of the glyph drawn at 24 pixels with a 3 pixel border, and its
// metrics). Run at build time on a font of a Debian package, so that nothing is fetched
// when the map is used:
//
//   make_glyphs OUTDIR "Open Sans Regular=/usr/share/fonts/.../OpenSans-Regular.ttf" ...
//
// Writes OUTDIR/<stack name>/<first>-<last>.pbf for every block, empty blocks included
// (a map asks for a block by the text it shows; an empty answer draws nothing rather
// than failing).
#include <ft2build.h>
#include FT_FREETYPE_H

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <string>
#include <vector>

namespace {

constexpr int kSize = 24;         // pixels an em, as the map expects
constexpr int kBorder = 3;        // around each glyph's bitmap
constexpr double kRadius = 8;     // pixels of distance from the edge the field spans
constexpr double kCutoff = 0.25;  // where the edge falls in 0..1 (192 of 255)
constexpr double kInf = 1e20;

// ---- Protocol buffer writing (varints, lengths) ----

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}
void put_tag(std::string& out, int field, int wire) {
  put_varint(out, static_cast<std::uint64_t>(field) << 3 | static_cast<std::uint64_t>(wire));
}
void put_uint(std::string& out, int field, std::uint64_t v) {
  put_tag(out, field, 0);
  put_varint(out, v);
}
void put_sint(std::string& out, int field, std::int64_t v) {
  put_tag(out, field, 0);
  put_varint(out, (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
}
void put_bytes(std::string& out, int field, const std::string& v) {
  put_tag(out, field, 2);
  put_varint(out, v.size());
  out += v;
}

// ---- Signed distance field ----

// The squared distance transform of one row or column (lower envelope of parabolas).
void edt_1d(std::vector<double>& f, std::size_t offset, std::size_t stride, std::size_t n,
            std::vector<double>& d, std::vector<std::size_t>& v, std::vector<double>& z) {
  for (std::size_t q = 0; q < n; ++q) d[q] = f[offset + q * stride];
  v[0] = 0;
  z[0] = -kInf;
  z[1] = kInf;
  std::size_t k = 0;
  for (std::size_t q = 1; q < n; ++q) {
    double s;
    for (;;) {
      const std::size_t r = v[k];
      s = ((d[q] + double(q) * double(q)) - (d[r] + double(r) * double(r))) /
          (2.0 * double(q) - 2.0 * double(r));
      if (s > z[k] || k == 0) break;  // (z[0] is -infinity: k never passes 0)
      --k;
    }
    ++k;
    v[k] = q;
    z[k] = s;
    z[k + 1] = kInf;
  }
  k = 0;
  for (std::size_t q = 0; q < n; ++q) {
    while (z[k + 1] < double(q)) ++k;
    const double dq = double(q) - double(v[k]);
    f[offset + q * stride] = dq * dq + d[v[k]];
  }
}

void edt_2d(std::vector<double>& grid, std::size_t w, std::size_t h) {
  const std::size_t n = std::max(w, h);
  std::vector<double> d(n), z(n + 1);
  std::vector<std::size_t> v(n);
  for (std::size_t x = 0; x < w; ++x) edt_1d(grid, x, w, h, d, v, z);
  for (std::size_t y = 0; y < h; ++y) edt_1d(grid, y * w, 1, w, d, v, z);
}

// The field of a coverage bitmap (0..255 per pixel), `w` x `h` with the border included.
std::string sdf(const std::vector<unsigned char>& alpha, std::size_t w, std::size_t h) {
  std::vector<double> outer(w * h), inner(w * h);
  for (std::size_t i = 0; i < w * h; ++i) {
    const double a = alpha[i] / 255.0;
    if (a >= 1) {
      outer[i] = 0;
      inner[i] = kInf;
    } else if (a <= 0) {
      outer[i] = kInf;
      inner[i] = 0;
    } else {
      // Part covered: the edge lies inside the pixel.
      const double e = 0.5 - a;
      outer[i] = e > 0 ? e * e : 0;
      inner[i] = e < 0 ? e * e : 0;
    }
  }
  edt_2d(outer, w, h);
  edt_2d(inner, w, h);
  std::string out(w * h, '\0');
  for (std::size_t i = 0; i < w * h; ++i) {
    const double dist = std::sqrt(outer[i]) - std::sqrt(inner[i]);
    const double v = std::round(255 - 255 * (dist / kRadius + kCutoff));
    out[i] = static_cast<char>(static_cast<unsigned char>(std::clamp(v, 0.0, 255.0)));
  }
  return out;
}

// ---- Glyphs ----

std::string glyph(FT_Face face, FT_ULong code, long ascender) {
  const FT_UInt index = FT_Get_Char_Index(face, code);
  if (index == 0) return {};
  if (FT_Load_Glyph(face, index, FT_LOAD_RENDER | FT_LOAD_TARGET_LIGHT) != 0) return {};
  const FT_GlyphSlot g = face->glyph;
  const FT_Bitmap& b = g->bitmap;
  const std::size_t gw = b.width, gh = b.rows;
  std::string msg;
  put_uint(msg, 1, code);
  if (gw > 0 && gh > 0 && b.pixel_mode == FT_PIXEL_MODE_GRAY) {
    const std::size_t w = gw + 2 * kBorder, h = gh + 2 * kBorder;
    std::vector<unsigned char> alpha(w * h, 0);
    for (std::size_t y = 0; y < gh; ++y)
      for (std::size_t x = 0; x < gw; ++x)
        alpha[(y + kBorder) * w + x + kBorder] =
            b.buffer[y * static_cast<std::size_t>(b.pitch) + x];
    put_bytes(msg, 2, sdf(alpha, w, h));
    put_uint(msg, 3, gw);
    put_uint(msg, 4, gh);
  } else {
    put_uint(msg, 3, 0);
    put_uint(msg, 4, 0);
  }
  put_sint(msg, 5, g->bitmap_left);
  // From the line's top (the font's ascender) rather than the baseline, as map fonts are.
  put_sint(msg, 6, g->bitmap_top - ascender);
  put_uint(msg, 7, static_cast<std::uint64_t>(std::lround(g->advance.x / 64.0)));
  return msg;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: make_glyphs OUTDIR \"STACK NAME=FONT.ttf\" ...\n";
    return 2;
  }
  const std::filesystem::path out_dir = argv[1];
  FT_Library ft;
  if (FT_Init_FreeType(&ft) != 0) {
    std::cerr << "make_glyphs: FreeType failed to start\n";
    return 1;
  }
  for (int a = 2; a < argc; ++a) {
    const std::string arg = argv[a];
    const auto eq = arg.find('=');
    if (eq == std::string::npos) {
      std::cerr << "make_glyphs: " << arg << ": not STACK NAME=FONT.ttf\n";
      return 2;
    }
    const std::string stack = arg.substr(0, eq), font = arg.substr(eq + 1);
    FT_Face face;
    if (FT_New_Face(ft, font.c_str(), 0, &face) != 0) {
      std::cerr << "make_glyphs: " << font << ": cannot read the font\n";
      return 1;
    }
    FT_Set_Pixel_Sizes(face, 0, kSize);
    const long ascender = std::lround(face->size->metrics.ascender / 64.0);
    const std::filesystem::path dir = out_dir / stack;
    std::filesystem::create_directories(dir);
    std::size_t glyphs = 0;
    for (FT_ULong start = 0; start < 65536; start += 256) {
      const std::string range = std::to_string(start) + "-" + std::to_string(start + 255);
      std::string stack_msg;
      put_bytes(stack_msg, 1, stack);
      put_bytes(stack_msg, 2, range);
      for (FT_ULong c = start; c < start + 256; ++c) {
        std::string g = glyph(face, c, ascender);
        if (g.empty()) continue;
        put_bytes(stack_msg, 3, g);
        ++glyphs;
      }
      std::string file;
      put_bytes(file, 1, stack_msg);
      std::ofstream(dir / (range + ".pbf"), std::ios::binary) << file;
    }
    std::cout << "make_glyphs: " << stack << ": " << glyphs << " glyphs from " << font << "\n";
    FT_Done_Face(face);
  }
  FT_Done_FreeType(ft);
  return 0;
}
