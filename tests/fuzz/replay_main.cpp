// Replays inputs through the fuzz targets' entry functions without libFuzzer (any compiler):
//   fuzz_replay DIR...
// Each DIR holds one folder per target (regressions/<target>/, corpus/<target>/); every file in
// it goes through that target once. A crash or a failed check ends the process, naming the file
// first. Built by CMake with each target's LLVMFuzzerTestOneInput renamed (fuzz_targets.inc).
// A file named *.open is a finding not fixed yet: listed, not replayed (it would crash), until
// the fix drops the suffix. scripts/fuzz.sh starts from every file, so it keeps failing on them.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#define STREAMSCOPE_FUZZ_TARGET(name)                                                              \
    extern "C" int streamscope_fuzz_##name(const uint8_t *data, size_t size);
#include "fuzz_targets.inc"
#undef STREAMSCOPE_FUZZ_TARGET

namespace fs = std::filesystem;
using Entry = int (*)(const uint8_t *, size_t);

int main(int argc, char **argv) {
    const std::map<std::string, Entry> targets = {
#define STREAMSCOPE_FUZZ_TARGET(name) {#name, streamscope_fuzz_##name},
#include "fuzz_targets.inc"
#undef STREAMSCOPE_FUZZ_TARGET
    };
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s DIR...  (DIR/<target>/<input files>)\n", argv[0]);
        return 2;
    }
    int replayed = 0;
    int open = 0;
    for (int a = 1; a < argc; ++a) {
        if (!fs::is_directory(argv[a])) {
            std::fprintf(stderr, "%s: not a directory\n", argv[a]);
            return 2;
        }
        std::vector<fs::path> folders{fs::directory_iterator(argv[a]), fs::directory_iterator()};
        std::sort(folders.begin(), folders.end());
        for (const fs::path &folder : folders) {
            if (!fs::is_directory(folder))
                continue;
            const auto target = targets.find(folder.filename().string());
            if (target == targets.end()) {
                std::fprintf(stderr, "%s: no fuzz target of that name\n", folder.c_str());
                return 2;
            }
            std::vector<fs::path> files{fs::directory_iterator(folder), fs::directory_iterator()};
            std::sort(files.begin(), files.end());
            int count = 0;
            for (const fs::path &file : files) {
                if (!fs::is_regular_file(file))
                    continue;
                if (file.extension() == ".open") {
                    std::printf("%s: OPEN FINDING, not replayed until fixed: %s\n",
                                target->first.c_str(), file.c_str());
                    ++open;
                    continue;
                }
                std::ifstream in(file, std::ios::binary);
                const std::vector<char> bytes{std::istreambuf_iterator<char>(in),
                                              std::istreambuf_iterator<char>()};
                // Named before it runs: a crash leaves the file as the last line.
                std::fprintf(stderr, "replaying %s\n", file.c_str());
                target->second(reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size());
                ++count;
            }
            std::printf("%s: %d inputs from %s\n", target->first.c_str(), count, folder.c_str());
            replayed += count;
        }
    }
    std::printf("%d inputs replayed, none crashed; %d open findings left out\n", replayed, open);
    return 0;
}
