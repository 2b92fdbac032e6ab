// Stream ID parsing: typed IDs (StreamId::parse) and IDs as the server sends them
// (StreamId::fromServer).
#include "FuzzSupport.h"
#include "StreamId.h"

#include <limits>

using namespace streamscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz::quietQt();
    const QByteArray text(reinterpret_cast<const char *>(data), qsizetype(size));
    const StreamId fromServer = StreamId::fromServer(text);
    fuzz::consume(fromServer.toByteArray());
    auto parsed = StreamId::parse(text);
    if (!parsed.ok()) {
        FUZZ_CHECK(!parsed.error().message.isEmpty());
        return 0;
    }
    const StreamId id = parsed.value();
    FUZZ_CHECK(fromServer == id);
    // Written back, an ID reads as itself.
    auto again = StreamId::parse(id.toByteArray());
    FUZZ_CHECK(again.ok() && again.value() == id);
    constexpr quint64 max = std::numeric_limits<quint64>::max();
    if (!(id.ms == max && id.seq == max))
        FUZZ_CHECK(id.successor() > id && id.successor().predecessor() == id);
    if (!id.isZero())
        FUZZ_CHECK(id.predecessor() < id && id.predecessor().successor() == id);
    fuzz::consume(id.toString());
    fuzz::consume(id.timestamp().toString(Qt::ISODateWithMs));
    return 0;
}
