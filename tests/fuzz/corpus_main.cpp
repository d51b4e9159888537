// Replays the fuzz targets over corpus files without libFuzzer (GCC builds): one binary
// for every target. `fuzz_replay TARGET PATH...`: each PATH is a file or a directory
// whose regular files are run, in name order. A crash, a sanitizer report or an
// escaping exception fails the run.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

// Every target's LLVMFuzzerTestOneInput, renamed minemap_fuzz_<target> at compile time
// (tests/fuzz/CMakeLists.txt writes the list).
#define MINEMAP_FUZZ_TARGET(name) \
  extern "C" int minemap_fuzz_##name(const std::uint8_t* data, std::size_t size);
#include "fuzz_targets.inc"
#undef MINEMAP_FUZZ_TARGET

namespace fs = std::filesystem;

namespace {

using Target = int (*)(const std::uint8_t*, std::size_t);

struct Entry {
  std::string_view name;
  Target run;
};

constexpr Entry kTargets[] = {
#define MINEMAP_FUZZ_TARGET(name) {#name, &minemap_fuzz_##name},
#include "fuzz_targets.inc"
#undef MINEMAP_FUZZ_TARGET
};

std::vector<fs::path> inputs(const fs::path& arg) {
  std::vector<fs::path> out;
  if (fs::is_directory(arg)) {
    for (const auto& e : fs::directory_iterator(arg))
      if (e.is_regular_file()) out.push_back(e.path());
    std::sort(out.begin(), out.end());
  } else {
    out.push_back(arg);
  }
  return out;
}

int usage(const char* argv0) {
  std::fprintf(stderr, "usage: %s TARGET CORPUS_DIR_OR_FILE...\ntargets:", argv0);
  for (const Entry& e : kTargets)
    std::fprintf(stderr, " %.*s", static_cast<int>(e.name.size()), e.name.data());
  std::fprintf(stderr, "\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return usage(argv[0]);
  const auto* entry = std::find_if(std::begin(kTargets), std::end(kTargets),
                                   [&](const Entry& e) { return e.name == argv[1]; });
  if (entry == std::end(kTargets)) return usage(argv[0]);
  std::size_t runs = 0;
  for (int i = 2; i < argc; ++i) {
    for (const fs::path& p : inputs(argv[i])) {
      std::ifstream in(p, std::ios::binary);
      if (!in) {
        std::fprintf(stderr, "cannot read %s\n", p.c_str());
        return 2;
      }
      const std::vector<char> bytes{std::istreambuf_iterator<char>(in),
                                    std::istreambuf_iterator<char>()};
      std::fprintf(stderr, "running %s (%zu bytes)\n", p.c_str(), bytes.size());
      // A non-null pointer even for an empty file, as libFuzzer passes.
      static const std::uint8_t kEmpty = 0;
      const auto* data =
          bytes.empty() ? &kEmpty : reinterpret_cast<const std::uint8_t*>(bytes.data());
      entry->run(data, bytes.size());
      ++runs;
    }
  }
  if (runs == 0) {
    std::fprintf(stderr, "no inputs found\n");
    return 1;
  }
  std::fprintf(stderr, "%zu inputs ran without failure\n", runs);
  return 0;
}
