#pragma once

// Shared by the fuzz targets: each fuzz_<name>.cpp defines LLVMFuzzerTestOneInput, which
// libFuzzer calls (scripts/fuzz.sh) and fuzz_replay calls on the committed regressions and
// corpus files (the CTest test fuzz_regressions, built with GCC too).

#include <QByteArray>
#include <QString>
#include <QtGlobal>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace streamscope::fuzz {

// What the fuzzer checks beyond crashes: a broken promise aborts, so libFuzzer keeps the input.
#define FUZZ_CHECK(condition)                                                                      \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #condition);     \
            std::abort();                                                                          \
        }                                                                                          \
    } while (false)

// Results are read so that the work is not optimised away and sanitizers see every byte.
inline void consume(const QByteArray &bytes) {
    static volatile char sink;
    for (char c : bytes)
        sink = sink ^ c;
}
inline void consume(const QString &text) {
    consume(text.toUtf8());
}

// Qt's warnings would drown libFuzzer's output; fatal messages still abort (Qt does that after
// the handler returns).
inline void quietQt() {
    static const bool installed = [] {
        qInstallMessageHandler([](QtMsgType type, const QMessageLogContext &, const QString &msg) {
            if (type == QtFatalMsg)
                std::fprintf(stderr, "qFatal: %s\n", qPrintable(msg));
        });
        return true;
    }();
    Q_UNUSED(installed);
}

// How a reply fuzz input is fed to the parser: the first two bytes are not part of the reply.
// Byte 0, low 6 bits: the largest chunk (0: everything in one feed); bits 7 and 6: in entries
// mode, where the entries are: bit 7, two levels down (XREAD); else bit 6, one level down
// (XAUTOCLAIM); else at the root (XRANGE). Byte 1 seeds the chunk sizes.
class ChunkPlan {
public:
    ChunkPlan(const uint8_t *data, size_t size)
        : m_maxChunk(size > 0 ? data[0] & 0x3f : 0)
        , m_entriesDepth(size == 0          ? 0
                         : (data[0] & 0x80) ? 2
                         : (data[0] & 0x40) ? 1
                                            : 0)
        , m_state(size > 1 ? (data[1] * 2654435761u) | 1 : 1) {}
    static constexpr size_t headerSize = 2;
    int entriesDepth() const { return m_entriesDepth; }
    size_t next(size_t remaining) {
        if (m_maxChunk == 0)
            return remaining;
        m_state ^= m_state << 13; // xorshift32: cheap, and the same input splits the same way
        m_state ^= m_state >> 17;
        m_state ^= m_state << 5;
        return qMin(remaining, size_t(1 + m_state % m_maxChunk));
    }

private:
    uint32_t m_maxChunk;
    int m_entriesDepth;
    uint32_t m_state;
};

} // namespace streamscope::fuzz
